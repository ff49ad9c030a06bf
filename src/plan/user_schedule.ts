/**
 * Who has which session of a load run. Sessions are given users in the order of their times,
 * so a returning user's next session starts after their previous one has ended, nobody has
 * more than a dozen sessions in a day, and users mostly come back to the same kind of
 * conversation (each user has a favourite script). Every part of a run (worker, shard)
 * assigns every session of the run in the same order from the same streams, so each part
 * gives its own sessions the users the whole run would. Pure.
 */
import { firstAbove, Rng } from "./random.ts";
import type { UserPool } from "./users.ts";

const DAY_MS = 86_400_000;
/** Skewed draws before the schedule looks for any user who fits. */
const TRIES = 16;
/**
 * Skewed draws for a session that goes to a user whose favourite script it is: with nine
 * equal scripts one draw in nine is such a user, and 64 draws find one 99.9% of the time.
 */
const FAN_TRIES = 64;
/** Users looked at, from a random one on, when no skewed draw fits. */
const PROBE = 256;

/** How users are given sessions. */
export interface UserScheduleOptions {
  /** The run's seed: each user's favourite script is drawn from it and the user id. */
  seed: number;
  /** The weights of the run's scripts, in order; a favourite is drawn by them. */
  scriptWeights: readonly number[];
  /** The most sessions one user has in any 24 hours; default 12. */
  maxPerDay?: number;
  /** Share of sessions given to a user whose favourite script it is; default 0.85. */
  affinity?: number;
}

/** One session to give a user. */
export interface Slot {
  /** Where the session is placed: its end (backfill) or start (live); never earlier than the last slot's. */
  atMs: number;
  /** How long before `atMs` the session may start (backfill: its longest duration). */
  beforeMs: number;
  /** How long after `atMs` the session may end (live: its longest duration). */
  afterMs: number;
  /** The index of the session's script among `scriptWeights`. */
  script: number;
}

/** Gives a run's sessions, in order, users who are free, under the daily cap and fond of the script. */
export class UserSchedule {
  readonly #pool: UserPool;
  readonly #seed: number;
  readonly #cumulative: number[];
  readonly #maxPerDay: number;
  readonly #affinity: number;
  /** When each user's latest session may have ended, epoch ms. */
  readonly #freeAt: Float64Array;
  /** Each user's favourite script, drawn when first needed (-1 until then). */
  readonly #favourites: Int32Array;
  /** The times of each active user's latest sessions, at most `maxPerDay`, oldest first. */
  readonly #recent = new Map<number, number[]>();

  /** A schedule over `pool`'s users; nobody has a session yet. */
  constructor(pool: UserPool, options: UserScheduleOptions) {
    this.#pool = pool;
    this.#seed = options.seed;
    let sum = 0;
    this.#cumulative = options.scriptWeights.map((weight) => (sum += weight));
    this.#maxPerDay = options.maxPerDay ?? 12;
    this.#affinity = options.affinity ?? 0.85;
    this.#freeAt = new Float64Array(pool.size).fill(-Infinity);
    this.#favourites = new Int32Array(pool.size).fill(-1);
  }

  /**
   * The user (rank in the pool) of the next session: the first skewed draw who is free, under
   * the daily cap and, for `affinity` of the sessions, fond of the script (up to 64 draws, else
   * 16); else the first user from a random one on who is free and under the cap; else (the pool
   * is too small for the sessions at once) the one free soonest among those. Deciding once per
   * session, not per draw, keeps the share on favourites the same however many scripts run.
   */
  assign(slot: Slot, rng: Rng): number {
    const fits = (user: number) =>
      slot.atMs - slot.beforeMs >= this.#freeAt[user] && this.#underCap(user, slot);
    const fan = rng.next() < this.#affinity;
    for (let t = 0; t < (fan ? FAN_TRIES : TRIES); t++) {
      const user = this.#pool.pickIndex(rng);
      if (!fits(user)) continue;
      if (fan && this.#favourite(user) !== slot.script) continue;
      return this.#take(user, slot);
    }
    const size = this.#pool.size;
    const start = Math.floor(rng.next() * size);
    let soonest = start;
    for (let k = 0; k < Math.min(size, PROBE); k++) {
      const user = (start + k) % size;
      if (fits(user)) return this.#take(user, slot);
      if (this.#freeAt[user] < this.#freeAt[soonest]) soonest = user;
    }
    return this.#take(soonest, slot);
  }

  /** The favourite script of the user of rank `user`, drawn from the seed and the user id. */
  favourite(user: number): number {
    return this.#favourite(user);
  }

  #favourite(user: number): number {
    let favourite = this.#favourites[user];
    if (favourite < 0) {
      const rng = new Rng(this.#seed, `affinity:${this.#pool.id(user)}`);
      favourite = firstAbove(this.#cumulative, rng.next() * this.#cumulative.at(-1)!);
      this.#favourites[user] = favourite;
    }
    return favourite;
  }

  /** Fewer than maxPerDay of the user's sessions in the day (and a session's span) before this one. */
  #underCap(user: number, slot: Slot): boolean {
    const recent = this.#recent.get(user);
    if (!recent || recent.length < this.#maxPerDay) return true;
    return slot.atMs - recent[0] >= DAY_MS + slot.beforeMs + slot.afterMs;
  }

  #take(user: number, slot: Slot): number {
    this.#freeAt[user] = Math.max(this.#freeAt[user], slot.atMs + slot.afterMs);
    let recent = this.#recent.get(user);
    if (!recent) this.#recent.set(user, recent = []);
    recent.push(slot.atMs);
    if (recent.length > this.#maxPerDay) recent.shift();
    return user;
  }
}
