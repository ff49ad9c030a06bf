/**
 * The live metrics flags of `load` (see docs/load.md, "Live metrics"): where the run's metrics
 * go while it runs, and how often. Checked before anything is sent.
 */
import { checkUrl, parseHeaders, TargetError } from "../export/target.ts";
import { CliError, EXIT } from "../run/exit_codes.ts";
import type { MetricsSpec } from "../run/load_spec.ts";
import { durationFlag, textFlag } from "./flags.ts";

/** The default `--metrics-interval`, ms. */
export const DEFAULT_METRICS_INTERVAL_MS = 5_000;

/** The live metrics flags, declared once (see flags.ts). */
export const METRICS_FLAGS = {
  "metrics-otlp": textFlag(
    "URL",
    "stream the run's metrics as OpenTelemetry metrics over OTLP/HTTP to URL while it runs, " +
      "e.g. http://localhost:4318/v1/metrics (default $OTEL_EXPORTER_OTLP_METRICS_ENDPOINT); " +
      "an endpoint that is down is a warning, never a failure",
  ),
  "metrics-file": textFlag(
    "FILE",
    "write the run's metrics to FILE as JSON lines, one each --metrics-interval and one at the end",
  ),
  "metrics-interval": durationFlag(
    "D",
    "how often the metrics are exported (default 5s, from 100ms to 1h)",
    {
      minMs: 100,
      minText: "100ms",
      maxMs: 3_600_000,
      maxText: "1h",
      default: DEFAULT_METRICS_INTERVAL_MS,
    },
  ),
};

/** The flag values this module looks at. */
export interface MetricsFlagValues {
  "metrics-otlp"?: string;
  "metrics-file"?: string;
  "metrics-interval"?: string;
}

/**
 * Where the metrics go, from the flags and the environment (OTEL_EXPORTER_OTLP_METRICS_ENDPOINT
 * and _HEADERS); undefined when nowhere. Throws a usage error naming the flag or variable.
 */
export function metricsSpecOf(
  values: MetricsFlagValues,
  intervalMs: number,
  env: Record<string, string | undefined>,
): MetricsSpec | undefined {
  const fromEnv = env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT || undefined;
  const url = values["metrics-otlp"] ?? fromEnv;
  const file = values["metrics-file"];
  if (url === undefined && file === undefined) {
    if (values["metrics-interval"] !== undefined) {
      throw new CliError(
        "--metrics-interval applies with --metrics-otlp or --metrics-file",
        EXIT.usage,
      );
    }
    return undefined;
  }
  try {
    const name = values["metrics-otlp"] !== undefined
      ? "--metrics-otlp"
      : "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT";
    const otlpUrl = url === undefined ? undefined : checkUrl(url, name, {
      example: "http://localhost:4318/v1/metrics",
    });
    const headers = otlpUrl === undefined ? {} : parseHeaders(
      env.OTEL_EXPORTER_OTLP_METRICS_HEADERS,
      "OTEL_EXPORTER_OTLP_METRICS_HEADERS",
    );
    return {
      ...(otlpUrl === undefined ? {} : { otlpUrl }),
      ...(Object.keys(headers).length > 0 ? { headers } : {}),
      ...(file === undefined ? {} : { file }),
      intervalMs,
    };
  } catch (error) {
    if (error instanceof TargetError) throw new CliError(error.message, EXIT.usage);
    throw error;
  }
}
