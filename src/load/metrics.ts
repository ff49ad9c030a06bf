/**
 * Live metrics of a load run (`--metrics-otlp`, `--metrics-file`): the run's counts as
 * OpenTelemetry metrics, through the OpenTelemetry metrics SDK, every interval and once at the
 * end. The counts are read from where the run keeps them (the pipeline's or the workers' sums
 * while it goes, the merged result at the end), so the last export equals the load report.
 * The names and units are listed in docs/load.md.
 *
 * @example
 * ```ts
 * const metrics = LiveMetrics.start({ runId, intervalMs: 5000, otlpUrl, read, now, warn });
 * const feed = metrics.watch(running.delivery);
 * await metrics.finish(finalReading);
 * ```
 */
import type { Attributes } from "@opentelemetry/api";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { type DeliveryFeed, teeLatency } from "../export/stats.ts";
import { VERSION } from "../version.ts";
import { MetricsFanOut, RUN_ID_ATTRIBUTE } from "./metrics_export.ts";
import type { SessionsResult, SessionsView } from "./workers.ts";

/** The metrics, by name: what each is and its unit (UCUM, as OpenTelemetry's conventions). */
export const METRICS = {
  generated: {
    name: "session_replay.spans.generated",
    unit: "{span}",
    description: "Spans handed to the exporter",
  },
  acknowledged: {
    name: "session_replay.spans.acknowledged",
    unit: "{span}",
    description: "Spans the target acknowledged",
  },
  failed: {
    name: "session_replay.spans.failed",
    unit: "{span}",
    description: "Spans that failed, by reason (error.type)",
  },
  rate: {
    name: "session_replay.spans.rate",
    unit: "{span}/s",
    description: "Spans acknowledged per second since the previous export",
  },
  requests: {
    name: "session_replay.export.requests",
    unit: "{request}",
    description: "Export requests answered, by HTTP status, or by error.type when none came",
  },
  activeRequests: {
    name: "session_replay.export.active_requests",
    unit: "{request}",
    description: "Export requests under way",
  },
  duration: {
    name: "session_replay.export.duration",
    unit: "s",
    description: "Duration of each successful export, retries included",
  },
  started: {
    name: "session_replay.sessions.started",
    unit: "{session}",
    description: "Sessions started",
  },
  dropped: {
    name: "session_replay.sessions.dropped",
    unit: "{session}",
    description: "Live arrivals dropped (late, or too many sessions alive)",
  },
  alive: {
    name: "session_replay.sessions.alive",
    unit: "{session}",
    description: "Sessions under way",
  },
} as const;

/** The export duration's buckets, s: OpenTelemetry's advice for HTTP request durations. */
const DURATION_BUCKETS = [
  0.005,
  0.01,
  0.025,
  0.05,
  0.075,
  0.1,
  0.25,
  0.5,
  0.75,
  1,
  2.5,
  5,
  7.5,
  10,
];

/** The longest one OTLP export of the metrics may take, ms (less when the interval is shorter). */
const OTLP_TIMEOUT_MS = 10_000;

/** The run's counts at one moment. */
export interface MetricsReading {
  generated: number;
  acknowledged: number;
  /** Failed spans by reason. */
  failures: ReadonlyMap<string, number>;
  /** Responses by HTTP status, or "network" / "timeout" when none came. */
  byStatus: ReadonlyMap<string, number>;
  sessionsStarted: number;
  sessionsDropped: number;
  sessionsAlive: number;
  inFlight: number;
}

/** Options of {@link LiveMetrics}. */
export interface LiveMetricsOptions {
  /** The run id, on every data point. */
  runId: string;
  /** How often the metrics are exported, ms. */
  intervalMs: number;
  /** The OTLP/HTTP metrics endpoint (full URL); none: no OTLP. */
  otlpUrl?: string;
  /** Its headers (OTEL_EXPORTER_OTLP_METRICS_HEADERS); default none. */
  headers?: Record<string, string>;
  /** Writes one JSON line per export (the --metrics-file); none: no file. */
  writeLine?: (line: string) => void;
  /** The run's counts now. */
  read: () => MetricsReading;
  /** Removes the run's secrets from a failure reason. */
  clean?: (text: string) => string;
  now: () => number;
  /** Says that the endpoint did not take the metrics (once); the run goes on. */
  warn: (text: string) => void;
}

/** A run's metrics under way. */
export class LiveMetrics {
  readonly #options: LiveMetricsOptions;
  readonly #provider: MeterProvider;
  readonly #fanOut: MetricsFanOut;
  readonly #latency: (ms: number) => void;
  #read: () => MetricsReading;
  #last: { acknowledged: number; ms: number };

