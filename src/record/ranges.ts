/**
 * Observed values as the ranges a recorded script gives them: a replay varies ±spread around
 * what was recorded. Pure.
 */
const MAX_MS = 86_400_000;

/** A value rounded to 6 significant digits, so float noise stays out of prices. */
export function significant(value: number): number {
  return Number(value.toPrecision(6));
}

/** A duration range ±spread around `ms` ("380ms..570ms", "1.2s..1.8s"), within 1d. */
export function msRange(ms: number, spread: number): string {
  const value = Math.max(0, Math.round(ms));
  const lo = Math.min(MAX_MS, Math.floor(value * (1 - spread)));
  const hi = Math.min(MAX_MS, Math.ceil(value * (1 + spread)));
  return lo === hi ? formatMs(lo) : `${formatMs(lo)}..${formatMs(hi)}`;
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${ms / 1000}s`;
}

/** A whole-number range ±spread around `value` ("142..214"), or the value when it is 0. */
export function intRange(value: number, spread: number): number | string {
  const n = Math.max(0, Math.round(value));
  const lo = Math.floor(n * (1 - spread));
  const hi = Math.ceil(n * (1 + spread));
  return lo === hi ? n : `${lo}..${hi}`;
}
