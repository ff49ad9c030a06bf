/**
 * One process's (or one worker thread's) share of a load run: its own export pipeline and
 * session factory, the sessions of its partition, counted as it goes. `load` runs one part
 * in-process (`--workers 1`) or one per worker thread (see `workers.ts`); both go through here,
 * so a worker plans and sends exactly what the in-process run would for the same sessions.
 */
import { createPipeline } from "../export/pipeline.ts";
import type { DeliveryStats } from "../export/stats.ts";
import type { Target } from "../export/target.ts";
import { type PopulationOptions, SessionFactory, type WeightedScript } from "../plan/instances.ts";
import type { Partition } from "../plan/partition.ts";
import { type ReviewSelection, ReviewSelector, type ReviewSource } from "../plan/review_select.ts";
import { PopulationCounter } from "../plan/population.ts";
import { manifestSession } from "../report/run_report.ts";
import { sessionLine } from "../run_record/write.ts";
import type { Clock } from "./clock.ts";
import { LiveCounts } from "./live.ts";
import { type LoadSchedule, runLoad } from "./runner.ts";

/** How many session ids a report lists (runs of up to this many sessions list them all). */
export const LISTED_SESSIONS = 1000;

/** Export settings of a part's pipeline, as plain data (they cross to worker threads). */
export interface PartPipelineOptions {
  maxDelayMs?: number;
  maxBatchSpans?: number;
  maxInFlight?: number;
}

/** What a part is, as plain data: everything a worker thread needs to run it. */
export interface PartSpec {
  scripts: WeightedScript[];
  population: PopulationOptions;
  target: Target;
  schedule: LoadSchedule;
  seed: number;
  partition: Partition;
  pipeline: PartPipelineOptions;
  /** Live: sessions sending at once in this part; default 64. */
  concurrency?: number;
  /** Live: sessions alive at once in this part; default 10,000. */
  maxAlive?: number;
  /** Live: the run's start on the clock, shared by the parts; default when the part starts. */
  startMs?: number;
  /** The review sections to select this part's queue items and comments by (with `seed`). */
  review?: ReviewSource[];
  /** A worker thread posts its export latencies and session starts (for `--html`). */
  timeline?: boolean;
  /** Report each trace whose root span was acknowledged (the time-to-visible probe). */
  acknowledgedTraces?: boolean;
}

/** What a finished part counted. */
export interface PartResult {
  stats: DeliveryStats;
  population: PopulationCounter;
  /** Live runs: what became of this part's arrivals. */
  live?: LiveCounts;
  /** Why the export stopped for good (the target refused or went away), if it did. */
  fatal?: string;
  /**
   * An unexpected error that ended the part early (a bug, or input no check caught), with its
   * stack; the part's pipeline was still closed, so every span it generated is counted.
   */
  crashed?: string;
  /** The first sessions by index, [index, session id], at most LISTED_SESSIONS. */
  listed: [number, string][];
  /** What the review sections selected among this part's sessions, when given. */
  review?: ReviewSelection;
}

/** A part under way: counts to watch, and its end. */
export interface RunningPart {
  stats: DeliveryStats;
  population: PopulationCounter;
  counts: LiveCounts;
  /** Why the export stopped for good so far, if it did. */
  fatal(): string | undefined;
  /** Export requests under way now. */
  inFlight(): number;
  done: Promise<PartResult>;
}

/** What a part needs from its host beyond the spec. */
export interface PartHost {
  clock: Clock;
  /** True stops new sessions and turns not yet sent. */
  stopped: () => boolean;
  /** One line of the sessions file (not yet redacted: the host removes secrets). */
  onLine: (line: string) => void;
  /** Each session's start (epoch ms of its first turn), as it is sent. */
  onStart?: (startMs: number) => void;
  /**
   * With `acknowledgedTraces`: the traces whose root spans were just acknowledged, and when
   * (epoch ms). Called from the send path: it must not wait.
   */
  onAcknowledged?: (traceIds: string[], atMs: number) => void;
}

/**
 * Starts a part; its pipeline is closed (every span accounted for) before `done` settles, and
 * `done` settles with the counts even when the run throws (see `PartResult.crashed`).
 */
export function startPart(spec: PartSpec, host: PartHost): RunningPart {
  const onAcknowledged = host.onAcknowledged;
  const pipeline = createPipeline(spec.target, {
    ...spec.pipeline,
    ...(spec.acknowledgedTraces && onAcknowledged
      ? { onRootsAcknowledged: (ids: string[]) => onAcknowledged(ids, host.clock.now()) }
      : {}),
  });
  const population = new PopulationCounter();
  const counts = new LiveCounts();
  const listed: [number, string][] = [];
  // Selection is pure and drawn per object from the seed: each part selects among its own.
  const selector = spec.review ? new ReviewSelector(spec.review, spec.seed) : undefined;
  const run = async (): Promise<PartResult> => {
    let result;
    let crashed: string | undefined;
    try {
      const factory = new SessionFactory(spec.scripts, spec.population);
      result = await runLoad({
        factory,
        pipeline,
        schedule: spec.schedule,
        seed: spec.seed,
        partition: spec.partition,
        concurrency: spec.concurrency,
        maxAlive: spec.maxAlive,
        startMs: spec.startMs,
        counts,
        clock: host.clock,
        stopped: host.stopped,
        onSession: (plan, index) => {
          // A session stopped before its first turn never reached the target.
          if (plan.turns.length === 0) return;
          population.add(plan);
          keepListed(listed, index, plan.sessionId);
          selector?.add(plan, index);
          host.onLine(sessionLine(manifestSession(plan)));
          host.onStart?.(plan.turns[0].root.startMs);
        },
        onCut: (plan, sent) => population.cut(plan, sent),
      });
    } catch (error) {
      // The part stops here; the sessions already handed over are delivered and counted.
      crashed = (error as Error)?.stack ?? String(error);
    } finally {
      await pipeline.close();
    }
    return {
      stats: pipeline.stats,
      population,
      ...(result?.live
        ? { live: result.live }
        : spec.schedule.kind === "live"
        ? { live: counts }
        : {}),
      ...(pipeline.batcher.fatal ? { fatal: pipeline.batcher.fatal } : {}),
      ...(crashed !== undefined ? { crashed } : {}),
      listed,
      ...(selector ? { review: selector.selection() } : {}),
    };
  };
  return {
    stats: pipeline.stats,
    population,
    counts,
    fatal: () => pipeline.batcher.fatal,
    inFlight: () => pipeline.batcher.inFlight,
    done: run(),
  };
}

/** Keeps the LISTED_SESSIONS lowest-indexed sessions, ascending by index. */
export function keepListed(listed: [number, string][], index: number, sessionId: string): void {
  if (listed.length >= LISTED_SESSIONS && index > listed[listed.length - 1][0]) return;
  let at = listed.length;
  while (at > 0 && listed[at - 1][0] > index) at--;
  listed.splice(at, 0, [index, sessionId]);
  if (listed.length > LISTED_SESSIONS) listed.pop();
}