  private constructor(options: LiveMetricsOptions) {
    this.#options = options;
    this.#read = options.read;
    this.#last = { acknowledged: 0, ms: options.now() };
    this.#fanOut = new MetricsFanOut({
      otlpUrl: options.otlpUrl,
      headers: options.headers,
      timeoutMs: Math.min(OTLP_TIMEOUT_MS, options.intervalMs),
      writeLine: options.writeLine,
      now: options.now,
      warn: (reason) =>
        options.warn(
          `metrics: the --metrics-otlp endpoint did not take them (${
            options.clean?.(reason) ?? reason
          }); the run goes on`,
        ),
    });
    this.#provider = new MeterProvider({
      resource: resourceFromAttributes({
        "service.name": "session-replay",
        "service.version": VERSION,
      }),
      readers: [
        new PeriodicExportingMetricReader({
          exporter: this.#fanOut,
          exportIntervalMillis: options.intervalMs,
          exportTimeoutMillis: Math.min(OTLP_TIMEOUT_MS, options.intervalMs),
        }),
      ],
    });
    this.#latency = this.#instruments();
  }

  /** Starts exporting every `intervalMs`. */
  static start(options: LiveMetricsOptions): LiveMetrics {
    return new LiveMetrics(options);
  }

  /** Records the export latencies of `feed`; returns the feed for other listeners. */
  watch(feed: DeliveryFeed): DeliveryFeed {
    return teeLatency(feed, this.#latency);
  }

  /**
   * Exports `final` (the run's totals, as in its report) once more and stops; an endpoint that
   * is down costs at most one export's timeout. Says how many exports it did not take.
   */
  async finish(final: MetricsReading): Promise<void> {
    this.#read = () => final;
    try {
      await this.#provider.shutdown();
    } catch {
      // Already said by the exporter; the metrics never fail the run.
    }
    const { tried, failed } = this.#fanOut.otlpExports;
    if (failed > 0) {
      this.#options.warn(
        `metrics: ${failed} of ${tried} exports to the --metrics-otlp endpoint failed`,
      );
    }
  }

  /** Creates the instruments; returns what records one export latency (ms). */
  #instruments(): (ms: number) => void {
    const meter = this.#provider.getMeter("session-replay", VERSION);
    const run: Attributes = { [RUN_ID_ATTRIBUTE]: this.#options.runId };
    const clean = this.#options.clean ?? ((text: string) => text);
    const counter = (m: { name: string; unit: string; description: string }) =>
      meter.createObservableCounter(m.name, { unit: m.unit, description: m.description });
    const gauge = (m: { name: string; unit: string; description: string }) =>
      meter.createObservableGauge(m.name, { unit: m.unit, description: m.description });
    const generated = counter(METRICS.generated);
    const acknowledged = counter(METRICS.acknowledged);
    const failed = counter(METRICS.failed);
    const requests = counter(METRICS.requests);
    const started = counter(METRICS.started);
    const dropped = counter(METRICS.dropped);
    const rate = gauge(METRICS.rate);
    const active = gauge(METRICS.activeRequests);
    const alive = gauge(METRICS.alive);
    meter.addBatchObservableCallback((observe) => {
      const now = this.#read();
      observe.observe(generated, now.generated, run);
      observe.observe(acknowledged, now.acknowledged, run);
      for (const [reason, count] of now.failures) {
        observe.observe(failed, count, { ...run, "error.type": clean(reason) });
      }
      for (const [status, count] of now.byStatus) {
        const code = Number(status);
        observe.observe(requests, count, {
          ...run,
          ...(Number.isInteger(code)
            ? { "http.response.status_code": code }
            : { "error.type": clean(status) }),
        });
      }
      observe.observe(started, now.sessionsStarted, run);
      observe.observe(dropped, now.sessionsDropped, run);
      observe.observe(alive, now.sessionsAlive, run);
      observe.observe(active, now.inFlight, run);
      const ms = this.#options.now();
      const elapsed = ms - this.#last.ms;
      observe.observe(
        rate,
        elapsed > 0 ? ((now.acknowledged - this.#last.acknowledged) * 1000) / elapsed : 0,
        run,
      );
      this.#last = { acknowledged: now.acknowledged, ms };
    }, [generated, acknowledged, failed, requests, started, dropped, rate, active, alive]);
    const duration = meter.createHistogram(METRICS.duration.name, {
      unit: METRICS.duration.unit,
      description: METRICS.duration.description,
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    });
    return (ms) => duration.record(ms / 1000, run);
  }
}

/** The counts of a run under way (`live`: sessions started are arrivals started). */
export function liveReading(
  view: SessionsView,
  feed: Pick<DeliveryFeed, "failures" | "byStatus">,
  live: boolean,
): MetricsReading {
  return {
    generated: view.generated,
    acknowledged: view.acknowledged,
    failures: feed.failures,
    byStatus: feed.byStatus,
    sessionsStarted: live ? view.live.started : view.sessions,
    sessionsDropped: view.live.dropped,
    sessionsAlive: view.live.alive,
    inFlight: view.inFlight,
  };
}

/** The counts of a finished run: its report's totals. */
export function finalReading(result: SessionsResult): MetricsReading {
  const { stats, live } = result;
  return {
    generated: stats.generated,
    acknowledged: stats.acknowledged,
    failures: stats.failures,
    byStatus: stats.byStatus,
    sessionsStarted: live ? live.started : result.population.sessions,
    sessionsDropped: live?.dropped ?? 0,
    sessionsAlive: 0,
    inFlight: 0,
  };
}
