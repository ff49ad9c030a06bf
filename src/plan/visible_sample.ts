/**
 * The time-to-visible probe's policy, pure: which acknowledged traces it chooses (each k-th,
 * by trace id and seed, so a re-run with the seed chooses the same ones), when it reads a
 * trace again (soon while it is young, then every tenth of its age: a tenth is the precision
 * kept), and whether the read budget has room for one more trace.
 *
 * @example
 * ```ts
 * if (chosenForProbe(traceId, { seed: 7, every: 1 })) watch(traceId);
 * nextReadDelayMs(30_000, { pollMs: 250 }); // 3000: a 30 s old trace is read every 3 s
 * ```
 */
import { hash32 } from "./random.ts";

/** Which traces are chosen: each `every`-th, by id and seed. */
export interface VisibleSampleOptions {
  seed: number;
  /** 1 chooses every trace. */
  every: number;
}

/** Whether the probe chooses `traceId`: about one in `every`, the same ones for a seed. */
export function chosenForProbe(traceId: string, options: VisibleSampleOptions): boolean {
  if (options.every <= 1) return true;
  return hash32(`${options.seed}:visible:${traceId}`) % options.every === 0;
}

/** How the probe spaces the reads of one trace. */
export interface ReadSpacing {
  /** The least time between two reads of one trace, ms. */
  pollMs: number;
}

/** The share of its age a trace waits between reads: time to visible is within about 10%. */
export const READ_AGE_SHARE = 0.1;

/** How long after a read at `ageMs` (since its acknowledgment) a trace is read again, ms. */
export function nextReadDelayMs(ageMs: number, spacing: ReadSpacing): number {
  return Math.max(spacing.pollMs, ageMs * READ_AGE_SHARE);
}

/**
 * Whether one more trace fits in `readsPerSecond`: the traces watched, each read every
 * `nextReadDelayMs` of its age, plus a new one read every `pollMs`, stay within the budget.
 * At least one trace is always watched.
 */
export function roomForOneMore(
  agesMs: Iterable<number>,
  options: ReadSpacing & { readsPerSecond: number },
): boolean {
  let perSecond = 1000 / options.pollMs;
  let watched = 0;
  for (const age of agesMs) {
    watched++;
    perSecond += 1000 / nextReadDelayMs(age, options);
  }
  return watched === 0 || perSecond <= options.readsPerSecond;
}
