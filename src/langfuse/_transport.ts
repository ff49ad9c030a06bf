/**
 * The client's HTTP layer: Basic auth, JSON bodies, the read rate limit, pacing per Langfuse
 * budget (a 429 closes its budget for every request of it until Retry-After, and is waited out
 * up to `maxRateLimitWaitMs`), and retries per the export stage's retry policy (5xx and
 * timeouts). Private to the folder.
 */
import { type AttemptOutcome, decide, parseRetryAfter } from "../http/retry.ts";
import { describeNetworkError } from "../http/network_error.ts";
import { answerBody, BODY_READ_LIMIT, readAnswer } from "../http/answer_body.ts";
import { RefusalCircuit } from "../http/circuit.ts";
import { Pacer } from "../http/pacing.ts";
import { base64, collectSecrets } from "../http/redact.ts";
import { apiError, malformedAnswer, networkError, RateLimitedError } from "./api_error.ts";
import type { LangfuseClientOptions } from "./client_options.ts";
import { RateLimiter } from "./rate_limiter.ts";

/** The HTTP methods the client uses. */
export type Method = "GET" | "POST" | "PATCH" | "DELETE";

/** What to send and which failures to hand back instead of throwing. */
export interface RequestSpec {
  /** Query parameters; undefined and empty values are left out. */
  query?: Record<string, string | undefined>;
  /** JSON body. */
  body?: unknown;
  /** Statuses answered instead of thrown, e.g. 404 when probing. */
  pass?: readonly number[];
}

const SESSIONS = "/api/public/sessions";
const TRACES = "/api/public/traces";
/**
 * The most of a 2xx answer read. The largest page asked for is 100 traces or observations with
 * their inputs and outputs, each at most 1 MiB from a script; more is no Langfuse answer, and
 * reading on would let a server spend the process's memory.
 */
export const API_ANSWER_LIMIT = 256 * 1024 * 1024;
/** Network reasons (from describeNetworkError) that mean nothing is listening there. */
const REFUSED = new Set(["connection refused", "host not found"]);

/** Sends requests to one Langfuse project with retries; throws LangfuseApiError on failure. */
export class Transport {
  readonly #baseUrl: string;
  readonly #auth: string;
  readonly #secrets: readonly string[];
  readonly #limiter: RateLimiter;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #now: () => number;
  readonly #random: () => number;
  /** Langfuse's budgets as its answers closed them; shared by the clients of one run. */
  readonly pacer: Pacer;

