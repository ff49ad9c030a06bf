/**
 * The production guard's question to Langfuse: which project do these keys belong to? A host
 * name cannot tell a Langfuse Cloud staging project from a production one, its name can. The
 * answer feeds `productionReasons`; a failed question is an error, because an unanswered one
 * could hide production.
 */
import type { Target } from "../export/target.ts";
import { LangfuseApiError } from "../langfuse/api_error.ts";
import { LangfuseClient } from "../langfuse/client.ts";
import type { Clock } from "../load/clock.ts";
import { CliError, EXIT } from "./exit_codes.ts";

/** Options for {@link langfuseProjectName}. */
export interface ProjectCheckOptions {
  /** Clock for retry waits; default the system clock. */
  clock?: Clock;
  /**
   * Exit code when Langfuse refuses the keys (401, 403); default {@link EXIT.deliveryFailed},
   * as when the spans themselves are refused. Other failures exit {@link EXIT.langfuseApi}.
   */
  keysRefusedExit?: number;
  /** The message's last sentence, what was not done; default "Nothing was sent.". */
  nothingDone?: string;
}

const OTLP_ROUTE = /\/api\/public\/otel\/v1\/traces$/;

/** A client for the project the Langfuse target sends to, with the keys from `env`. */
export function targetClient(
  target: Target,
  env: Record<string, string | undefined>,
  clock?: Clock,
): LangfuseClient {
  return new LangfuseClient({
    baseUrl: target.url!.replace(OTLP_ROUTE, ""),
    publicKey: env.LANGFUSE_PUBLIC_KEY ?? "",
    secretKey: env.LANGFUSE_SECRET_KEY ?? "",
    ...(clock ? { now: () => clock.now(), sleep: (ms) => clock.sleepUntil(clock.now() + ms) } : {}),
  });
}

/**
 * The name of the project `client`'s keys belong to (`GET /api/public/projects`). Throws a
 * CliError: refused keys exit `keysRefusedExit`, anything else (no answer, 5xx after retries,
 * a malformed answer) exits 6; the message names variables, never key values.
 */
export async function langfuseProjectName(
  client: LangfuseClient,
  options: ProjectCheckOptions = {},
): Promise<string> {
  try {
    return (await client.project()).name;
  } catch (error) {
    if (!(error instanceof LangfuseApiError)) throw error;
    const nothingDone = options.nothingDone ?? "Nothing was sent.";
    if (error.status === 401 || error.status === 403) {
      throw new CliError(
        `${error.message}. ${nothingDone}`,
        options.keysRefusedExit ?? EXIT.deliveryFailed,
      );
    }
    throw new CliError(
      `Could not ask Langfuse which project the keys belong to, so production cannot be ` +
        `ruled out: ${error.message}. ${nothingDone}`,
      EXIT.langfuseApi,
    );
  }
}
