/**
 * Turns a set of scripts into a population of session plans: session number i of a load run
 * draws its script (by weight), a fresh session id in the script's format and a user from a
 * pool of recurring users, all from the run's seed, so the same seed gives the same sessions.
 * Users are given in the order of the sessions' times (see `UserSchedule`): a part of a run
 * still has every session of the run arrive, in order, and plans only its own.
 */
import { type IdFormat, parseIdFormat } from "../script/privacy.ts";
import type { ScriptInput } from "../script/schema.ts";
import { firstAbove, Rng } from "./random.ts";
import { planSession } from "./session.ts";
import { DEFAULT_DIALECT, type DialectChoice, dialectOf } from "./dialects.ts";
import { longestSessionMs } from "./session_bounds.ts";
import { UserSchedule } from "./user_schedule.ts";
import { linkSession, NO_LINKS, type ResourceLinks } from "./resources.ts";
import { compressTimeline } from "./timeline.ts";
import type { SessionPlan } from "./types.ts";
import { UserPool } from "./users.ts";

/** The share of leaf steps a load run makes slow outliers. */
export const DEFAULT_OUTLIER_RATE = 0.02;

/** A script in a load run, with its weight. */
export interface WeightedScript {
  file: string;
  script: ScriptInput;
  /** Relative frequency; default the script's own `weight`. */
  weight?: number;
}

/** How the population is drawn. */
export interface PopulationOptions {
  /** The run's seed. */
  seed: number;
  /** Size of the user pool. */
  users: number;
  /** Share of leaf steps that become slow outliers; default DEFAULT_OUTLIER_RATE (0.02). */
  outlierRate?: number;
  /** The run's id, sent on every trace (see PlanOptions.runId). */
  runId?: string;
  /** Zipf exponent of user activity; default 0.8 (the busiest of 150 users has about 8%). */
  skew?: number;
  /** The most sessions one user has in any 24 hours; default 12. */
  maxSessionsPerDay?: number;
  /** Resolved prompt versions and score configs the plans link to; default none. */
  resources?: ResourceLinks;
  /** The dialect of each session, one or drawn by share; default Langfuse's own. */
  dialect?: DialectChoice;
}

/**
 * When a session happens: it ends at `endMs`, or starts at `startMs`; `timeScale` (default 1)
 * compresses its whole timeline K times towards the start (see `compressTimeline`).
 */
export type SessionTime = { endMs: number } | { startMs: number; timeScale?: number };

/** The format a literal or generated id implies: conv_82d95… implies conv_ + 21 hex. */
export function inferIdFormat(id: string): IdFormat {
  const pattern = parseIdFormat(id);
  if (pattern) return pattern;
  const cut = id.lastIndexOf("_") + 1;
  const token = id.slice(cut);
  return {
    prefix: id.slice(0, cut),
    alphabet: /^[0-9a-f]+$/.test(token) ? "hex" : "alnum",
    length: token.length,
  };
}

/** Session i's script and user, decided when it arrives (see `SessionFactory.arrive`). */
export interface Arrival {
  /** The script's index in the factory's scripts. */
  script: number;
  /** The user's rank in the pool. */
  user: number;
}

/** Plans session number i of a population. */
export class SessionFactory {
  readonly #scripts: WeightedScript[];
  readonly #cumulative: number[];
  readonly #pool: UserPool;
  readonly #schedule: UserSchedule;
  /** Each script's longest session, ms. */
  readonly #longest: number[];
  readonly #seed: number;
  readonly #outlierRate: number;
  readonly #runId: string | undefined;
  readonly #links: ResourceLinks;
  readonly #dialect: DialectChoice | undefined;

