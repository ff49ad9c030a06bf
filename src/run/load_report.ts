/**
 * The record of a load run: its load report, assembled from what the run resolved (spec,
 * identity, anchor) and what its sessions did (counts, latencies, arrivals, scores, review),
 * with the budgets and thresholds judged.
 */
import { SessionFactory, type WeightedScript } from "../plan/instances.ts";
import { judgeThresholds, latencyObservations, rateOf } from "../plan/thresholds.ts";
import { checkThresholds, type LoadReport, withChecks } from "../report/load_report.ts";
import { shardFacts } from "../report/shard_report.ts";
import type { ScoreDelivery } from "../report/run_report.ts";
import type { RunReview } from "../report/review_report.ts";
import type { RunIdentity } from "../run_record/identity.ts";
import type { VisibleReport } from "../run_record/schema.ts";
import type { RunResources } from "../plan/resources.ts";
import type { ThresholdCheck } from "../plan/thresholds.ts";
import type { LoadSchedule } from "../load/runner.ts";
import type { SessionsResult } from "../load/workers.ts";
import { LISTED_SESSIONS } from "../load/part.ts";
import { DEFAULT_LATE_TOLERANCE_MS, DEFAULT_MAX_ALIVE } from "../load/live.ts";
import { VERSION } from "../version.ts";
import { describeShard } from "./scale.ts";
import { type StopSignal, stopText } from "./stop.ts";
import { AbortWatch } from "./abort_watch.ts";
import type { TimeAnchor } from "./anchor.ts";
import type { LoadSpec } from "./load_spec.ts";

/** What the run did, beside its spec. */
export interface LoadFacts {
  result: SessionsResult;
  runId: string;
  identity: RunIdentity;
  anchor: TimeAnchor;
  startedMs: number;
  finishedMs: number;
  /** Worker threads used. */
  workers: number;
  sessionsFile: string;
  resources?: RunResources;
  /** `--dialect` as given, when not Langfuse's own. */
  dialect?: string;
  scores: ScoreDelivery;
  review?: RunReview;
  /** The threshold that stopped the run (--abort-on-fail). */
  aborted?: ThresholdCheck;
  /** The signal that stopped the run, when one did. */
  stopSignal?: StopSignal;
  /** What the time-to-visible probe found. */
  visible?: VisibleReport;
}

/** The load report of a run, and whether its failure, drop and rate budgets held. */
export function loadReportOf(
  spec: LoadSpec,
  facts: LoadFacts,
): { report: LoadReport; budgetsMet: boolean } {
  const { result, startedMs, finishedMs } = facts;
  const { schedule, scale, seed, users } = spec;
  const { fatal, crashed, population, stats, live } = result;
  const counts = stats.snapshot();
  const durationMs = Math.max(1, finishedMs - startedMs);
  const spansPerSecond = Math.round((stats.acknowledged * 1000) / durationMs);
  const shape = population.shape();
  const thresholds = {
    maxFailed: spec.budgets.maxFailed,
    ...(spec.budgets.minRate === undefined ? {} : { minRate: spec.budgets.minRate }),
    ...(schedule.kind === "live" ? { maxDropped: spec.budgets.maxDropped } : {}),
  };
  const verdict = checkThresholds(thresholds, stats.failed, spansPerSecond, live?.dropped ?? 0);
  const checks = judgeThresholds(spec.thresholds, {
    exportLatencyMs: latencyObservations(stats.latency),
    failedRate: rateOf(stats.failed, stats.acknowledged + stats.failed),
    droppedRate: live ? rateOf(live.dropped, live.scheduled) : undefined,
    spansPerSecond,
    ...(facts.visible
      ? { visibleMs: facts.visible.ms, neverVisible: facts.visible.neverVisible }
      : {}),
  });
  const weighted: WeightedScript[] = spec.scripts.map(({ file, script }) => ({
    file,
    script,
    weight: spec.weights.get(script.name),
  }));
  const { target } = spec;
  const report: LoadReport = {
    tool: "session-replay",
    kind: "load",
    version: VERSION,
    runId: facts.runId,
    seed,
    seeded: spec.seeded,
    anchor: facts.anchor,
    identity: facts.identity,
    ...(scale.sharded
      ? {
        shard: shardFacts(
          scale.shard,
          population.tally(),
          stats.latency.state(),
          new SessionFactory(weighted, { seed, users }).userIds(),
        ),
      }
      : {}),
    workers: result.workers,
    mode: [describeSchedule(schedule), describeShard(scale)].filter(Boolean).join(", "),
    startedAt: new Date(startedMs).toISOString(),
    finishedAt: new Date(finishedMs).toISOString(),
    durationMs,
    target: {
      kind: target.kind,
      describe: target.describe,
      ...(target.url ? { url: target.url } : {}),
      protocol: target.protocol,
    },
    sessions: shape.sessions,
    users: shape.users,
    traces: shape.traces,
    spans: counts.spans,
    requests: counts.requests,
    exportLatencyMs: {
      p50: round(stats.latency.quantile(0.5)),
      p95: round(stats.latency.quantile(0.95)),
      p99: round(stats.latency.quantile(0.99)),
    },
    spansPerSecond,
    population: shape,
    ...(facts.resources ? { resources: facts.resources } : {}),
    ...(facts.dialect ? { dialect: facts.dialect } : {}),
    ...(facts.scores ? { scores: facts.scores } : {}),
    ...(facts.review ? { review: facts.review } : {}),
    ...(live
      ? {
        arrivals: {
          scheduled: live.scheduled,
          started: live.started,
          dropped: live.dropped,
          droppedLate: live.droppedLate,
          droppedAlive: live.droppedAlive,
          toleranceMs: DEFAULT_LATE_TOLERANCE_MS,
          concurrency: spec.concurrency,
          maxAlive: DEFAULT_MAX_ALIVE,
          peakAlive: live.peakAlive,
          maxLagMs: live.maxLagMs,
        },
      }
      : {}),
    ...(facts.visible ? { visible: facts.visible } : {}),
    sessionsFile: facts.sessionsFile,
    ...(shape.sessions <= LISTED_SESSIONS ? { sessionIds: result.listed.map(([, id]) => id) } : {}),
    thresholds: { ...thresholds, ...withChecks(verdict, checks) },
    ...(fatal
      ? { stopped: fatal }
      : crashed
      ? { stopped: `internal error in ${crashed.split("\n")[0]}` }
      : facts.aborted
      ? { stopped: AbortWatch.stoppedText(facts.aborted) }
      : facts.stopSignal
      ? { stopped: stopText(facts.stopSignal) }
      : {}),
  };
  return { report, budgetsMet: verdict.met };
}

function describeSchedule(schedule: LoadSchedule): string {
  if (schedule.kind === "backfill") {
    return `backfill: ${schedule.sessions} sessions over ${
      Math.round(schedule.spreadMs / 3_600_000)
    }h`;
  }
  const total = schedule.phases.reduce((sum, phase) => sum + phase.durationMs, 0);
  return `live: ${schedule.phases.length} phase(s) over ${Math.round(total / 1000)}s` +
    `${schedule.poisson ? ", Poisson arrivals" : ""}${
      schedule.timeScale !== 1 ? `, time scale ${schedule.timeScale}` : ""
    }`;
}

function round(value: number | undefined): number | undefined {
  return value === undefined ? undefined : Math.round(value * 10) / 10;
}
