/**
 * The report of a load run: what was generated and what became of every span, the export
 * latency, the rate, the population shape and where the ids are. Pure; holds no secrets.
 */
import { formatShape } from "../plan/population.ts";
import { formatMs } from "../script/duration.ts";
import { formatResources, formatScores } from "./run_report.ts";
import { formatCheck, type ThresholdCheck } from "../plan/thresholds.ts";
import { formatVisible } from "./visible_report.ts";
import type {
  ArrivalReport,
  LoadReport,
  MergedLoadReport,
  ShardsMerged,
  Thresholds,
} from "../run_record/schema.ts";

// The report's types are the run record schema's (src/run_record/schema.ts).
export type {
  ArrivalReport,
  LoadReport,
  MergedLoadReport,
  Thresholds,
} from "../run_record/schema.ts";

/** Whether the report is a whole run's: not merged from shards, or merged with none missing. */
export function isWholeRun(report: LoadReport | MergedLoadReport): boolean {
  return !("shards" in report) || report.shards.missing.length === 0;
}

/** Checks the thresholds against the counts (`dropped`: live arrivals dropped, default 0). */
export function checkThresholds(
  thresholds: Thresholds,
  failed: number,
  spansPerSecond: number,
  dropped = 0,
): { met: boolean; missed: string[] } {
  const missed: string[] = [];
  if (dropped > (thresholds.maxDropped ?? 0)) {
    missed.push(
      `${dropped} arrivals dropped, more than --max-dropped ${thresholds.maxDropped ?? 0}`,
    );
  }
  if (failed > thresholds.maxFailed) {
    missed.push(`${failed} spans failed, more than --max-failed ${thresholds.maxFailed}`);
  }
  if (thresholds.minRate !== undefined && spansPerSecond < thresholds.minRate) {
    missed.push(`${spansPerSecond} spans/s is below --min-rate ${thresholds.minRate}/s`);
  }
  return { met: missed.length === 0, missed };
}

/** The `missed` line of a threshold expression missed. */
export function checkMissedText(check: ThresholdCheck): string {
  return `threshold ${formatCheck(check)}`;
}

/**
 * Adds the expression checks to the thresholds' verdict: their misses join `missed`, and the
 * run met its thresholds only if it met every one.
 */
export function withChecks<T extends { met: boolean; missed: string[] }>(
  verdict: T,
  checks: ThresholdCheck[],
): T & { checks?: ThresholdCheck[] } {
  if (checks.length === 0) return verdict;
  const missed = checks.filter((check) => !check.met).map(checkMissedText);
  return {
    ...verdict,
    met: verdict.met && missed.length === 0,
    missed: [...verdict.missed, ...missed],
    checks,
  };
}

/** The human summary of a load run, or of shards merged. */
export function formatLoadReport(
  report: LoadReport | MergedLoadReport,
  reportPath?: string,
): string {
  const { spans, requests, exportLatencyMs: latency } = report;
  const complete = report.thresholds.met && !report.stopped && isWholeRun(report);
  const shards = "shards" in report ? report.shards : undefined;
  const lines = [
    `${complete ? "Load run complete" : "Load run incomplete"}: ${report.target.describe}`,
    `  run        ${report.runId} (seed ${report.seed}${
      report.seeded ? "" : ", random"
    }), ${report.mode}`,
    ...(report.dialect ? [`  dialect    ${report.dialect}`] : []),
    ...(shards
      ? [
        `  shards     ${shards.merged.length} of ${shards.n} merged${
          shards.missing.length > 0
            ? `; INCOMPLETE: missing ${missingShards(shards)} (not counted here)`
            : ""
        }`,
      ]
      : []),
    `  duration   ${formatMs(report.durationMs)} · ${report.spansPerSecond} spans/s acknowledged`,
    `  spans      ${spans.generated} generated, ${spans.acknowledged} acknowledged, ${spans.failed} failed`,
    ...Object.entries(spans.failures).map(([reason, count]) =>
      `             ${count} failed: ${reason}`
    ),
    ...(requests.total > 0
      ? [
        `  requests   ${requests.total} (${requests.retried} retried)  ${
          Object.entries(requests.byStatus).map(([status, n]) => `${status}×${n}`).join(" ")
        }`,
        `  latency    p50 ${ms(latency.p50)} · p95 ${ms(latency.p95)} · p99 ${
          ms(latency.p99)
        } per export`,
      ]
      : []),
    formatShape(report.population),
  ];
  if (report.arrivals) lines.push(...formatArrivals(report.arrivals));
  if (report.visible) lines.push(...formatVisible(report.visible));
  if (report.resources) lines.push(formatResources(report.resources, "  resources  "));
  if (report.scores && report.scores.planned > 0) {
    lines.push(formatScores(report.scores, "  scores     "));
  }
  const checks = report.thresholds.checks ?? [];
  for (const check of checks) {
    lines.push(`  threshold  ${check.met ? "met   " : "MISSED"} ${formatCheck(check)}`);
  }
  const listed = new Set(checks.map(checkMissedText));
  for (const missed of report.thresholds.missed) {
    if (!listed.has(missed)) lines.push(`  missed     ${missed}`);
  }
  if (report.stopped) lines.push(`  stopped    ${report.stopped}`);
  const files = "sessionsFiles" in report ? report.sessionsFiles : [report.sessionsFile];
  files.forEach((file, i) => lines.push(`  ${i === 0 ? "sessions " : "         "}  ${file}`));
  if (reportPath) lines.push(`  report     ${reportPath}`);
  return lines.join("\n");
}

/**
 * `text` (a replay's note under a label padded to 10, as the resources and review steps write
 * them for both commands) in the load summary's columns, whose labels are padded to 11.
 */
export function inLoadColumns(text: string): string {
  return text.split("\n").map((line) => line.replace(/^ {2}\S* +/, (label) => `${label} `))
    .join("\n");
}

/** "3/4, 4/4": the shards missing from a merge, as `--shard` names them. */
export function missingShards(shards: ShardsMerged): string {
  return shards.missing.map((k) => `${k}/${shards.n}`).join(", ");
}

function formatArrivals(arrivals: ArrivalReport): string[] {
  const lines = [
    `  arrivals   ${arrivals.scheduled} scheduled, ${arrivals.started} started, ${arrivals.dropped} dropped` +
    ` · peak ${arrivals.peakAlive} sessions alive · max lag ${formatMs(arrivals.maxLagMs)}`,
  ];
  if (arrivals.droppedLate > 0) {
    lines.push(
      `             ${arrivals.droppedLate} dropped late: the run fell more than ${
        formatMs(arrivals.toleranceMs)
      } behind them (the target or this machine is too slow for the rate; ` +
        `--concurrency ${arrivals.concurrency}: sessions sending at once)`,
    );
  }
  if (arrivals.droppedAlive > 0) {
    lines.push(
      `             ${arrivals.droppedAlive} dropped: ${arrivals.maxAlive} sessions were alive ` +
        `(the memory bound)`,
    );
  }
  return lines;
}

function ms(value: number | undefined): string {
  return value === undefined ? "-" : formatMs(value);
}
