/**
 * Shard reports and their merge (`report merge`): each shard's load report carries the exact
 * counts that its shape rounds or cannot add (escalated and errored sessions, sessions per user
 * of the shared pool, the latency histogram), so the merge of N shards' reports has the
 * counts of the unsharded run: spans, failures, requests, statuses, the population shape and
 * the latency quantiles. Pure: reads nothing, writes nothing.
 */
import { formatShard, type Partition } from "../plan/partition.ts";
import { type HistogramState, LatencyHistogram } from "../plan/stats.ts";
import { mergeVisible } from "./visible_report.ts";
import { formatMs } from "../script/duration.ts";
import { checkThresholds } from "./load_report.ts";
import { PopulationCounter, type PopulationTally } from "../plan/population.ts";
import { identityDifference, isRunIdentity, liveWindowMs } from "../run_record/identity.ts";
import type {
  LoadReport,
  MergedLoadReport,
  RunAnchor,
  RunReport,
  RunResources,
  RunReview,
  ScoreDelivery,
  ShardFacts,
} from "../run_record/schema.ts";

// The shard sections' types are the run record schema's (src/run_record/schema.ts).
export type { ShardFacts, ShardsMerged } from "../run_record/schema.ts";

/** Why shard reports cannot be merged: a file that is no shard report, or shards of different runs. */
export class ReportMergeError extends Error {
  override readonly name = "ReportMergeError";
  /** `invalid`: a file is not a shard report; `mismatch`: the reports do not belong together. */
  constructor(message: string, readonly reason: "invalid" | "mismatch") {
    super(message);
  }
}

/** The shard section of a shard's report. */
export function shardFacts(
  shard: Partition,
  tally: PopulationTally,
  latency: HistogramState,
  poolIds: readonly string[],
): ShardFacts {
  return {
    k: shard.index + 1,
    n: shard.count,
    tally: {
      escalated: tally.escalated,
      errored: tally.errored,
      userSessions: poolIds.map((id) => tally.users[id] ?? 0),
    },
    latency,
  };
}

/** One report to merge, as the run record reader read it, and the file it came from (for messages). */
export interface ShardInput {
  file: string;
  report: RunReport | LoadReport | MergedLoadReport;
}

/** The merge of shard reports: the run's report, and its users by sessions (for `--html`). */
export interface ShardMerge {
  report: MergedLoadReport;
  /** Users by how many sessions they had: `{ "1": 412, "2": 96 }`. */
  usersBySessions: Record<string, number>;
}

/**
 * Merges shard reports of one run into the report of the whole run (or of the shards given).
 * The shards must share the run's identity (see `run_identity.ts`) and anchor: a backfill's
 * is its absolute `--at`; a live run's shards each anchor at their own start, which must fall
 * within one arrival window of each other's, and the merge anchors at the earliest.
 */
