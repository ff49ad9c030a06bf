/**
 * Where live metrics go (see `metrics.ts`): the OpenTelemetry SDK's OTLP/HTTP metric exporter,
 * configured from the flags alone, and a JSON-lines file, one line per collection. Both hang off
 * one fan-out exporter that answers the SDK's reader once the line is written: a slow or dead
 * metrics endpoint never holds up a collection, a line or the run.
 */
import { type ExportResult, ExportResultCode } from "@opentelemetry/core";
import { OTLPMetricExporterBase } from "@opentelemetry/exporter-metrics-otlp-http";
import {
  createOtlpHttpExportDelegate,
  httpAgentFactoryFromOptions,
} from "@opentelemetry/otlp-exporter-base/node-http";
import {
  JsonMetricsSerializer,
  MetricsExporterMetricsHelper,
} from "@opentelemetry/otlp-transformer";
import {
  AggregationTemporality,
  type DataPoint,
  DataPointType,
  type Histogram,
  type PushMetricExporter,
  type ResourceMetrics,
} from "@opentelemetry/sdk-metrics";

/** The run id's attribute on every data point. */
export const RUN_ID_ATTRIBUTE = "session_replay.run.id";

/** Options of {@link MetricsFanOut}. */
export interface MetricsFanOutOptions {
  /** The OTLP/HTTP endpoint (full URL, e.g. http://localhost:4318/v1/metrics); none: no OTLP. */
  otlpUrl?: string;
  /** Headers for the endpoint (OTEL_EXPORTER_OTLP_METRICS_HEADERS); default none. */
  headers?: Record<string, string>;
  /** How long one OTLP export may take, ms. */
  timeoutMs: number;
  /** Writes one JSON line (the --metrics-file); none: no file. */
  writeLine?: (line: string) => void;
  /** The time of a collection, ms. */
  now: () => number;
  /** Says why an OTLP export failed; called for the first failure only. */
  warn: (reason: string) => void;
}

/** Hands each collection to the OTLP exporter (in the background) and the JSON-lines file. */
export class MetricsFanOut implements PushMetricExporter {
  readonly #options: MetricsFanOutOptions;
  readonly #otlp?: OTLPMetricExporterBase;
  readonly #pending = new Set<Promise<void>>();
  /** OTLP exports tried and failed so far. */
  readonly otlpExports = { tried: 0, failed: 0 };

  constructor(options: MetricsFanOutOptions) {
    this.#options = options;
    if (options.otlpUrl !== undefined) {
      this.#otlp = otlpMetricExporter(options.otlpUrl, options);
    }
  }

  export(metrics: ResourceMetrics, done: (result: ExportResult) => void): void {
    const otlp = this.#otlp;
    if (otlp) {
      this.otlpExports.tried++;
      const sent = new Promise<void>((resolve) =>
        otlp.export(metrics, (result) => {
          if (result.code !== ExportResultCode.SUCCESS) {
            if (this.otlpExports.failed++ === 0) {
              this.#options.warn(result.error?.message ?? "the export failed");
            }
          }
          resolve();
        })
      );
      this.#pending.add(sent);
      void sent.then(() => this.#pending.delete(sent));
    }
    try {
      this.#options.writeLine?.(JSON.stringify(metricsLine(metrics, this.#options.now())));
      done({ code: ExportResultCode.SUCCESS });
    } catch (error) {
      done({ code: ExportResultCode.FAILED, error: error as Error });
    }
  }

  /** Waits for the OTLP exports under way (each bounded by its timeout). */
  async forceFlush(): Promise<void> {
    await Promise.all([...this.#pending]);
  }

  async shutdown(): Promise<void> {
    await this.forceFlush();
    await this.#otlp?.shutdown();
  }

  /** Cumulative: the last export of a counter is the run's total, as in the report. */
  selectAggregationTemporality(): AggregationTemporality {
    return AggregationTemporality.CUMULATIVE;
  }
}

/**
 * The SDK's OTLP/HTTP (JSON) metric exporter with its configuration from the arguments only.
 * `new OTLPMetricExporter()` would also read OTEL_EXPORTER_OTLP_HEADERS, the spans' target's
 * credentials, and send them to the metrics endpoint.
 */
function otlpMetricExporter(
  url: string,
  options: Pick<MetricsFanOutOptions, "headers" | "timeoutMs">,
): OTLPMetricExporterBase {
  const delegate = createOtlpHttpExportDelegate(
    {
      url,
      headers: () => Promise.resolve({ ...options.headers, "Content-Type": "application/json" }),
      timeoutMillis: options.timeoutMs,
      // Exports beyond this while the endpoint is slow are dropped, never queued.
      concurrencyLimit: 2,
      compression: "none",
      // No idle sockets left open once the run ends.
      agentFactory: httpAgentFactoryFromOptions({ keepAlive: false }),
    },
    JsonMetricsSerializer,
    "otlp_http_metric_exporter",
    MetricsExporterMetricsHelper,
    undefined,
  );
  return new OTLPMetricExporterBase(delegate, {
    temporalityPreference: AggregationTemporality.CUMULATIVE,
  });
}

/** One data point in the JSON-lines file. */
export interface MetricsFilePoint {
  /** The point's attributes beside the run id; absent when it has none. */
  attributes?: Record<string, string | number>;
  /** A counter's or gauge's value. */
  value?: number;
  /** A histogram's count, sum, min and max. */
  count?: number;
  sum?: number;
  min?: number;
  max?: number;
}

/** One line of the JSON-lines file: every metric at one collection. */
export interface MetricsFileLine {
  /** When the metrics were collected (ISO 8601). */
  time: string;
  runId?: string;
  /** By metric name: its unit and data points. */
  metrics: Record<string, { unit: string; points: MetricsFilePoint[] }>;
}

/** A collection as one line of the JSON-lines file. */
export function metricsLine(metrics: ResourceMetrics, nowMs: number): MetricsFileLine {
  let runId: string | undefined;
  const byName: MetricsFileLine["metrics"] = {};
  for (const scope of metrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      const points: MetricsFilePoint[] = [];
      for (const point of metric.dataPoints as DataPoint<unknown>[]) {
        const { [RUN_ID_ATTRIBUTE]: run, ...rest } = point.attributes;
        if (typeof run === "string") runId = run;
        const attributes = Object.keys(rest).length > 0
          ? { attributes: rest as Record<string, string | number> }
          : {};
        if (metric.dataPointType === DataPointType.HISTOGRAM) {
          const { count, sum, min, max } = point.value as Histogram;
          points.push({ ...attributes, count, sum: sum ?? 0, min, max });
        } else {
          points.push({ ...attributes, value: point.value as number });
        }
      }
      byName[metric.descriptor.name] = { unit: metric.descriptor.unit, points };
    }
  }
  // In this order, as docs/load.md shows a line: when and which run, then the metrics.
  return {
    time: new Date(nowMs).toISOString(),
    ...(runId === undefined ? {} : { runId }),
    metrics: byName,
  };
}
