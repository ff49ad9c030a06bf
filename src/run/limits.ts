/**
 * The bounds of the time flags, each refused with a usage error naming the flag. The reasons:
 * - `--at` not before 2000-01-01: no LLM agent traced anything earlier, and it keeps every
 *   session (and a backfill window of up to 5 years) after 1970, below which OTLP's unsigned
 *   nanosecond timestamps cannot go; not more than a day ahead of now: a little ahead allows
 *   for clock skew and time zones, more would put traces in Langfuse's future.
 * - `--spread` at most 5 years: longer than Langfuse Cloud keeps data on any plan (3 years on
 *   Pro); a longer window is a typo. At least a minute: sessions last minutes, and a shorter
 *   window would end them all at the same moment.
 * - An ISO `--at` must name a real date and time: 2026-02-30 is refused, not rolled over to
 *   March 2 as `Date.parse` would.
 * - `--duration` and `--ramp` at most a week: see {@link MAX_LIVE_DURATION_MS}.
 * - `--timeout` at most a day: Langfuse ingests in seconds to minutes.
 */
import { MONTHS } from "../plan/calendar.ts";
import { MAX_LIVE_DURATION_MS, parseDuration } from "../script/duration.ts";
import { CliError, EXIT } from "./exit_codes.ts";

const DAY_MS = 86_400_000;

/** The earliest `--at`: 2000-01-01T00:00:00Z. */
export const EARLIEST_AT_MS = Date.UTC(2000, 0, 1);
/** How far ahead of now `--at` may be: a day. */
export const MAX_AT_AHEAD_MS = DAY_MS;
/** The longest `--spread`: 5 years of 365.25 days (1826d). */
export const MAX_SPREAD_MS = 1826 * DAY_MS;
/** The shortest `--spread`: a minute. */
export const MIN_SPREAD_MS = 60_000;
/** The longest `--timeout`: a day. */
export const MAX_TIMEOUT_MS = DAY_MS;
/** The longest `--duration` and `--ramp`. */
export { MAX_LIVE_DURATION_MS };

/** Options for {@link durationFlag}. */
export interface DurationFlagOptions {
  /** The longest allowed, in ms; required. */
  maxMs: number;
  /** How the longest reads in the message, e.g. "7d"; default the ms. */
  maxText?: string;
  /** The shortest allowed, in ms; default any positive duration. */
  minMs?: number;
  /** How the shortest reads in the message, e.g. "1m"; default the ms. */
  minText?: string;
  /** Whether 0 is allowed; default false. */
  allowZero?: boolean;
  /** An example for the message; default "10m or 14d". */
  example?: string;
}

/** A duration flag's value in ms, or a usage error naming the flag and the bound. */
export function durationFlag(text: string, flag: string, options: DurationFlagOptions): number {
  const ms = parseDuration(text);
  if (ms === undefined || (ms === 0 && !options.allowZero)) {
    throw new CliError(
      `${flag} must be a ${options.allowZero ? "" : "positive "}duration like ${
        options.example ?? "10m or 14d"
      }, not "${text}"`,
      EXIT.usage,
    );
  }
  if (options.minMs !== undefined && ms < options.minMs) {
    throw new CliError(
      `${flag} must be at least ${options.minText ?? `${options.minMs}ms`}, not "${text}"`,
      EXIT.usage,
    );
  }
  if (ms > options.maxMs) {
    throw new CliError(
      `${flag} must be at most ${options.maxText ?? `${options.maxMs}ms`}, not "${text}"`,
      EXIT.usage,
    );
  }
  return ms;
}

/**
 * Why an ISO date-time names no real moment (month 13, February 30, hour 25), or undefined;
 * only the fields written are checked.
 */
export function calendarProblem(text: string): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour = 0, minute = 0, second = 0] = match.slice(1).map((part) =>
    part === undefined ? undefined : Number(part)
  ) as number[];
  if (month < 1 || month > 12) return `there is no month ${month}`;
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day < 1 || day > days) {
    return `${MONTHS[month - 1]} ${year} has ${days} days, so there is no day ${day}`;
  }
  if (hour > 23 || minute > 59 || second > 59) {
    return `${match[4]}:${match[5]}${
      match[6] === undefined ? "" : `:${match[6]}`
    } is no time of day`;
  }
  return undefined;
}

/** Refuses an `--at` time outside the bounds above; `nowMs` is the current time. */
export function checkAt(atMs: number, nowMs: number, text: string): number {
  if (atMs < EARLIEST_AT_MS) {
    throw new CliError(
      `--at must not be before 2000-01-01T00:00:00Z, not "${text}" (${
        new Date(atMs).toISOString()
      })`,
      EXIT.usage,
    );
  }
  if (atMs > nowMs + MAX_AT_AHEAD_MS) {
    throw new CliError(
      `--at must not be more than a day ahead of now, not "${text}"`,
      EXIT.usage,
    );
  }
  return atMs;
}