export function mergeShardReports(inputs: readonly ShardInput[]): ShardMerge {
  if (inputs.length === 0) throw new ReportMergeError("no reports to merge", "mismatch");
  const entries = inputs.map(({ file, report }) => ({
    file,
    report: checkShardReport(file, report),
  }));
  const first = entries[0];
  const identity = first.report.identity!;
  const n = first.report.shard!.n;
  const byK = new Map<number, string>();
  for (const { file, report } of entries) {
    const shard = report.shard!;
    const differs = identityDifference(report.identity!, identity) ??
      (shard.n !== n ? `${shard.n} shards, not ${n}` : undefined) ??
      (liveWindowMs(identity) === undefined && report.anchor?.ms !== first.report.anchor?.ms
        ? `time anchor ${report.anchor?.iso}, not ${first.report.anchor?.iso}`
        : undefined) ??
      (report.runId !== first.report.runId
        ? `run ${report.runId}, not ${first.report.runId}`
        : undefined);
    if (differs) {
      throw new ReportMergeError(
        `${file} belongs to another run than ${first.file}: ${differs}; ` +
          "merge the shards of one run only",
        "mismatch",
      );
    }
    const twice = byK.get(shard.k);
    if (twice !== undefined) {
      throw new ReportMergeError(
        `${file} and ${twice} are both shard ${shard.k}/${n}: give each shard once`,
        "mismatch",
      );
    }
    byK.set(shard.k, file);
  }
  const anchor = liveAnchor(entries, liveWindowMs(identity)) ?? first.report.anchor;
  const reports = entries.map((e) => e.report).sort((a, b) => a.shard!.k - b.shard!.k);
  const merged = reports.map((r) => r.shard!.k);
  const missing: number[] = [];
  for (let k = 1; k <= n; k++) if (!byK.has(k)) missing.push(k);
  const sum = (pick: (r: LoadReport) => number) => reports.reduce((t, r) => t + pick(r), 0);
  const failures: Record<string, number> = {};
  const byStatus: Record<string, number> = {};
  for (const r of reports) {
    addInto(failures, r.spans.failures);
    addInto(byStatus, r.requests.byStatus);
  }
  const latency = new LatencyHistogram();
  for (const r of reports) latency.merge(r.shard!.latency);
  const population = new PopulationCounter();
  for (const r of reports) population.merge(tallyOf(r));
  const shape = population.shape();

  const startedMs = Math.min(...reports.map((r) => Date.parse(r.startedAt)));
  const finishedMs = Math.max(...reports.map((r) => Date.parse(r.finishedAt)));
  const durationMs = Math.max(1, finishedMs - startedMs);
  const acknowledged = sum((r) => r.spans.acknowledged);
  const failed = sum((r) => r.spans.failed);
  const spansPerSecond = Math.round((acknowledged * 1000) / durationMs);
  const withArrivals = reports.filter((r) => r.arrivals);
  const arrivals = withArrivals.length === 0 ? undefined : {
    ...withArrivals[0].arrivals!,
    scheduled: sum((r) => r.arrivals?.scheduled ?? 0),
    started: sum((r) => r.arrivals?.started ?? 0),
    dropped: sum((r) => r.arrivals?.dropped ?? 0),
    droppedLate: sum((r) => r.arrivals?.droppedLate ?? 0),
    droppedAlive: sum((r) => r.arrivals?.droppedAlive ?? 0),
    concurrency: sum((r) => r.arrivals?.concurrency ?? 0),
    maxAlive: sum((r) => r.arrivals?.maxAlive ?? 0),
    // Each shard's own peak, added: at most this many were alive at once.
    peakAlive: sum((r) => r.arrivals?.peakAlive ?? 0),
    maxLagMs: Math.max(...withArrivals.map((r) => r.arrivals!.maxLagMs)),
  };
  // Each shard was allowed its own failures, drops and rate: the run is allowed their sum.
  const thresholds = {
    maxFailed: sum((r) => r.thresholds.maxFailed),
    ...(reports.some((r) => r.thresholds.minRate !== undefined)
      ? { minRate: sum((r) => r.thresholds.minRate ?? 0) }
      : {}),
    ...(arrivals ? { maxDropped: sum((r) => r.thresholds.maxDropped ?? 0) } : {}),
  };
  const scores = mergeScores(reports);
  const stopped = reports.filter((r) => r.stopped).map((r) =>
    `shard ${r.shard!.k}/${n}: ${r.stopped}`
  );
  const ids = reports.every((r) => r.sessionIds) && shape.sessions <= 1000
    ? interleave(reports.map((r) => r.sessionIds!))
    : undefined;
  const { shard: _shard, sessionsFile: _file, review: _review, resources: _resources, ...base } =
    first.report;
  const review = mergeReviews(reports);
  const resources = mergeResources(reports);
  const report: MergedLoadReport = {
    ...base,
    ...(anchor ? { anchor } : {}),
    mode: first.report.mode.replace(/, shard \d+\/\d+$/, "") + `, ${merged.length} shard(s) merged`,
    shards: { n, merged, missing },
    workers: sum((r) => r.workers ?? 1),
    startedAt: new Date(startedMs).toISOString(),
    finishedAt: new Date(finishedMs).toISOString(),
    durationMs,
    sessions: shape.sessions,
    users: shape.users,
    traces: shape.traces,
    spans: { generated: sum((r) => r.spans.generated), acknowledged, failed, failures },
    requests: {
      total: sum((r) => r.requests.total),
      retried: sum((r) => r.requests.retried),
      byStatus,
    },
    exportLatencyMs: {
      p50: round(latency.quantile(0.5)),
      p95: round(latency.quantile(0.95)),
      p99: round(latency.quantile(0.99)),
    },
    spansPerSecond,
    population: shape,
    ...(resources ? { resources } : {}),
    ...(scores ? { scores } : {}),
    ...(review ? { review } : {}),
    ...(arrivals ? { arrivals } : {}),
    // Exact: the shards' time-to-visible histograms add up to the run's.
    visible: mergeVisible(reports.flatMap((r) => r.visible ? [r.visible] : [])),
    sessionsFiles: reports.map((r) => r.sessionsFile),
    ...(ids ? { sessionIds: ids } : { sessionIds: undefined }),
    thresholds: {
      ...thresholds,
      ...checkThresholds(thresholds, failed, spansPerSecond, arrivals?.dropped ?? 0),
    },
    ...(stopped.length > 0 ? { stopped: stopped.join("; ") } : { stopped: undefined }),
  };
  return { report, usersBySessions: population.usersBySessions() };
}

