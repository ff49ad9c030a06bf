/** `validate`: checks scripts without sending anything. */
import { parseArgs } from "node:util";
import { ScriptError } from "../script/errors.ts";
import { loadScriptFile } from "../script/load.ts";
import { CliError, EXIT } from "./exit_codes.ts";
import type { Io } from "./io.ts";

/** `validate --help`. */
export const VALIDATE_HELP = `Usage: session-replay validate <script.yaml>...

Checks conversation scripts against the script schema and the privacy rules, and reports
every problem as file:line:column. Sends nothing.

Exit codes: 0 all valid, 2 usage, 3 a script is invalid.`;

/** Runs `validate`; returns the exit code. */
export async function validateCommand(args: string[], io: Io): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: { help: { type: "boolean", short: "h" } },
    });
  } catch (error) {
    throw new CliError(`${(error as Error).message}. See validate --help.`, EXIT.usage);
  }
  if (parsed.values.help) {
    io.out(VALIDATE_HELP);
    return EXIT.ok;
  }
  if (parsed.positionals.length === 0) {
    throw new CliError("validate needs at least one script file", EXIT.usage);
  }
  let invalid = 0;
  for (const file of parsed.positionals) {
    try {
      const { script } = await loadScriptFile(file);
      io.out(`${file}: ok (${script.turns.length} turns)`);
    } catch (error) {
      if (!(error instanceof ScriptError)) throw error;
      invalid++;
      io.err(error.message);
    }
  }
  return invalid > 0 ? EXIT.invalidScript : EXIT.ok;
}
