/**
 * Runs a load: sessions from the population, either backfilled into the past (sent as fast
 * as the target takes them) or arriving live on a schedule (see `live.ts`), each live
 * session's turns sent as their time comes. Bounded: the export queue holds the producer
 * back, and live runs bound sessions sending and alive; nothing queues without limit.
 */
import { emitTurn } from "../emit/emit.ts";
import type { Pipeline } from "../export/pipeline.ts";
import { backfillTimes } from "../plan/backfill.ts";
import type { SessionFactory } from "../plan/instances.ts";
import { holds, type Partition, WHOLE } from "../plan/partition.ts";
import { Rng } from "../plan/random.ts";
import type { SessionPlan } from "../plan/types.ts";
import type { Clock } from "./clock.ts";
import { type LiveCounts, type LiveSchedule, runLive } from "./live.ts";

/** When sessions happen. */
export type LoadSchedule =
  | { kind: "backfill"; sessions: number; endMs: number; spreadMs: number }
  | LiveSchedule;

/** What the runner needs. */
export interface LoadRunOptions {
  factory: SessionFactory;
  pipeline: Pipeline;
  schedule: LoadSchedule;
  seed: number;
  /** Live: sessions sending at once (see `LiveOptions.concurrency`); default 64. */
  concurrency?: number;
  /** Live: sessions alive at once; default 10,000. */
  maxAlive?: number;
  /** Live: how late an arrival may start before it is dropped, ms; default 1000. */
  lateToleranceMs?: number;
  /** Live: counts to update as the run goes, for progress. */
  counts?: LiveCounts;
  clock: Clock;
  /** True stops new sessions (Ctrl-C) and the turns not yet sent. */
  stopped: () => boolean;
  /** Called with each session as sent (turns not sent are left out) and its index in the run. */
  onSession: (plan: SessionPlan, index: number) => void;
  /** Called with a session the stop cut short, whole, and how many of its turns were sent. */
  onCut?: (plan: SessionPlan, sent: number) => void;
  /** The part of the run's sessions to send (`--shard`, a worker's share); default all. */
  partition?: Partition;
  /** Live: the run's start, epoch ms, shared by the workers of one run; default now. */
  startMs?: number;
}

/** What the runner did. */
export interface LoadRunResult {
  /** Sessions started. */
  started: number;
  /** Live runs: what became of the arrivals. */
  live?: LiveCounts;
}

/** Runs the schedule to its end, or until stopped; the caller closes the pipeline. */
export async function runLoad(options: LoadRunOptions): Promise<LoadRunResult> {
  return options.schedule.kind === "backfill"
    ? await runBackfill(options, options.schedule)
    : await runLiveLoad(options, options.schedule);
}

function emitOptions(options: LoadRunOptions) {
  const { pipeline } = options;
  return {
    tracer: pipeline.tracer,
    tracerFor: pipeline.tracerFor,
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
  const partition = options.partition ?? WHOLE;
  let started = 0;
  // Every session of the run arrives (users are given in order); this part plans its own.
  for (const [index, plan] of options.factory.backfill(ends, (i) => holds(partition, i))) {
    if (stop(options)) break;
    started++;
    let sent = 0;
    for (const turn of plan.turns) {
      if (stop(options)) break;
      await emitTurn(plan, turn, emit);
      sent++;
    }
    if (sent < plan.turns.length) options.onCut?.(plan, sent);
    options.onSession(
      sent === plan.turns.length ? plan : { ...plan, turns: plan.turns.slice(0, sent) },
      index,
    );
  }
  return { started };
}

async function runLiveLoad(options: LoadRunOptions, schedule: LiveSchedule) {
  const live = await runLive(options, schedule);
  return { started: live.started, live };
}