/**
 * A live run's anchor: its shards' earliest start. Each shard anchors at its own start, so the
 * anchors of one run differ by how far apart the shards were started; a shard started more than
 * the arrival window after another is another run with the same flags.
 */
function liveAnchor(
  entries: { file: string; report: LoadReport }[],
  windowMs: number | undefined,
): RunAnchor | undefined {
  if (windowMs === undefined) return undefined;
  const anchored = entries.filter((e) => e.report.anchor !== undefined);
  if (anchored.length === 0) return undefined;
  const ms = (e: { report: LoadReport }) => e.report.anchor!.ms;
  const earliest = anchored.reduce((a, b) => ms(b) < ms(a) ? b : a);
  const latest = anchored.reduce((a, b) => ms(b) > ms(a) ? b : a);
  if (ms(latest) - ms(earliest) > windowMs) {
    throw new ReportMergeError(
      `${latest.file} belongs to another run than ${earliest.file}: it started at ` +
        `${latest.report.anchor!.iso}, ${formatMs(ms(latest) - ms(earliest))} after it ` +
        `(${earliest.report.anchor!.iso}), later than the arrival window ` +
        `(${formatMs(windowMs)}): the shards of one live run start together; ` +
        "merge the shards of one run only",
      "mismatch",
    );
  }
  return earliest.report.anchor;
}

/** The shards' review layers as one: each queue once, every item and comment. */
function mergeReviews(reports: LoadReport[]): RunReview | undefined {
  const with_ = reports.filter((r) => r.review);
  if (with_.length === 0) return undefined;
  const review: RunReview = { queues: [], items: [], comments: [], failed: {} };
  for (const { review: r } of with_) {
    for (const queue of r!.queues) {
      const seen = review.queues.find((q) => q.id === queue.id);
      if (seen) seen.created ||= queue.created;
      else review.queues.push({ ...queue });
    }
    review.items.push(...r!.items);
    review.comments.push(...r!.comments);
    addInto(review.failed, r!.failed);
  }
  return review;
}

