/**
 * Turns a set of scripts into a population of session plans: session number i of a load run
 * draws its script (by weight), a fresh session id in the script's format and a user from a
 * pool of recurring users, all from the run's seed, so the same seed gives the same sessions.
 */
import { type IdFormat, parseIdFormat } from "../script/privacy.ts";
import type { ScriptInput } from "../script/schema.ts";
import { firstAbove, Rng } from "./random.ts";
import { planSession } from "./session.ts";
import { type FixtureLinks, linkSession, NO_LINKS } from "./fixtures.ts";
import { compressTimeline } from "./timeline.ts";
import type { SessionPlan } from "./types.ts";
import { UserPool } from "./users.ts";

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
  /** Share of leaf steps that become slow outliers; default 0.02. */
  outlierRate?: number;
  /** The run's id, sent on every trace (see PlanOptions.runId). */
  runId?: string;
  /** Zipf exponent of user activity; default 0.8 (the busiest of 150 users has about 8%). */
  skew?: number;
  /** Resolved prompt versions and score configs the plans link to; default none. */
  fixtures?: FixtureLinks;
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

/** Plans session number i of a population. */
export class SessionFactory {
  readonly #scripts: WeightedScript[];
  readonly #cumulative: number[];
  readonly #pool: UserPool;
  readonly #seed: number;
  readonly #outlierRate: number;
  readonly #runId: string | undefined;
  readonly #links: FixtureLinks;

  /** Draws the user pool from the seed; the first script's user id gives the id format. */
  constructor(scripts: WeightedScript[], options: PopulationOptions) {
    if (scripts.length === 0) throw new RangeError("a population needs at least one script");
    this.#scripts = scripts;
    let sum = 0;
    this.#cumulative = scripts.map((entry) => (sum += entry.weight ?? entry.script.weight));
    this.#seed = options.seed;
    this.#outlierRate = options.outlierRate ?? 0.02;
    this.#runId = options.runId;
    this.#links = options.fixtures ?? NO_LINKS;
    this.#pool = new UserPool(options.users, new Rng(options.seed, "users"), {
      format: inferIdFormat(scripts[0].script.user.id),
      skew: options.skew ?? 0.8,
    });
  }

  /** The user ids of the pool. */
  userIds(): string[] {
    return this.#pool.ids();
  }

  /** Plans session number `index` at `time`. */
  plan(index: number, time: SessionTime): SessionPlan {
    const rng = new Rng(this.#seed, `session:${index}`);
    const total = this.#cumulative.at(-1)!;
    const draw = rng.next() * total;
    const entry = this.#scripts[firstAbove(this.#cumulative, draw)];
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
      userId: this.#pool.pick(rng),
      runId: this.#runId,
    });
    const linked = linkSession(plan, this.#links);
    return "startMs" in time && time.timeScale !== undefined
      ? compressTimeline(linked, time.startMs, time.timeScale)
      : linked;
  }
}
