/**
 * Backfill placement: when N past sessions ended, spread over a window with a daily rhythm, so
 * a dashboard filled in one go looks like days of real traffic. Hours are UTC.
 */
import { firstAbove, type Rng } from "./random.ts";

const HOUR_MS = 3_600_000;

/**
 * Relative activity for each UTC hour 00..23: quiet nights (00-05 lowest), a morning climb,
 * busy afternoons peaking 13-17, a slow evening fall. Only the ratios matter.
 */
// deno-fmt-ignore
export const DEFAULT_RHYTHM: readonly number[] = Object.freeze([
   4,  3,  2,  2,  2,  3, // 00-05 night
   6, 10, 16, 20, 22, 24, // 06-11 morning climb
  24, 28, 30, 30, 30, 28, // 12-17 lunch, then the 13-17 afternoon peak
  22, 18, 14, 10,  8,  6, // 18-23 evening fall
]);

/** Where and how backfilled sessions are placed. */
export interface BackfillOptions {
  /** The latest time a session may end, epoch ms (usually now). */
  endMs: number;
  /** How far back sessions spread, ms; the window is [endMs - spreadMs, endMs]. Must be > 0. */
  spreadMs: number;
  /** The seeded stream the times are drawn from. */
  rng: Rng;
  /** 24 relative weights, one per UTC hour 00..23; default `DEFAULT_RHYTHM`. */
  rhythm?: readonly number[];
}

interface Slice {
  startMs: number;
  endMs: number;
}

/** `count` session end times, epoch ms, ascending, inside the window and following the rhythm. */
export function backfillTimes(count: number, options: BackfillOptions): number[] {
  const rhythm = options.rhythm ?? DEFAULT_RHYTHM;
  const { endMs, spreadMs, rng } = options;
  checkOptions(count, endMs, spreadMs, rhythm);

  // The window cut at UTC hour boundaries; each slice weighs its hour's weight times its length.
  const startMs = endMs - spreadMs;
  const slices: Slice[] = [];
  const cumulative: number[] = [];
  let total = 0;
  for (let from = startMs; from < endMs;) {
    const to = Math.min(endMs, (Math.floor(from / HOUR_MS) + 1) * HOUR_MS);
    const weight = rhythm[hourOf(from)] * (to - from);
    if (weight > 0) {
      total += weight;
      slices.push({ startMs: from, endMs: to });
      cumulative.push(total);
    }
    from = to;
  }
  if (total === 0) {
    throw new RangeError(
      "Cannot place backfilled sessions: the rhythm gives every hour in the window weight 0",
    );
  }

  const times = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    const slice = slices[firstAbove(cumulative, rng.next() * total)];
    const at = Math.floor(slice.startMs + rng.next() * (slice.endMs - slice.startMs));
    times[i] = Math.min(endMs, Math.max(startMs, at));
  }
  return times.sort((a, b) => a - b);
}

/** The UTC hour 0..23 of an epoch-ms time, negative times included. */
function hourOf(ms: number): number {
  return ((Math.floor(ms / HOUR_MS) % 24) + 24) % 24;
}

function checkOptions(
  count: number,
  endMs: number,
  spreadMs: number,
  rhythm: readonly number[],
): void {
  if (!Number.isInteger(count) || count < 0) {
    throw new RangeError(`Cannot place ${count} sessions: use a whole number >= 0`);
  }
  if (!Number.isFinite(endMs)) throw new RangeError(`Cannot end a backfill at ${endMs}`);
  if (!Number.isFinite(spreadMs) || spreadMs <= 0) {
    throw new RangeError(`Cannot spread sessions over ${spreadMs}ms: use a duration > 0`);
  }
  if (rhythm.length !== 24 || rhythm.some((w) => !Number.isFinite(w) || w < 0)) {
    throw new RangeError(
      `Cannot use the rhythm [${rhythm.join(", ")}]: give 24 hourly weights, each >= 0`,
    );
  }
}
