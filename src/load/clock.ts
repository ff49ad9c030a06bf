/** Time for the load runner, passed in so the scheduler can be driven faster in tests. */
export interface Clock {
  /** Epoch ms. */
  now(): number;
  /** Resolves at `epochMs` (at once when it has passed). */
  sleepUntil(epochMs: number): Promise<void>;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleepUntil: (epochMs) => {
    const ms = epochMs - Date.now();
    return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
  },
};
