/**
 * Flags declared once. A command's flags are one table of {@link Flag}s; from it come the
 * node:util parseArgs options ({@link parseFlags}, with args.ts's handling of `--at -2h`), the
 * typed values with their defaults (a bad value refused as `--flag must be WHAT, not "text"`)
 * and the lines of the help's Options section ({@link flagsHelp}). The usage line and the prose
 * of a help stay hand-written around those lines.
 *
 * @example
 * const FLAGS = {
 *   seed: seedFlag("reproducible ids"),
 *   quiet: switchFlag("print only problems"),
 *   help: HELP_FLAG,
 * };
 * const { values, flags, positionals } = parseFlags(args, FLAGS, "replay");
 * const help = `Usage: ...\n\nOptions:\n${flagsHelp(FLAGS)}`;
 */
import {
  type DialectChoice,
  DialectError,
  DIALECTS,
  isDialect,
  parseDialect,
} from "../plan/dialects.ts";
import { parseArgs } from "node:util";
import { parseRate } from "../plan/arrivals.ts";
import { joinDashValues } from "./args.ts";
import { CliError, EXIT } from "../run/exit_codes.ts";
import { durationFlag as readDuration, type DurationFlagOptions } from "../run/limits.ts";

/** How parseArgs reads a flag: a switch, a value, or a value that may repeat. */
export type FlagOption =
  | { readonly type: "boolean"; readonly short?: string }
  | { readonly type: "string"; readonly short?: string; readonly multiple?: false }
  | { readonly type: "string"; readonly multiple: true };

/** What parseArgs gives for one flag. */
type Raw = string | boolean | (string | boolean)[] | undefined;

/** One flag: how it is parsed, its typed value with the default applied, its help line. */
export interface Flag<V = unknown, O extends FlagOption = FlagOption> {
  /** The parseArgs option. */
  readonly option: O;
  /** The value's name in the help (`N`, `FILE`); absent for a switch. */
  readonly value?: string;
  /** What the flag does, one line (wrapped to the help's width); says its default and bounds. */
  readonly help: string;
  /** The typed value of what was given; throws a usage error naming `flag` for a bad one. */
  readonly read: (raw: Raw, flag: string) => V;
  /** The declared default as the help must say it (`2m`, `64`); absent without one. */
  readonly defaultText?: string;
}

/** A command's flags by long name. */
export type FlagTable = Readonly<Record<string, Flag<unknown>>>;

/** The parseArgs options of a table. */
export type OptionsOf<T extends FlagTable> = { -readonly [K in keyof T]: T[K]["option"] };

/** The typed values of a table, defaults applied. */
export type FlagValues<T extends FlagTable> = {
  -readonly [K in keyof T]: ReturnType<T[K]["read"]>;
};

/** The usage error for a bad value: `--flag must be WHAT, not "text"`. */
export function badValue(flag: string, what: string, text: string): CliError {
  return new CliError(`${flag} must be ${what}, not "${text}"`, EXIT.usage);
}

/** Common options of a flag that takes a value. */
export interface ValueOptions {
  /** A one-letter alias, `-o`; default none. */
  short?: string;
  /**
   * What a good value is, for the error message (`a port from 0 to 65535`); default the kind's
   * own wording.
   */
  what?: string;
}

/** A switch: false unless given. */
export function switchFlag(
  help: string,
  options: { short?: string } = {},
): Flag<boolean, { type: "boolean"; short?: string }> {
  return {
    option: options.short ? { type: "boolean", short: options.short } : { type: "boolean" },
    help,
    read: (raw) => raw === true,
  };
}

/** `-h, --help`. */
export const HELP_FLAG = switchFlag("show this help", { short: "h" });

/** `a, b or c`: choices as a sentence says them. */
export function orList(choices: readonly string[]): string {
  return choices.length < 2
    ? choices.join("")
    : `${choices.slice(0, -1).join(", ")} or ${choices[choices.length - 1]}`;
}

/** The one-value flag kinds share this: undefined or the default when absent, else `parse`. */
function valueFlag<V, D extends V | undefined>(
  value: string,
  help: string,
  options: ValueOptions & { default?: D },
  parse: (text: string, flag: string) => V,
  show: (value: V) => string = String,
): Flag<V | D, { type: "string"; short?: string }> {
  return {
    option: options.short ? { type: "string", short: options.short } : { type: "string" },
    value,
    help,
    read: (raw, flag) => raw === undefined ? options.default as D : parse(raw as string, flag),
    ...(options.default === undefined ? {} : { defaultText: show(options.default as V) }),
  };
}

const UNITS: [string, number][] = [["d", 86_400_000], ["h", 3_600_000], ["m", 60_000], [
  "s",
  1_000,
]];

/** `ms` in the largest unit that divides it: 1d, 2m, 10s, 250ms. */
export function durationText(ms: number): string {
  const [unit, size] = UNITS.find(([, size]) => ms >= size && ms % size === 0) ?? ["ms", 1];
  return `${ms / size}${unit}`;
}

