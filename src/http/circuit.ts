/**
 * A circuit breaker shared by all batches of one sender: when every attempt has been refused
 * (connection refused, host not found) for a whole window and nothing got an answer meanwhile,
 * the endpoint is declared dead instead of each batch retrying to its own deadline. Any answer
 * from the server closes the window again, so a server restarting within the window is retried.
 */

/** Breaker settings. */
export interface CircuitOptions {
  /** How long refusals must last, with no answer in between, to declare the endpoint dead; default 5000 ms. */
  windowMs?: number;
  /** Milliseconds now; default `performance.now`. */
  now?: () => number;
}

/** Tracks refusals across batches; `dead` once they have lasted the whole window. */
export class RefusalCircuit {
  readonly #windowMs: number;
  readonly #now: () => number;
  #firstRefusalMs: number | undefined;
  #dead = false;

  /** A breaker with `options.windowMs` (default 5 s) on `options.now`'s clock. */
  constructor(options: CircuitOptions = {}) {
    this.#windowMs = options.windowMs ?? 5_000;
    this.#now = options.now ?? (() => performance.now());
  }

  /** The window in ms, for reasons. */
  get windowMs(): number {
    return this.#windowMs;
  }

  /** Whether the endpoint has been declared dead (for good: it never closes again). */
  get dead(): boolean {
    return this.#dead;
  }

  /** Records a refused attempt; returns whether the endpoint is now dead. */
  refused(): boolean {
    const now = this.#now();
    this.#firstRefusalMs ??= now;
    if (now - this.#firstRefusalMs >= this.#windowMs) this.#dead = true;
    return this.#dead;
  }

  /** Records an attempt the server answered (any status) or that timed out: it is alive. */
  answered(): void {
    this.#firstRefusalMs = undefined;
  }
}