  /** Draws the user pool from the seed; the first script's user id gives the id format. */
  constructor(scripts: WeightedScript[], options: PopulationOptions) {
    if (scripts.length === 0) throw new RangeError("a population needs at least one script");
    this.#scripts = scripts;
    let sum = 0;
    this.#cumulative = scripts.map((entry) => (sum += entry.weight ?? entry.script.weight));
    this.#seed = options.seed;
    this.#outlierRate = options.outlierRate ?? DEFAULT_OUTLIER_RATE;
    this.#runId = options.runId;
    this.#links = options.resources ?? NO_LINKS;
    this.#dialect = options.dialect;
    this.#pool = new UserPool(options.users, new Rng(options.seed, "users"), {
      format: inferIdFormat(scripts[0].script.user.id),
      skew: options.skew ?? 0.8,
    });
    this.#schedule = new UserSchedule(this.#pool, {
      seed: options.seed,
      scriptWeights: scripts.map((entry) => entry.weight ?? entry.script.weight),
      maxPerDay: options.maxSessionsPerDay,
    });
    this.#longest = scripts.map(({ script }) =>
      longestSessionMs(script, { outlierRate: this.#outlierRate })
    );
  }

  /** The user ids of the pool. */
  userIds(): string[] {
    return this.#pool.ids();
  }

  /**
   * Session `index` arrives at `time`: its script is drawn and a user given to it. Every
   * session of the run must arrive, in index order (their times ascending), before or when it
   * is planned, in every part of the run, so each part gives its sessions the same users.
   */
  arrive(index: number, time: SessionTime): Arrival {
    const script = this.#drawScript(new Rng(this.#seed, `session:${index}`));
    const scale = "startMs" in time ? time.timeScale ?? 1 : 1;
    const longest = this.#longest[script] / scale;
    const backfill = "endMs" in time;
    const user = this.#schedule.assign({
      atMs: backfill ? time.endMs : time.startMs,
      beforeMs: backfill ? longest : 0,
      afterMs: backfill ? 0 : longest,
      script,
    }, new Rng(this.#seed, `user:${index}`));
    return { script, user };
  }

  /**
   * Plans session number `index` at `time`, with the script and user of its arrival (default:
   * it arrives now, which is right when every session is planned in index order).
   */
  plan(index: number, time: SessionTime, arrival: Arrival = this.arrive(index, time)): SessionPlan {
    const rng = new Rng(this.#seed, `session:${index}`);
    this.#drawScript(rng);
    const entry = this.#scripts[arrival.script];
    const format = inferIdFormat(entry.script.session.id);
    const sessionId = format.prefix +
      (format.alphabet === "hex" ? rng.hex(format.length) : rng.alnum(format.length));
    const plan = planSession(entry.script, {
      seed: rng.uint32(),
      label: `${entry.script.name}:${index}`,
      file: entry.file,
      endMs: "endMs" in time ? time.endMs : 0,
      ...("startMs" in time ? { startMs: time.startMs } : {}),
      branching: true,
      outlierRate: this.#outlierRate,
      sessionId,
      userId: this.#pool.id(arrival.user),
      runId: this.#runId,
    });
    const dialect = this.#dialect && dialectOf(this.#dialect, this.#seed, index);
    // A session drawn from a mix keeps Langfuse's own dialect too, so its record names it; one
    // `--dialect langfuse` stays the plan without the flag.
    const plain = dialect === undefined ||
      (dialect === DEFAULT_DIALECT && this.#dialect?.kind !== "mixed");
    const linked = linkSession(
      plain ? plan : { ...plan, dialect },
      this.#links,
    );
    return "startMs" in time && time.timeScale !== undefined
      ? compressTimeline(linked, time.startMs, time.timeScale)
      : linked;
  }

  /**
   * The sessions of a backfill whose sessions end at `ends` (ascending), planned in order:
   * [index, plan] of each session `holds` keeps (default all); every session arrives.
   */
  *backfill(
    ends: readonly number[],
    holds: (index: number) => boolean = () => true,
  ): Generator<[number, SessionPlan], void> {
    for (const [index, endMs] of ends.entries()) {
      const arrival = this.arrive(index, { endMs });
      if (holds(index)) yield [index, this.plan(index, { endMs }, arrival)];
    }
  }

  /** The index of the script a session's stream draws first. */
  #drawScript(rng: Rng): number {
    return firstAbove(this.#cumulative, rng.next() * this.#cumulative.at(-1)!);
  }
}
