/**
 * The production guard's question to Langfuse: which project do these keys belong to? A host
 * name cannot tell a Langfuse Cloud staging project from a production one, its name can. The
 * answer feeds `productionReasons`; a failed question is an error, because an unanswered one
 * could hide production.
 */
import { LangfuseApiError } from "../langfuse/api_error.ts";
import type { LangfuseClient } from "../langfuse/client.ts";
import { CliError, EXIT } from "./exit_codes.ts";

/** Options for {@link langfuseProjectName}. */
export interface ProjectCheckOptions {
  /**
   * Exit code when Langfuse refuses the keys (401, 403); default {@link EXIT.deliveryFailed},
   * as when the spans themselves are refused. Other failures exit {@link EXIT.langfuseApi}.
   */
  keysRefusedExit?: number;
  /** The message's last sentence, what was not done; default "Nothing was sent.". */
  nothingDone?: string;
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
