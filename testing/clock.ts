/** Test helpers: a fixed "now" and a clock that only moves when something sleeps on it. */
import type { Clock } from "../src/load/clock.ts";

/** 2026-11-25T12:00:00Z, the epoch ms tests run "now" at. */
export const NOW = Date.parse("2026-11-25T12:00:00Z");

/**
 * A clock that jumps when slept on, so polls and rate-limit waits take no real time. Its methods
 * may be passed on alone (`clock.now`, `clock.sleep`).
 */
export class FakeClock implements Clock {
  /** Every pause asked of {@link sleep}, in ms, in order. */
  readonly sleeps: number[] = [];
  #t: number;

  constructor(startMs: number = NOW) {
    this.#t = startMs;
  }

  /** The clock's time, epoch ms. */
  now = (): number => this.#t;

  /** Moves the clock on by `ms` (recorded in {@link sleeps}) and resolves at once. */
  sleep = (ms: number): Promise<void> => {
    this.sleeps.push(ms);
    this.#t += ms;
    return Promise.resolve();
  };

  /** Moves the clock to `epochMs` unless it is already past it, and resolves at once. */
  sleepUntil = (epochMs: number): Promise<void> => {
    this.#t = Math.max(this.#t, epochMs);
    return Promise.resolve();
  };
}
