/**
 * Threshold expressions in the spirit of k6's (`p(95)<200`, `rate<0.01`): `<metric><op><value>`
 * on a load run's export latency, time to visible in Langfuse, failure and drop rates and spans
 * per second, such as `export_p95<2s`, `visible_p95<60s`, `never_visible<1`, `failed_rate<0.1%`,
 * `spans_per_s>=500`. Pure: parsing and judging only.
 *
 * @example
 * ```ts
 * const threshold = parseThreshold("export_p99<2s");
 * judgeThresholds([threshold], { exportLatencyMs: { p99: 120 }, spansPerSecond: 10 });
 * // [{ expression: "export_p99<2s", observed: 120, met: true }]
 * ```
 */
import type { LatencyHistogram } from "./stats.ts";

/** The comparison of a threshold. */
export type ThresholdOp = "<" | "<=" | ">" | ">=";

/** How a metric's value is written and shown. */
type Unit = "ms" | "rate" | "perSecond" | "count";

/** What a threshold is judged on, observed from a run (or from a run under way). */
export interface ThresholdObservations {
  /** Export latency quantiles, ms; a quantile is absent before any export finished. */
  exportLatencyMs: { p50?: number; p90?: number; p95?: number; p99?: number; max?: number };
  /** Spans failed over spans decided (acknowledged + failed); absent before any was. */
  failedRate?: number;
  /** Arrivals dropped over arrivals due; absent when none was due (a backfill drops none). */
  droppedRate?: number;
  /** Acknowledged spans per second over the run. */
  spansPerSecond: number;
  /** Time-to-visible quantiles of the probed traces, ms; absent when none was probed. */
  visibleMs?: { p50?: number; p95?: number; p99?: number };
  /** Probed traces accepted but never visible within the timeout; absent without the probe. */
  neverVisible?: number;
}

interface MetricDef {
  unit: Unit;
  observe: (o: ThresholdObservations) => number | undefined;
  /**
   * Judged during a run by --abort-on-fail. Spans per second is not: a run's rate is low while
   * it ramps up and only means something over the whole run.
   */
  abortable: boolean;
}

const latency = (q: keyof ThresholdObservations["exportLatencyMs"]): MetricDef => ({
  unit: "ms",
  observe: (o) => o.exportLatencyMs[q],
  abortable: true,
});

/**
 * Time to visible is judged at the end only: a trace's verdict comes up to --visible-timeout
 * after it was sent, so during the run the sample is too young to abort on.
 */
const visible = (q: "p50" | "p95" | "p99"): MetricDef => ({
  unit: "ms",
  observe: (o) => o.visibleMs?.[q],
  abortable: false,
});

/** The metrics a threshold may name. One table, so new metrics are one row each. */
const METRICS = {
  export_p50: latency("p50"),
  export_p90: latency("p90"),
  export_p95: latency("p95"),
  export_p99: latency("p99"),
  export_max: latency("max"),
  failed_rate: { unit: "rate", observe: (o) => o.failedRate ?? 0, abortable: true },
  dropped_rate: { unit: "rate", observe: (o) => o.droppedRate ?? 0, abortable: true },
  spans_per_s: { unit: "perSecond", observe: (o) => o.spansPerSecond, abortable: false },
  visible_p50: visible("p50"),
  visible_p95: visible("p95"),
  visible_p99: visible("p99"),
  never_visible: { unit: "count", observe: (o) => o.neverVisible, abortable: false },
} satisfies Record<string, MetricDef>;

/** A metric a threshold may name. */
export type ThresholdMetric = keyof typeof METRICS;

/** The metrics a threshold may name, in the order the help lists them. */
export const THRESHOLD_METRICS = Object.keys(METRICS) as ThresholdMetric[];

/** A parsed threshold expression. */
export interface Threshold {
  /** As written, the name it is reported under. */
  expression: string;
  metric: ThresholdMetric;
  op: ThresholdOp;
  /** In the metric's unit: ms, a fraction from 0 to 1, or spans per second. */
  value: number;
}

/** One threshold judged against a run. */
export interface ThresholdCheck {
  expression: string;
  /** The metric's value, in its unit; absent when nothing was measured (then missed). */
  observed?: number;
  met: boolean;
}

/** A threshold expression that cannot be read; `expression` is the text as given. */
export class ThresholdError extends Error {
  override readonly name = "ThresholdError";
  constructor(readonly expression: string, reason: string) {
    super(`threshold "${expression}": ${reason}`);
  }
}

const SHAPE = /^\s*([a-z][a-z0-9_]*)\s*(<=|>=|<|>)\s*([^\s<>=]\S*)\s*$/;