/** The shards' prompts and score configs: each once, created if a shard created it. */
function mergeResources(reports: LoadReport[]): RunResources | undefined {
  const with_ = reports.filter((r) => r.resources);
  if (with_.length === 0) return undefined;
  const resources: RunResources = { prompts: [], scoreConfigs: [] };
  for (const { resources: f } of with_) {
    for (const prompt of f!.prompts) {
      const seen = resources.prompts.find((p) => p.id === prompt.id);
      if (seen) seen.created ||= prompt.created;
      else resources.prompts.push({ ...prompt });
    }
    for (const config of f!.scoreConfigs) {
      const seen = resources.scoreConfigs.find((c) => c.id === config.id);
      if (seen) seen.created ||= config.created;
      else resources.scoreConfigs.push({ ...config });
    }
  }
  return resources;
}

function addInto(into: Record<string, number>, from: Record<string, number> | undefined) {
  for (const [key, v] of Object.entries(from ?? {})) into[key] = (into[key] ?? 0) + v;
  return into;
}

/** Round-robin: shard k's j-th session is session k-1 + n·j, so this is the run's order. */
function interleave(lists: string[][]): string[] {
  const out: string[] = [];
  const longest = Math.max(0, ...lists.map((l) => l.length));
  for (let j = 0; j < longest; j++) {
    for (const list of lists) if (j < list.length) out.push(list[j]);
  }
  return out;
}

function mergeScores(reports: LoadReport[]): ScoreDelivery | undefined {
  const with_ = reports.filter((r) => r.scores);
  if (with_.length === 0) return undefined;
  const total: ScoreDelivery = { planned: 0, sent: 0, failed: {} };
  for (const { scores } of with_) {
    total.planned += scores!.planned;
    total.sent += scores!.sent;
    if (scores!.skipped) total.skipped = scores!.skipped;
    for (const [reason, n] of Object.entries(scores!.failed)) {
      total.failed[reason] = (total.failed[reason] ?? 0) + n;
    }
  }
  return total;
}

function tallyOf(report: LoadReport): PopulationTally {
  const { population, shard } = report;
  const users: Record<string, number> = {};
  shard!.tally.userSessions.forEach((count, rank) => {
    if (count > 0) users[String(rank)] = count;
  });
  return {
    sessions: population.sessions,
    escalated: shard!.tally.escalated,
    errored: shard!.tally.errored,
    traces: population.traces,
    spans: population.spans,
    scores: report.scores?.planned ?? 0,
    perScript: population.sessionsPerScript,
    turns: population.turnsPerSession,
    outcomes: population.lastOutcome,
    users,
  };
}

/**
 * The report, if it is a shard's load report; else a ReportMergeError naming the file and what
 * is wrong. Its shape was checked when it was read (see `run_record/read.ts`).
 */
function checkShardReport(file: string, r: ShardInput["report"]): LoadReport {
  const bad = (what: string) =>
    new ReportMergeError(`${file}: not a shard's load report (${what})`, "invalid");
  if (!("kind" in r)) throw bad(`a replay manifest, not a load report`);
  if ("shards" in r) {
    throw new ReportMergeError(
      `${file}: already a merged report (of shards ${r.shards.merged.join(", ")}); ` +
        "merge the shards' own reports",
      "mismatch",
    );
  }
  if (r.shard === undefined) {
    throw new ReportMergeError(
      `${file}: the report of a whole run (no --shard), which has nothing to merge with`,
      "mismatch",
    );
  }
  if (r.shard.k > r.shard.n) throw bad(`it is shard ${r.shard.k} of only ${r.shard.n}`);
  if (!isRunIdentity(r.identity)) {
    throw bad(
      "no run identity: written by an older session-replay, so nothing shows its shards are " +
        "of one run; run the shards again",
    );
  }
  return r;
}

function round(value: number | undefined): number | undefined {
  return value === undefined ? undefined : Math.round(value * 10) / 10;
}

/** "2/4": a shard as `--shard` takes it. */
export function shardLabel(facts: Pick<ShardFacts, "k" | "n">): string {
  return formatShard({ index: facts.k - 1, count: facts.n });
}