  /** Fills in the defaults documented on {@link LangfuseClientOptions}; default a new pacer. */
  constructor(private readonly options: LangfuseClientOptions, pacer: Pacer = new Pacer()) {
    this.pacer = pacer;
    this.#baseUrl = options.baseUrl.replace(/\/+$/, "");
    const token = base64(`${options.publicKey}:${options.secretKey}`);
    this.#auth = `Basic ${token}`;
    // Never echo a key, even when the server quotes one back: every form the run-wide
    // redaction knows (raw, percent-encoded, base64, "Basic …", query values of the URL).
    this.#secrets = collectSecrets({
      LANGFUSE_PUBLIC_KEY: options.publicKey,
      LANGFUSE_SECRET_KEY: options.secretKey,
      LANGFUSE_BASE_URL: options.baseUrl,
    });
    this.#limiter = new RateLimiter(options.readsPerSecond ?? 0);
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
  }

  /** One request with retries; answers a 2xx (with its JSON body) or a passed status. */
  async request<T>(
    method: Method,
    path: string,
    spec: RequestSpec = {},
  ): Promise<{ status: number; data?: T }> {
    const endpoint = `${method} ${endpointPath(path)}`;
    const url = this.#baseUrl + path + queryString(spec.query);
    const resource = budgetOf(method, path);
    const maxWaitMs = this.options.maxRateLimitWaitMs ?? 300_000;
    let started = this.#now();
    let limitedWaits = 0;
    // A Langfuse that refuses every connection for 5 s is not coming back within this request:
    // fail then, not at the 60 s retry deadline.
    const circuit = new RefusalCircuit({ now: this.#now });
    for (let attempt = 1;; attempt++) {
      const paced = this.pacer.waitMs(resource, this.#now());
      if (paced > 0) await this.#pause(paced);
      if (method === "GET") {
        const wait = this.#limiter.reserve(this.#now());
        if (wait > 0) await this.#pause(wait);
      }
      this.options.signal?.throwIfAborted();
      const answer = await this.#attempt(method, url, spec.body);
      this.options.signal?.throwIfAborted();
      if (answer.response) {
        const { status, text, whole, headers } = answer.response;
        const at = this.#now();
        const closed = this.pacer.observe(resource, status, headers, at);
        if (status >= 200 && status < 300) {
          if (!whole) {
            throw malformedAnswer(
              endpoint,
              "more than 256 MiB, more than any page it sends: check LANGFUSE_BASE_URL",
            );
          }
          return { status, data: parseJson<T>(text, endpoint) };
        }
        if (spec.pass?.includes(status)) return { status };
        if (status === 429) {
          const until = closed ?? at + 1000;
          if (until - at > maxWaitMs || ++limitedWaits > 100) {
            throw new RateLimitedError(endpoint, resource, until);
          }
          // Waiting for the budget is not a failed attempt: the retry deadline starts again.
          started = until;
          attempt = 0;
          continue;
        }
      }
      const outcome = answer.outcome;
      const refused = outcome.kind === "network" && REFUSED.has(outcome.message);
      if (!refused) circuit.answered();
      else if (circuit.refused()) {
        throw networkError(
          endpoint,
          `${outcome.message} on every attempt for ${Math.round(circuit.windowMs / 1000)}s ` +
            "(is Langfuse running? check LANGFUSE_BASE_URL)",
          this.#secrets,
        );
      }
      const elapsed = this.#now() - started;
      const decision = decide(outcome, attempt, elapsed, this.options.retry, this.#random());
      if (decision.action === "retry") {
        // While refused, probe at least every second so the window is judged on time.
        await this.#pause(refused ? Math.min(decision.delayMs, 1000) : decision.delayMs);
        continue;
      }
      if (outcome.kind === "http") {
        throw apiError(outcome.status, endpoint, outcome.body, this.#secrets);
      }
      const reason = decision.action === "fail" ? decision.reason : "no answer";
      throw networkError(endpoint, reason, this.#secrets);
    }
  }

  /** Sleeps `ms`, or less when the client's signal aborts. */
  #pause(ms: number): Promise<void> {
    const signal = this.options.signal;
    if (!signal) return this.#sleep(ms);
    if (signal.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        signal.removeEventListener("abort", done);
        resolve();
      };
      signal.addEventListener("abort", done, { once: true });
      void this.#sleep(ms).then(done);
    });
  }

  async #attempt(
    method: Method,
    url: string,
    body: unknown,
  ): Promise<
    {
      response?: { status: number; text: string; whole: boolean; headers: Headers };
      outcome: AttemptOutcome;
    }
  > {
    const timeoutMs = this.options.timeoutMs ?? 30_000;
    const headers: Record<string, string> = {
      authorization: this.#auth,
      accept: "application/json",
    };
    if (body !== undefined) headers["content-type"] = "application/json";
    try {
      const response = await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: this.options.signal
          ? AbortSignal.any([AbortSignal.timeout(timeoutMs), this.options.signal])
          : AbortSignal.timeout(timeoutMs),
      });
      // An error answer is only shown in part.
      const limit = response.ok ? API_ANSWER_LIMIT : BODY_READ_LIMIT;
      const { bytes, whole } = await readAnswer(response, limit);
      const text = new TextDecoder().decode(bytes);
      return {
        response: { status: response.status, text, whole, headers: response.headers },
        outcome: {
          kind: "http",
          status: response.status,
          retryAfterMs: parseRetryAfter(response.headers.get("retry-after"), this.#now()),
          body: answerBody(text, "LANGFUSE_BASE_URL", this.#secrets).slice(0, 1000),
        },
      };
    } catch (error) {
      const outcome: AttemptOutcome = (error as Error).name === "TimeoutError"
        ? { kind: "timeout", afterMs: timeoutMs }
        : { kind: "network", message: describeNetworkError(error) };
      return { outcome };
    }
  }
}

/** Which Langfuse Cloud budget a request counts against (RateLimitService's resources). */
function budgetOf(method: Method, path: string): string {
  if (path === "/api/public/ingestion" || path.startsWith("/api/public/otel/")) return "ingestion";
  if (method === "DELETE" && path === "/api/public/traces") return "trace-delete";
  if (method === "DELETE" && path.startsWith("/api/public/scores/")) return "score-delete";
  // Prompts have their own budget, unlimited on every plan; queues and items share theirs.
  if (path === "/api/public/v2/prompts" || path.startsWith("/api/public/v2/prompts/")) {
    return "prompts";
  }
  if (path.startsWith("/api/public/annotation-queues")) return "annotation-queues";
  return "public-api";
}

/** The route of a path for messages: a session or trace id becomes "{sessionId}", "{traceId}". */
function endpointPath(path: string): string {
  if (path.startsWith(`${TRACES}/`)) return `${TRACES}/{traceId}`;
  return path.startsWith(`${SESSIONS}/`) ? `${SESSIONS}/{sessionId}` : path;
}

function queryString(query: Record<string, string | undefined> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== "") params.set(key, value);
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

function parseJson<T>(text: string, endpoint: string): T | undefined {
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw malformedAnswer(endpoint, "a body that is not JSON");
  }
}
