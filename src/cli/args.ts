/**
 * Dash-leading option values. node:util's parseArgs in strict mode refuses `--at -3d` as
 * "ambiguous", though the README and the help texts write it so. A value that starts with a
 * dash and a digit (an offset like -3d or -2h, a negative number) cannot be a flag, since no
 * flag is named by a digit, so it is joined to its option as `--at=-3d`; a string option followed
 * by a flag or by nothing is missing its value, and says so.
 */
import type { ParseArgsConfig } from "node:util";
import { CliError, EXIT } from "../run/exit_codes.ts";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** A value that starts with a dash yet cannot be a flag: -3d, -2h, -1, -0.5. */
const DASH_VALUE = /^-\d/;

/**
 * `args` with every dash-leading value joined to its string option (`--at -3d` becomes
 * `--at=-3d`); throws a usage error naming the option when a string option has no value.
 */
export function joinDashValues(args: string[], options: Options, command: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") {
      out.push(...args.slice(i));
      break;
    }
    const name = optionName(arg, options);
    if (name === undefined || options[name].type !== "string") {
      out.push(arg);
      continue;
    }
    const value = args[i + 1];
    if (value === undefined) {
      throw new CliError(`${arg} needs a value. See ${command} --help.`, EXIT.usage);
    }
    if (value.startsWith("-") && value !== "-" && !DASH_VALUE.test(value)) {
      throw new CliError(
        `${arg} needs a value, not the flag ${value} (a value that starts with a dash is ` +
          `written ${arg}=-value). See ${command} --help.`,
        EXIT.usage,
      );
    }
    if (DASH_VALUE.test(value)) out.push(`--${name}=${value}`);
    else out.push(arg, value);
    i++;
  }
  return out;
}

/** The long name `arg` gives without a value (`--at`, or `-x` for a short form), if any. */
function optionName(arg: string, options: Options): string | undefined {
  if (arg.startsWith("--") && !arg.includes("=")) {
    const name = arg.slice(2);
    return Object.hasOwn(options, name) ? name : undefined;
  }
  if (/^-[A-Za-z]$/.test(arg)) {
    return Object.entries(options).find(([, option]) => option.short === arg[1])?.[0];
  }
  return undefined;
}