/** A text value, unchecked unless `pattern` is given. */
export function textFlag<D extends string | undefined = undefined>(
  value: string,
  help: string,
  options: ValueOptions & { default?: D; pattern?: RegExp } = {},
): Flag<string | D, { type: "string"; short?: string }> {
  return valueFlag(value, help, options, (text, flag) => {
    if (options.pattern && !options.pattern.test(text)) {
      throw badValue(flag, options.what ?? `like ${options.pattern}`, text);
    }
    return text;
  });
}

/** A repeatable text value: every one given, in order; none is []. */
export function listFlag(value: string, help: string): Flag<string[], {
  type: "string";
  multiple: true;
}> {
  return {
    option: { type: "string", multiple: true },
    value,
    help,
    read: (raw) => (raw ?? []) as string[],
  };
}

/** Options of {@link intFlag}. */
export interface IntOptions<D> extends ValueOptions {
  /** The least value; default 1. */
  min?: number;
  /** The greatest value; default none. */
  max?: number;
  /** What a value above `max` is told to be (`at most 256`); default the same as any bad value. */
  overMax?: string;
  /** The value when the flag is absent; default undefined. */
  default?: D;
}

/** A whole number within bounds. */
export function intFlag<D extends number | undefined = undefined>(
  value: string,
  help: string,
  options: IntOptions<D> = {},
): Flag<number | D, { type: "string"; short?: string }> {
  const min = options.min ?? 1;
  const max = options.max ?? Number.MAX_SAFE_INTEGER;
  const what = options.what ??
    (options.max !== undefined
      ? `a whole number from ${min} to ${max}`
      : min === 0
      ? "a whole number"
      : `a whole number of at least ${min}`);
  return valueFlag(value, help, options, (text, flag) => {
    const n = Number(text);
    if (!/^\d+$/.test(text) || n < min) throw badValue(flag, what, text);
    if (n > max) throw badValue(flag, options.overMax ?? what, text);
    return n;
  });
}

/** The most a seed can be: seeds are unsigned 32-bit. */
export const MAX_SEED = 4_294_967_295;

/** `--seed N`: a whole number from 0 to {@link MAX_SEED}. */
export function seedFlag<D extends number | undefined = undefined>(
  help: string,
  options: { default?: D } = {},
): Flag<number | D, { type: "string"; short?: string }> {
  return intFlag("N", help, { min: 0, max: MAX_SEED, ...options });
}

/** Options of {@link numberFlag}. */
export interface NumberOptions<D> extends ValueOptions {
  /** The greatest value; default none. */
  max?: number;
  /** Examples for the message; default "2 or 0.5". */
  example?: string;
  /** The value when the flag is absent; default undefined. */
  default?: D;
}

/** A decimal number above 0 (`2`, `0.5`), at most `max`. */
export function numberFlag<D extends number | undefined = undefined>(
  value: string,
  help: string,
  options: NumberOptions<D> = {},
): Flag<number | D, { type: "string"; short?: string }> {
  const example = options.example ?? "2 or 0.5";
  const what = options.what ??
    (options.max === undefined
      ? `a number above 0, e.g. ${example}`
      : `a positive number like ${example}, at most ${options.max}`);
  return valueFlag(value, help, options, (text, flag) => {
    const n = Number(text);
    if (!/^\d+(\.\d+)?$/.test(text) || !(n > 0) || n > (options.max ?? Infinity)) {
      throw badValue(flag, what, text);
    }
    return n;
  });
}

/** Options of {@link durationFlag}: the bounds as limits.ts reads them. */
export interface DurationOptions<D> extends DurationFlagOptions, ValueOptions {
  /** The value in ms when the flag is absent; default undefined. */
  default?: D;
}

/** A duration (`30s`, `5m`, `14d`) in ms, within bounds; see limits.ts's `durationFlag`. */
export function durationFlag<D extends number | undefined = undefined>(
  value: string,
  help: string,
  options: DurationOptions<D>,
): Flag<number | D, { type: "string"; short?: string }> {
  return valueFlag(value, help, options, (text, flag) => {
    if (options.what === undefined) return readDuration(text, flag, options);
    try {
      return readDuration(text, flag, options);
    } catch {
      throw badValue(flag, options.what, text);
    }
  }, durationText);
}

/** An arrival rate (`20/s`, `300/m`, `5000/h`) in sessions per second. */
export function rateFlag(
  value: string,
  help: string,
): Flag<number | undefined, { type: "string"; short?: string }> {
  return valueFlag(value, help, {}, (text, flag) => {
    try {
      return parseRate(text);
    } catch {
      throw badValue(flag, "a rate like 20/s, 300/m or 5000/h", text);
    }
  });
}

/**
 * `--dialect`: one dialect, or with `mixed` (load) shares drawn per session,
 * `mixed=langfuse:50,vercel:30,openinference:20`.
 */
