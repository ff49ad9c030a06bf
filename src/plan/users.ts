/**
 * A pool of recurring pseudonymous users for load runs. Activity is Zipf-like: the user of rank
 * r (1-based) is picked with weight 1 / r^skew, so a few heavy users hold many sessions and a
 * long tail comes back rarely, as in real traffic.
 */
import { checkPseudonymousId, type IdFormat } from "../script/privacy.ts";
import { firstAbove, type Rng } from "./random.ts";

/** How the pool's ids look and how unevenly its users are active. */
export interface UserPoolOptions {
  /** The id format; default `{ prefix: "usr_", alphabet: "hex", length: 12 }`. */
  format?: IdFormat;
  /** The Zipf exponent: 0 is uniform, larger is more skewed; default 1.1. */
  skew?: number;
}

const DEFAULT_FORMAT: IdFormat = { prefix: "usr_", alphabet: "hex", length: 12 };
const DEFAULT_SKEW = 1.1;

/**
 * The most users a pool of `format` ids holds: half the ids its token can spell, so drawing
 * them unique stays quick. A `usr_{hex:6}` format holds 8,388,608.
 */
export function userPoolCapacity(format: IdFormat): number {
  return Math.floor((format.alphabet === "hex" ? 16 : 36) ** format.length / 2);
}

/** A fixed set of unique pseudonymous user ids with Zipf-like activity, picked in O(log n). */
export class UserPool {
  readonly #ids: string[];
  /** `#cumulative[i]` is the total weight of users 0..i. */
  readonly #cumulative: Float64Array;

  /** Draws `size` unique ids from `rng`; the first id drawn is the most active user. */
  constructor(size: number, rng: Rng, options: UserPoolOptions = {}) {
    const format = options.format ?? DEFAULT_FORMAT;
    const skew = options.skew ?? DEFAULT_SKEW;
    if (!Number.isInteger(size) || size < 1) {
      throw new RangeError(`Cannot make a user pool of ${size} users: use a whole number >= 1`);
    }
    if (!Number.isFinite(skew) || skew < 0) {
      throw new RangeError(`Cannot use skew ${skew}: use a finite number >= 0`);
    }
    const pattern = `${format.prefix}{${format.alphabet}:${format.length}}`;
    const problem = checkPseudonymousId(pattern);
    if (problem) throw new RangeError(`Cannot make user ids: "${pattern}" ${problem}`);
    if (size > userPoolCapacity(format)) {
      throw new RangeError(`Cannot draw ${size} unique ids from ${pattern}: use a longer token`);
    }

    const seen = new Set<string>();
    this.#ids = [];
    while (this.#ids.length < size) {
      const token = format.alphabet === "hex" ? rng.hex(format.length) : rng.alnum(format.length);
      const id = format.prefix + token;
      // A token of digits only reads like an account number and is refused; so are repeats.
      if (seen.has(id) || checkPseudonymousId(id) !== undefined) continue;
      seen.add(id);
      this.#ids.push(id);
    }

    this.#cumulative = new Float64Array(size);
    let total = 0;
    for (let i = 0; i < size; i++) {
      total += 1 / (i + 1) ** skew;
      this.#cumulative[i] = total;
    }
  }

  /** How many users the pool holds. */
  get size(): number {
    return this.#ids.length;
  }

  /** One user id, drawn from `rng` with the pool's skewed weights. */
  pick(rng: Rng): string {
    return this.#ids[this.pickIndex(rng)];
  }

  /** One user's rank (0 is the most active), drawn from `rng` with the pool's skewed weights. */
  pickIndex(rng: Rng): number {
    const cumulative = this.#cumulative;
    return firstAbove(cumulative, rng.next() * cumulative[cumulative.length - 1]);
  }

  /** The id of the user of rank `index`. */
  id(index: number): string {
    return this.#ids[index];
  }

  /** Every id, most active first. */
  ids(): string[] {
    return [...this.#ids];
  }
}

/** What the default pool size is worked out from. */
export interface PoolSizeOptions {
  /** The sessions of the run (live: expected). */
  sessions: number;
  /** Live: the most sessions that can be under way at once (arrival rate × longest session). */
  underWay?: number;
}

/**
 * The default user pool: a user for every 4 sessions (at least 1), and in a live run 1.5 times
 * the sessions that can be under way at once (but no more than the sessions), so every session
 * can have a user who is not in another one. With a Zipf skew of 0.8 and at most 12 sessions a
 * user a day, a 1,000-session day has about 240 users, a fifth of them back 5 times or more.
 */
export function defaultPoolSize(options: PoolSizeOptions): number {
  const underWay = Math.min(Math.ceil(options.sessions), (options.underWay ?? 0) * 1.5);
  return Math.max(1, Math.round(options.sessions / 4), Math.ceil(underWay));
}
