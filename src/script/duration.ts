/** A closed range of milliseconds; a fixed duration has min === max. */
export interface MsRange {
  min: number;
  max: number;
}

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

const DAY_MS = 86_400_000;

/**
 * Longest duration a script may give one step, gap, time to first token or think time: a day.
 * Real agents answer within minutes; a longer value is a typo (99999d) that would put sessions
 * years into the past and make backfill windows meaningless.
 */
export const MAX_SCRIPT_DURATION_MS = DAY_MS;

/**
 * Longest a live load run, its ramp, or one phase of a load profile may last: a week, enough
 * for a soak test; more is a typo that would keep the tool running for months.
 */
export const MAX_LIVE_DURATION_MS = 7 * DAY_MS;

const ONE = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/** Parses "250ms", "1.5s", "2m", "14d"; undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const match = ONE.exec(text.trim());
  if (!match) return undefined;
  return Math.round(Number(match[1]) * UNIT_MS[match[2]]);
}

/** Parses a duration or a range "200ms..1.5s"; undefined when malformed or min > max. */
export function parseDurationRange(text: string): MsRange | undefined {
  const parts = text.split("..");
  if (parts.length > 2) return undefined;
  const min = parseDuration(parts[0]);
  const max = parts.length === 2 ? parseDuration(parts[1]) : min;
  if (min === undefined || max === undefined || min > max) return undefined;
  return { min, max };
}

/** Formats milliseconds as a script writes a duration: 250ms, 1.5s, 3s, 2m. */
export function formatDuration(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms >= 1_000) return `${ms / 1_000}s`;
  return `${ms}ms`;
}

/** Formats milliseconds the way a person reads a latency: 850ms, 1.24s, 3m 05s. */
export function formatMs(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(2)}s`;
  const totalSeconds = Math.round(ms / 1_000);
  const minutes = Math.floor(totalSeconds / 60);
  const seconds = totalSeconds % 60;
  return `${minutes}m ${String(seconds).padStart(2, "0")}s`;
}

const MENTION_UNIT_MS: [RegExp, number][] = [
  [/^(ms|milliseconds?)$/i, 1],
  [/^(s|secs?|seconds?)$/i, 1_000],
  [/^(m|mins?|minutes?)$/i, 60_000],
];
const NUMBER_UNIT = String
  .raw`(\d+(?:\.\d+)?)\s*(ms|milliseconds?|s|secs?|seconds?|m|mins?|minutes?)(?![a-z])`;
const TIMEOUT_MENTIONS = [
  new RegExp(String.raw`\b(?:timeout|timed out|times out)\s+(?:after|of)\s+${NUMBER_UNIT}`, "i"),
  new RegExp(String.raw`\b${NUMBER_UNIT}\s+timeout\b`, "i"),
];

/**
 * The timeout a message names ("timeout after 5s", "timed out after 30 seconds", "a 3s
 * timeout"): its words and milliseconds; undefined when it names none.
 */
export function mentionedTimeout(text: string): { words: string; ms: number } | undefined {
  for (const pattern of TIMEOUT_MENTIONS) {
    const match = pattern.exec(text);
    if (!match) continue;
    const unit = MENTION_UNIT_MS.find(([names]) => names.test(match[2]))!;
    return { words: match[0], ms: Math.round(Number(match[1]) * unit[1]) };
  }
  return undefined;
}
