/**
 * Time to visible in a load report: the probe's counts as it goes (a tally), the report field
 * they make, the merge of several reports' fields (exact: the histograms add), and the summary
 * lines. Pure.
 *
 * @example
 * ```ts
 * const tally = new VisibleTally();
 * tally.found(1_250);
 * tally.never("0af7651916cd43dd8448eb211c80319c");
 * const field = tally.report({ readsPerSecond: 2, timeoutMs: 600_000, sampleEvery: 1 });
 * ```
 */
import { formatMs } from "../script/duration.ts";
import { LatencyHistogram } from "../plan/stats.ts";
import type { VisibleReport } from "../run_record/schema.ts";

export type { VisibleReport } from "../run_record/schema.ts";

/** How many never-visible trace ids a report lists. */
export const LISTED_NEVER_VISIBLE = 1000;

/** The probe's settings, as the report says them. */
export type VisibleSettings = Pick<
  VisibleReport,
  "readsPerSecond" | "timeoutMs" | "sampleEvery" | "api"
>;

/** What the probe found so far. */
export class VisibleTally {
  readonly histogram = new LatencyHistogram();
  neverVisible = 0;
  undecided = 0;
  skipped = 0;
  reads = 0;
  readonly neverVisibleIds: string[] = [];
  stopped?: string;

  /** One trace became readable `ms` after it was acknowledged. */
  found(ms: number): void {
    this.histogram.record(Math.max(0, ms));
  }

  /** One trace was not readable within the timeout. */
  never(traceId: string): void {
    this.neverVisible++;
    if (this.neverVisibleIds.length < LISTED_NEVER_VISIBLE) this.neverVisibleIds.push(traceId);
  }

  /** The report field. */
  report(settings: VisibleSettings): VisibleReport {
    const visible = this.histogram.count;
    return {
      ...(settings.api ? { api: settings.api } : {}),
      readsPerSecond: settings.readsPerSecond,
      timeoutMs: settings.timeoutMs,
      sampleEvery: settings.sampleEvery,
      probed: visible + this.neverVisible + this.undecided,
      visible,
      neverVisible: this.neverVisible,
      undecided: this.undecided,
      skipped: this.skipped,
      reads: this.reads,
      ms: quantiles(this.histogram),
      histogram: this.histogram.state(),
      neverVisibleIds: [...this.neverVisibleIds],
      ...(this.stopped ? { stopped: this.stopped } : {}),
    };
  }
}

/** The fields of several reports as one: counts added, histograms merged, ids joined. */
export function mergeVisible(fields: readonly VisibleReport[]): VisibleReport | undefined {
  if (fields.length === 0) return undefined;
  const histogram = new LatencyHistogram();
  for (const field of fields) histogram.merge(field.histogram);
  const sum = (key: "undecided" | "skipped" | "reads" | "neverVisible") =>
    fields.reduce((total, field) => total + field[key], 0);
  const first = fields[0];
  const stopped = fields.find((field) => field.stopped)?.stopped;
  const waited = fields.filter((field) => field.waitedMs !== undefined);
  return {
    ...(first.api ? { api: first.api } : {}),
    readsPerSecond: fields.reduce((total, field) => total + field.readsPerSecond, 0),
    timeoutMs: first.timeoutMs,
    sampleEvery: first.sampleEvery,
    probed: histogram.count + sum("neverVisible") + sum("undecided"),
    visible: histogram.count,
    neverVisible: sum("neverVisible"),
    undecided: sum("undecided"),
    skipped: sum("skipped"),
    reads: sum("reads"),
    ms: quantiles(histogram),
    histogram: histogram.state(),
    neverVisibleIds: fields.flatMap((field) => field.neverVisibleIds).slice(
      0,
      LISTED_NEVER_VISIBLE,
    ),
    ...(stopped ? { stopped } : {}),
    ...(waited.length > 0 ? { waitedMs: Math.max(...waited.map((field) => field.waitedMs!)) } : {}),
  };
}

/** The summary lines of time to visible. */
export function formatVisible(field: VisibleReport): string[] {
  const { ms } = field;
  const lines = [
    `  visible    p50 ${show(ms.p50)} · p95 ${show(ms.p95)} · p99 ${show(ms.p99)} after ` +
    `acknowledged (${field.probed} traces probed)`,
  ];
  const notes = [
    `${field.visible} visible, ${field.neverVisible} never within ${formatMs(field.timeoutMs)}`,
    ...(field.undecided > 0 ? [`${field.undecided} undecided`] : []),
    ...(field.skipped > 0 ? [`${field.skipped} left out for the read budget`] : []),
    `${field.reads} reads at most ${field.readsPerSecond}/s`,
    ...(field.waitedMs ? [`waited ${formatMs(field.waitedMs)} after the run`] : []),
  ];
  lines.push(`             ${notes.join(" · ")}`);
  if (field.neverVisibleIds.length > 0) {
    const shown = field.neverVisibleIds.slice(0, 5).join(", ");
    const more = field.neverVisible - Math.min(5, field.neverVisibleIds.length);
    lines.push(`             never visible: ${shown}${more > 0 ? ` and ${more} more` : ""}`);
  }
  if (field.stopped) lines.push(`             probe stopped: ${field.stopped}`);
  return lines;
}

function quantiles(histogram: LatencyHistogram): VisibleReport["ms"] {
  const q = (p: number) => {
    const value = histogram.quantile(p);
    return value === undefined ? undefined : Math.round(value);
  };
  const [p50, p95, p99] = [q(0.5), q(0.95), q(0.99)];
  return {
    ...(p50 === undefined ? {} : { p50 }),
    ...(p95 === undefined ? {} : { p95 }),
    ...(p99 === undefined ? {} : { p99 }),
  };
}

function show(value: number | undefined): string {
  return value === undefined ? "-" : formatMs(value);
}
