/**
 * Runs a load: sessions from the population, either backfilled into the past (sent as fast
 * as the target takes them) or arriving live on a schedule, each live session's turns sent
 * as their time comes. Bounded: at most `concurrency` live sessions at once, and the export
 * queue holds the producer back; nothing queues without limit.
 */
import { emitTurn } from "../emit/emit.ts";
import type { Pipeline } from "../export/pipeline.ts";
import { arrivalStream, type Phase } from "../plan/arrivals.ts";
import { backfillTimes } from "../plan/backfill.ts";
import type { SessionFactory } from "../plan/instances.ts";
import { Rng } from "../plan/random.ts";
import type { SessionPlan } from "../plan/types.ts";
import type { Clock } from "./clock.ts";

/** When sessions happen. */
export type LoadSchedule =
  | { kind: "backfill"; sessions: number; endMs: number; spreadMs: number }
  | { kind: "live"; phases: Phase[]; poisson: boolean; timeScale: number; maxSessions?: number };

/** What the runner needs. */
export interface LoadRunOptions {
  factory: SessionFactory;
  pipeline: Pipeline;
  schedule: LoadSchedule;
  seed: number;
  /** Live sessions at once; default 64. */
  concurrency?: number;
  clock: Clock;
  /** True stops new sessions (Ctrl-C) and the turns not yet sent. */
  stopped: () => boolean;
  /** Called with each session as sent (turns not sent are left out). */
  onSession: (plan: SessionPlan) => void;
}

/** What the runner did. */
export interface LoadRunResult {
  /** Sessions started. */
  started: number;
  /** Live arrivals that started late because every session slot was busy. */
  lateArrivals: number;
}

/** Runs the schedule to its end, or until stopped; the caller closes the pipeline. */
export async function runLoad(options: LoadRunOptions): Promise<LoadRunResult> {
  return options.schedule.kind === "backfill"
    ? await runBackfill(options, options.schedule)
    : await runLive(options, options.schedule);
}

function emitOptions(options: LoadRunOptions) {
  const { pipeline } = options;
  return {
    tracer: pipeline.tracer,
    ids: pipeline.ids,
    backpressure: () => pipeline.batcher.ready(),
  };
}

function stop(options: LoadRunOptions): boolean {
  return options.stopped() || options.pipeline.batcher.fatal !== undefined;
}

async function runBackfill(
  options: LoadRunOptions,
  schedule: Extract<LoadSchedule, { kind: "backfill" }>,
): Promise<LoadRunResult> {
  const ends = backfillTimes(schedule.sessions, {
    endMs: schedule.endMs,
    spreadMs: schedule.spreadMs,
    rng: new Rng(options.seed, "backfill"),
  });
  const emit = emitOptions(options);
  let started = 0;
  for (const [index, endMs] of ends.entries()) {
    if (stop(options)) break;
    const plan = options.factory.plan(index, { endMs });
    started++;
    let sent = 0;
    for (const turn of plan.turns) {
      if (stop(options)) break;
      await emitTurn(plan, turn, emit);
      sent++;
    }
    options.onSession(
      sent === plan.turns.length ? plan : { ...plan, turns: plan.turns.slice(0, sent) },
    );
  }
  return { started, lateArrivals: 0 };
}

async function runLive(
  options: LoadRunOptions,
  schedule: Extract<LoadSchedule, { kind: "live" }>,
): Promise<LoadRunResult> {
  const { clock } = options;
  const concurrency = options.concurrency ?? 64;
  const emit = emitOptions(options);
  const start = clock.now();
  const active = new Set<Promise<void>>();
  let started = 0;
  let lateArrivals = 0;
  const arrivals = arrivalStream(schedule.phases, {
    poisson: schedule.poisson,
    rng: new Rng(options.seed, "arrivals"),
  });
  for (const offset of arrivals) {
    if (schedule.maxSessions !== undefined && started >= schedule.maxSessions) break;
    await sleepOrStop(clock, start + offset, options);
    if (stop(options)) break;
    if (active.size >= concurrency) {
      lateArrivals++;
      // Wait for a slot rather than queueing sessions without bound.
      while (active.size >= concurrency && !stop(options)) await Promise.race(active);
      if (stop(options)) break;
    }
    const plan = options.factory.plan(started, {
      startMs: clock.now(),
      thinkScale: schedule.timeScale,
    });
    started++;
    const session = (async () => {
      let sent = 0;
      for (const turn of plan.turns) {
        await sleepOrStop(clock, turn.root.endMs, options);
        if (stop(options)) break;
        await emitTurn(plan, turn, emit);
        sent++;
      }
      options.onSession(
        sent === plan.turns.length ? plan : { ...plan, turns: plan.turns.slice(0, sent) },
      );
    })();
    const tracked = session.finally(() => active.delete(tracked));
    active.add(tracked);
  }
  await Promise.all(active);
  return { started, lateArrivals };
}

/** Sleeps until `epochMs`, waking early (within 100 ms) when the run is stopped. */
async function sleepOrStop(clock: Clock, epochMs: number, options: LoadRunOptions): Promise<void> {
  while (clock.now() < epochMs && !stop(options)) {
    await clock.sleepUntil(Math.min(epochMs, clock.now() + 100));
  }
}
