/**
 * What a backfill load plans, in-process and without sending: the sessions `load --sessions N
 * --seed S` would send, from the same factory, user pool and session times (spread over the
 * day before `endMs` by default). For measuring a load before running it. Pure.
 */
import { backfillTimes } from "./backfill.ts";
import { SessionFactory, type WeightedScript } from "./instances.ts";
import { Rng } from "./random.ts";
import type { SessionPlan } from "./types.ts";
import { defaultPoolSize } from "./users.ts";

/** The load to plan. */
export interface LoadPlanOptions {
  sessions: number;
  seed: number;
  /** When the window ends (load's `--at`), epoch ms. */
  endMs: number;
  /** How far back sessions spread, ms; default a day (load's default `--spread`). */
  spreadMs?: number;
  /** The user pool; default load's (`defaultPoolSize`). */
  users?: number;
}

const DAY_MS = 86_400_000;

/** The sessions of the load, in order of their end times. */
export function* loadPlans(
  scripts: WeightedScript[],
  options: LoadPlanOptions,
): Generator<SessionPlan, void> {
  const { sessions, seed } = options;
  const factory = new SessionFactory(scripts, {
    seed,
    users: options.users ?? defaultPoolSize({ sessions }),
  });
  const ends = backfillTimes(sessions, {
    endMs: options.endMs,
    spreadMs: options.spreadMs ?? DAY_MS,
    rng: new Rng(seed, "backfill"),
  });
  for (const [, plan] of factory.backfill(ends)) yield plan;
}
