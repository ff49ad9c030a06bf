/**
 * A loopback OTLP/HTTP metrics receiver (`POST /v1/metrics`, OTLP JSON, as a Collector takes
 * it): keeps each export, decoded, and answers as a Collector does, an empty
 * ExportMetricsServiceResponse.
 */
import { createServer, type Server } from "node:http";
import { closeServer, listenOnLoopback, readBody } from "../src/http/loopback.ts";

/** One data point as received: its attributes and its value (a histogram's count and sum). */
export interface ReceivedPoint {
  attributes: Record<string, string | number | boolean>;
  value?: number;
  count?: number;
  sum?: number;
}

/** One metric of one export. */
export interface ReceivedMetric {
  name: string;
  unit: string;
  kind: "sum" | "gauge" | "histogram";
  /** For sums: whether it only goes up (a counter). */
  monotonic?: boolean;
  points: ReceivedPoint[];
}

/** One export request. */
export interface ReceivedExport {
  resource: Record<string, string | number | boolean>;
  metrics: ReceivedMetric[];
  headers: Record<string, string | string[] | undefined>;
}

/** A running receiver. */
export interface MetricsReceiver {
  /** The endpoint, e.g. http://127.0.0.1:PORT/v1/metrics. */
  url: string;
  exports: ReceivedExport[];
  close(): Promise<void>;
}

interface JsonAnyValue {
  stringValue?: string;
  intValue?: number | string;
  doubleValue?: number;
  boolValue?: boolean;
}
interface JsonKeyValue {
  key: string;
  value: JsonAnyValue;
}
interface JsonPoint {
  attributes?: JsonKeyValue[];
  asDouble?: number;
  asInt?: number | string;
  count?: number | string;
  sum?: number;
}
interface JsonMetric {
  name: string;
  unit?: string;
  sum?: { dataPoints: JsonPoint[]; isMonotonic?: boolean };
  gauge?: { dataPoints: JsonPoint[] };
  histogram?: { dataPoints: JsonPoint[] };
}
interface JsonRequest {
  resourceMetrics?: {
    resource?: { attributes?: JsonKeyValue[] };
    scopeMetrics?: { metrics?: JsonMetric[] }[];
  }[];
}

/** Starts a receiver on loopback. */
export async function startMetricsReceiver(): Promise<MetricsReceiver> {
  const exports: ReceivedExport[] = [];
  const server: Server = createServer(async (req, res) => {
    const body = new TextDecoder().decode(await readBody(req));
    if (req.method !== "POST" || req.url !== "/v1/metrics") {
      res.writeHead(404).end();
      return;
    }
    const request = JSON.parse(body) as JsonRequest;
    for (const resourceMetrics of request.resourceMetrics ?? []) {
      exports.push({
        resource: attributesOf(resourceMetrics.resource?.attributes),
        metrics: (resourceMetrics.scopeMetrics ?? []).flatMap((scope) =>
          (scope.metrics ?? []).map(metricOf)
        ),
        headers: req.headers,
      });
    }
    res.writeHead(200, { "content-type": "application/json" }).end("{}");
  });
  const base = await listenOnLoopback(server);
  return { url: `${base}/v1/metrics`, exports, close: () => closeServer(server) };
}

function metricOf(metric: JsonMetric): ReceivedMetric {
  const base = { name: metric.name, unit: metric.unit ?? "" };
  if (metric.histogram) {
    return {
      ...base,
      kind: "histogram",
      points: metric.histogram.dataPoints.map((point) => ({
        attributes: attributesOf(point.attributes),
        count: Number(point.count ?? 0),
        sum: point.sum ?? 0,
      })),
    };
  }
  const data = metric.sum ?? metric.gauge;
  return {
    ...base,
    kind: metric.sum ? "sum" : "gauge",
    ...(metric.sum ? { monotonic: metric.sum.isMonotonic ?? false } : {}),
    points: (data?.dataPoints ?? []).map((point) => ({
      attributes: attributesOf(point.attributes),
      value: Number(point.asDouble ?? point.asInt ?? 0),
    })),
  };
}

function attributesOf(list: JsonKeyValue[] = []): Record<string, string | number | boolean> {
  const attributes: Record<string, string | number | boolean> = {};
  for (const { key, value } of list) {
    attributes[key] = value.stringValue ?? value.boolValue ??
      (value.intValue !== undefined ? Number(value.intValue) : value.doubleValue ?? "");
  }
  return attributes;
}
