/** `validate`: checks scripts without sending anything. */
import { ScriptError } from "../script/errors.ts";
import { loadScriptFile } from "../script/load.ts";
import { CliError, EXIT } from "./exit_codes.ts";
import type { Io } from "./io.ts";
import { parseCommandArgs } from "./options.ts";
import { count } from "../report/count.ts";

/** `validate --help`. */
export const VALIDATE_HELP = `Usage: session-replay validate <script.yaml>...

Checks conversation scripts against the script schema and the privacy rules, and reports
every problem as file:line:column. Sends nothing.

Exit codes: 0 all valid, 1 internal error (a bug), 2 usage, 3 a script is invalid,
130 interrupted (Ctrl-C).`;

/** Runs `validate`; returns the exit code. */
export async function validateCommand(args: string[], io: Io): Promise<number> {
  const parsed = parseCommandArgs(args, { help: { type: "boolean", short: "h" } }, "validate");
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
      io.out(`${file}: ok (${count(script.turns.length, "turn")})`);
    } catch (error) {
      if (!(error instanceof ScriptError)) throw error;
      invalid++;
      io.err(error.message);
    }
  }
  return invalid > 0 ? EXIT.invalidScript : EXIT.ok;
}
