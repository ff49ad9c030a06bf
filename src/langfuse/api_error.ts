/**
 * The one error the Langfuse API client throws: which request failed, with which status, and a
 * message fit for the user. Messages never carry key values, only the variables' names.
 */

import { escapeControls } from "../text/escape.ts";
import { redact } from "../http/redact.ts";

/** The environment variables that hold the API keys, named in auth failures. */
export const KEY_VARIABLES = "LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY";

/** A failed Langfuse API request; `status` is 0 when no HTTP answer came. */
export class LangfuseApiError extends Error {
  override readonly name = "LangfuseApiError";
  /** `endpoint` is the method and path, e.g. "GET /api/public/traces", without the query. */
  constructor(readonly status: number, readonly endpoint: string, message: string) {
    super(message);
  }
}

/** A request Langfuse refused because its budget is spent for longer than the client waits. */
export class RateLimitedError extends LangfuseApiError {
  /** `resource` is Langfuse's budget, e.g. "trace-delete"; `untilMs` when it opens again. */
  constructor(endpoint: string, readonly resource: string, readonly untilMs: number) {
    super(
      429,
      endpoint,
      `Langfuse's ${resource} budget is spent until ${new Date(untilMs).toISOString()} ` +
        `(HTTP 429 for ${endpoint})`,
    );
  }
}

/** Builds the error for a final HTTP answer, removing `secrets` from the server's text. */
export function apiError(
  status: number,
  endpoint: string,
  body: string,
  secrets: readonly string[],
): LangfuseApiError {
  if (status === 401 || status === 403) {
    const what = status === 401 ? "rejected the API keys" : "refused access with these API keys";
    return new LangfuseApiError(
      status,
      endpoint,
      `Langfuse ${what} (HTTP ${status}) for ${endpoint}: check ${KEY_VARIABLES}, ` +
        `and that LANGFUSE_BASE_URL is the project's region`,
    );
  }
  // Redacted before serverMessage shortens it, so no secret is cut where it would not match.
  const detail = serverMessage(redact(body, secrets));
  return new LangfuseApiError(
    status,
    endpoint,
    `Langfuse answered HTTP ${status} for ${endpoint}${detail ? `: ${detail}` : ""}`,
  );
}

/** The error for a request that got no HTTP answer (network error or timeout). */
export function networkError(
  endpoint: string,
  reason: string,
  secrets: readonly string[],
): LangfuseApiError {
  return new LangfuseApiError(
    0,
    endpoint,
    `Could not reach Langfuse for ${endpoint}: ${redact(reason, secrets)}`,
  );
}

/** The error for a 2xx answer whose body is not what the endpoint promises. */
export function malformedAnswer(endpoint: string, what: string): LangfuseApiError {
  return new LangfuseApiError(200, endpoint, `Langfuse answered ${endpoint} with ${what}`);
}

/** The `message` of a JSON error body, else the body's text, on one line, shortened, escaped. */
function serverMessage(body: string): string {
  let text = body;
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === "object" && parsed !== null && "message" in parsed) {
      const message = (parsed as { message: unknown }).message;
      if (typeof message === "string") text = message;
    }
  } catch {
    // Not JSON: keep the raw text.
  }
  return escapeControls(text.replace(/\s+/g, " ").trim().slice(0, 200));
}