export function dialectFlag(
  help: string,
  options: { mixed: boolean },
): Flag<DialectChoice | undefined, { type: "string"; short?: string }> {
  return valueFlag("DIALECT", help, {}, (text, flag) => {
    const one = DIALECTS.join(", ");
    // Replay takes one dialect: it neither offers nor parses the mixed form it refuses.
    if (!options.mixed && !isDialect(text.trim())) {
      throw new CliError(
        /^\s*mixed\b/.test(text)
          ? `${flag} mixed is for load (a population of sessions); replay gives one dialect: ${one}`
          : `${flag}: ${JSON.stringify(text)} is not a dialect: use one of ${one}`,
        EXIT.usage,
      );
    }
    let choice: DialectChoice;
    try {
      choice = parseDialect(text);
    } catch (error) {
      if (error instanceof DialectError) {
        throw new CliError(`${flag}: ${error.message}`, EXIT.usage);
      }
      throw error;
    }
    return choice;
  });
}

/** One of `choices`. */
export function choiceFlag<C extends string, D extends C | undefined = undefined>(
  value: string,
  choices: readonly C[],
  help: string,
  options: ValueOptions & { default?: D } = {},
): Flag<C | D, { type: "string"; short?: string }> {
  return valueFlag(value, help, options, (text, flag) => {
    if (!(choices as readonly string[]).includes(text)) {
      throw badValue(flag, options.what ?? `one of ${choices.join(", ")}`, text);
    }
    return text as C;
  });
}

/** The parseArgs options of `table`. */
export function optionsOf<T extends FlagTable>(table: T): OptionsOf<T> {
  return Object.fromEntries(
    Object.entries(table).map(([name, flag]) => [name, flag.option]),
  ) as OptionsOf<T>;
}

/**
 * Parses a command's arguments by its table: `values` as parseArgs gives them (text as typed),
 * `flags` typed with defaults applied (not read when `--help` is given: the help answers
 * whatever else is on the line), and the positionals. An unknown flag, a value flag without
 * its value, a value flag given twice or a bad value is a usage error naming the flag; a value
 * may start with a dash and a digit in the space form (`--at -3d`, see args.ts).
 */
export function parseFlags<T extends FlagTable>(args: string[], table: T, command: string) {
  const options = optionsOf(table);
  const { values, positionals } = parseCommandArgs(args, options, command);
  const raw = values as Record<string, Raw>;
  // --help answers whatever else is on the line, so its values are not read.
  const flags = Object.fromEntries(
    Object.entries(table).map((
      [name, flag],
    ) => [name, raw.help === true ? undefined : flag.read(raw[name], `--${name}`)]),
  ) as FlagValues<T>;
  return { values, flags, positionals };
}

/**
 * Parses `args` by parseArgs `options`; an unknown or malformed flag is a usage error. Values may
 * start with a dash and a digit in the space form (`--at -3d`), see args.ts.
 */
export function parseCommandArgs<T extends { [name: string]: FlagOption }>(
  args: string[],
  options: T,
  command: string,
) {
  const joined = joinDashValues(args, options, command);
  let parsed;
  try {
    parsed = parseArgs({
      args: joined,
      allowPositionals: true,
      options,
      strict: true,
      tokens: true,
    });
  } catch (error) {
    throw new CliError(`${(error as Error).message}. See ${command} --help.`, EXIT.usage);
  }
  // parseArgs keeps the last of a repeated value: `--plant a --plant b` would drop `a` unsaid.
  const given = new Map<string, number>();
  for (const token of parsed.tokens ?? []) {
    if (token.kind !== "option") continue;
    const option: FlagOption | undefined = options[token.name];
    if (option?.type !== "string" || option.multiple) continue;
    given.set(token.name, (given.get(token.name) ?? 0) + 1);
    if (given.get(token.name) === 2) {
      throw new CliError(
        `--${token.name} is given more than once; give it once. See ${command} --help.`,
        EXIT.usage,
      );
    }
  }
  return { values: parsed.values, positionals: parsed.positionals };
}

/** Help lines are wrapped to this many columns. */
const HELP_WIDTH = 96;
/** A flag column wider than this puts the flag's help on the next line. */
const MAX_LABEL = 22;

/** `-h, --help` or `--seed N`. */
function labelOf(name: string, flag: Flag<unknown>): string {
  const short = "short" in flag.option && flag.option.short ? `-${flag.option.short}, ` : "";
  return `${short}--${name}${flag.value ? ` ${flag.value}` : ""}`;
}

/**
 * The Options lines of `names` (default every flag) of `table`, one flag a row, its help wrapped
 * and aligned in one column for the whole table, so sections of one help line up.
 */
export function flagsHelp<T extends FlagTable>(
  table: T,
  names: readonly (keyof T & string)[] = Object.keys(table) as (keyof T & string)[],
): string {
  const labels = Object.entries(table).map(([name, flag]) => labelOf(name, flag));
  const column = 2 + Math.min(MAX_LABEL, Math.max(...labels.map((label) => label.length))) + 2;
  return names.map((name) => {
    const label = `  ${labelOf(name, table[name])}`;
    const lines = wrap(table[name].help, HELP_WIDTH - column);
    const indent = " ".repeat(column);
    const first = label.length + 2 <= column
      ? [label.padEnd(column) + lines[0]]
      : [label, indent + lines[0]];
    return [...first, ...lines.slice(1).map((line) => indent + line)].join("\n");
  }).join("\n");
}

/** `text` in lines of at most `width` characters, broken at spaces. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  lines.push(line);
  return lines;
}
