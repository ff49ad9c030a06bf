/**
 * Spaces requests evenly at a rate, as a schedule: `reserve` says how long to wait and the
 * caller waits. Pure: the time is passed in, nothing sleeps here.
 */

/** Hands out request slots at most `perSecond` a second; 0 or less means unlimited. */
export class RateLimiter {
  #nextMs = -Infinity;

  /** `perSecond` may be fractional, e.g. 0.5 for one request every two seconds. */
  constructor(readonly perSecond: number) {}

  /** Reserves the next free slot at or after `nowMs`; returns the wait until it, in ms. */
  reserve(nowMs: number): number {
    if (!(this.perSecond > 0) || !Number.isFinite(this.perSecond)) return 0;
    const at = Math.max(nowMs, this.#nextMs);
    this.#nextMs = at + 1000 / this.perSecond;
    return at - nowMs;
  }
}