/** Reads `<metric><op><value>`; throws ThresholdError naming the expression and what is wrong. */
export function parseThreshold(expression: string): Threshold {
  const match = SHAPE.exec(expression);
  if (!match) {
    throw new ThresholdError(
      expression,
      "must look like export_p95<2s, failed_rate<0.1% or spans_per_s>=500 " +
        "(a metric, one of < <= > >=, a value)",
    );
  }
  const [, name, op, text] = match;
  if (!(name in METRICS)) {
    throw new ThresholdError(
      expression,
      `unknown metric "${name}"; use one of ${THRESHOLD_METRICS.join(", ")}`,
    );
  }
  const metric = name as ThresholdMetric;
  const value = parseValue(METRICS[metric].unit, text);
  if (value === undefined) throw new ThresholdError(expression, valueHint(metric, text));
  return { expression: expression.trim(), metric, op: op as ThresholdOp, value };
}

function parseValue(unit: Unit, text: string): number | undefined {
  const number = /^(\d+(?:\.\d+)?)(.*)$/.exec(text);
  if (!number) return undefined;
  const n = Number(number[1]);
  const suffix = number[2];
  if (unit === "ms") {
    const scale = { ms: 1, s: 1000, m: 60_000 }[suffix];
    return scale === undefined ? undefined : n * scale;
  }
  if (unit === "rate") {
    if (suffix === "%") return n <= 100 ? n / 100 : undefined;
    return suffix === "" && n <= 1 ? n : undefined;
  }
  if (unit === "count") return suffix === "" && Number.isInteger(n) ? n : undefined;
  return suffix === "" || suffix === "/s" ? n : undefined;
}

function valueHint(metric: ThresholdMetric, text: string): string {
  const unit = METRICS[metric].unit;
  const wanted = unit === "ms"
    ? "a duration in ms, s or m, like 500ms or 2s"
    : unit === "rate"
    ? "a percent like 0.1% or a fraction from 0 to 1 like 0.001"
    : unit === "count"
    ? "a whole number of traces, like 1"
    : "spans per second, like 500 or 500/s";
  return `${metric} needs ${wanted}, not "${text}"`;
}

/** Whether `--abort-on-fail` judges the threshold while the run goes. */
export function isAbortable(threshold: Threshold): boolean {
  return METRICS[threshold.metric].abortable;
}

/**
 * Judges each threshold; one with nothing observed (no export finished, no trace probed) is
 * missed.
 */
export function judgeThresholds(
  thresholds: readonly Threshold[],
  observed: ThresholdObservations,
): ThresholdCheck[] {
  return thresholds.map(({ expression, metric, op, value }) => {
    const seen = METRICS[metric].observe(observed);
    if (seen === undefined) return { expression, met: false };
    return { expression, observed: seen, met: compare(seen, op, value) };
  });
}

/**
 * The first abortable threshold missed so far, or undefined: thresholds with nothing observed
 * yet are not judged (a run under way may not have finished an export).
 */
export function firstMissed(
  thresholds: readonly Threshold[],
  observed: ThresholdObservations,
): ThresholdCheck | undefined {
  return judgeThresholds(thresholds.filter(isAbortable), observed)
    .find((check) => check.observed !== undefined && !check.met);
}

/** The latency quantiles thresholds read, from a histogram. */
export function latencyObservations(
  histogram: LatencyHistogram,
): ThresholdObservations["exportLatencyMs"] {
  const q = (p: number) => round(histogram.quantile(p));
  return { p50: q(0.5), p90: q(0.9), p95: q(0.95), p99: q(0.99), max: round(histogram.max) };
}

/** The part over the whole, or undefined when the whole is 0. */
export function rateOf(part: number, whole: number): number | undefined {
  return whole === 0 ? undefined : part / whole;
}

/** "export_p95<2s: 1.2s" with the observed value in the metric's unit. */
export function formatCheck(check: ThresholdCheck): string {
  const metric = parseThreshold(check.expression).metric;
  return `${check.expression}: ${formatValue(METRICS[metric].unit, check.observed)}`;
}

function formatValue(unit: Unit, value: number | undefined): string {
  if (value === undefined) return "nothing measured";
  if (unit === "ms") return value >= 1000 ? `${round(value / 1000)}s` : `${round(value)}ms`;
  if (unit === "rate") return `${Number((value * 100).toPrecision(3))}%`;
  if (unit === "count") return `${value} trace${value === 1 ? "" : "s"}`;
  return `${value} spans/s`;
}

function compare(seen: number, op: ThresholdOp, value: number): boolean {
  switch (op) {
    case "<":
      return seen < value;
    case "<=":
      return seen <= value;
    case ">":
      return seen > value;
    case ">=":
      return seen >= value;
  }
}

function round(value: number | undefined): number | undefined {
  return value === undefined ? undefined : Math.round(value * 10) / 10;
}
