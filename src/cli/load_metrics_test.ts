import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadCommand } from "./load.ts";
import { startOtlpReceiver } from "../export/receiver.ts";
import { METRICS } from "../load/metrics.ts";
import type { MetricsFileLine } from "../load/metrics_export.ts";
import type { LoadReport } from "../report/load_report.ts";
import { captureIo, runCommand } from "../../testing/io.ts";
import { relay, taskCommand, until } from "../../testing/cli_process.ts";
import {
  type ReceivedExport,
  type ReceivedMetric,
  startMetricsReceiver,
} from "../../testing/metrics_receiver.ts";

/** A live run of about 2.5 s (arrivals 1.5 s, sessions 100 times faster) with `flags`. */
async function liveRun(env: Record<string, string>, flags: string[]) {
  const dir = await mkdtemp(join(tmpdir(), "load-metrics-"));
  const run = captureIo(env, { now: () => Date.now() });
  const code = await runCommand(loadCommand, [
    "conversations/order-status.yaml",
    "--duration",
    "1500ms",
    "--rate",
    "10/s",
    "--time-scale",
    "100",
    "--seed",
    "3",
    "--workers",
    "1",
    "--out-dir",
    dir,
    "--report",
    join(dir, "report.json"),
    ...flags,
  ], run.io);
  const report: LoadReport | undefined = code === 2
    ? undefined
    : JSON.parse(await readFile(join(dir, "report.json"), "utf8"));
  return { code, run, report, dir };
}

/** The metric `name` of an export. */
function metric(exported: ReceivedExport, name: string): ReceivedMetric {
  const found = exported.metrics.find((m) => m.name === name);
  assert.ok(found, `${name} in ${exported.metrics.map((m) => m.name).join(", ")}`);
  return found;
}

/** The single value of a metric without attributes beside the run id. */
function value(exported: ReceivedExport, name: string): number {
  const points = metric(exported, name).points;
  assert.equal(points.length, 1, name);
  return points[0].value!;
}

test("load --metrics-otlp streams the run's metrics while it runs and its totals at the end", {
  timeout: 60_000,
}, async () => {
  const spans = await startOtlpReceiver();
  const metrics = await startMetricsReceiver();
  try {
    const { code, run, report } = await liveRun(
      { OTEL_EXPORTER_OTLP_ENDPOINT: spans.url },
      ["--metrics-otlp", metrics.url, "--metrics-interval", "500ms"],
    );
    assert.equal(code, 0, run.err());
    assert.ok(report);
    // About 2.5 s at 500 ms: several exports during the run, then one at the end.
    assert.ok(metrics.exports.length >= 3, `${metrics.exports.length} exports`);
    const during = metrics.exports[0];
    assert.ok(value(during, METRICS.generated.name) < report.spans.generated, "sent mid-run");
    const last = metrics.exports[metrics.exports.length - 1];
    assert.equal(last.resource["service.name"], "session-replay");
    for (const exported of metrics.exports) {
      for (const m of exported.metrics) {
        for (const point of m.points) {
          assert.equal(point.attributes["session_replay.run.id"], report.runId, m.name);
        }
      }
    }
    // Every documented metric, with its unit and kind.
    const kinds: Record<string, ReceivedMetric["kind"]> = {
      [METRICS.generated.name]: "sum",
      [METRICS.acknowledged.name]: "sum",
      [METRICS.requests.name]: "sum",
      [METRICS.started.name]: "sum",
      [METRICS.dropped.name]: "sum",
      [METRICS.rate.name]: "gauge",
      [METRICS.activeRequests.name]: "gauge",
      [METRICS.alive.name]: "gauge",
      [METRICS.duration.name]: "histogram",
    };
    const units = Object.fromEntries(Object.values(METRICS).map((m) => [m.name, m.unit]));
    for (const [name, kind] of Object.entries(kinds)) {
      const found = metric(last, name);
      assert.equal(found.kind, kind, name);
      assert.equal(found.unit, units[name], name);
      if (kind === "sum") assert.equal(found.monotonic, true, `${name} is a counter`);
    }
    // The last export is the report's totals.
    assert.equal(value(last, METRICS.generated.name), report.spans.generated);
    assert.equal(value(last, METRICS.acknowledged.name), report.spans.acknowledged);
    assert.equal(value(last, METRICS.started.name), report.arrivals!.started);
    assert.equal(value(last, METRICS.dropped.name), report.arrivals!.dropped);
    assert.equal(value(last, METRICS.alive.name), 0);
    assert.equal(value(last, METRICS.activeRequests.name), 0);
    const requests = Object.fromEntries(
      metric(last, METRICS.requests.name).points.map((p) => [
        String(p.attributes["http.response.status_code"]),
        p.value,
      ]),
    );
    assert.deepEqual(requests, report.requests.byStatus);
    const duration = metric(last, METRICS.duration.name).points[0];
    assert.equal(duration.count, report.requests.byStatus["200"], "one latency per export");
    assert.ok(duration.sum! > 0 && duration.sum! < duration.count! * 10, "in seconds");
  } finally {
    await metrics.close();
    await spans.close();
  }
});

test("load --metrics-file writes one JSON line per interval and the totals last", {
  timeout: 60_000,
}, async () => {
  const spans = await startOtlpReceiver();
  try {
    const dir = await mkdtemp(join(tmpdir(), "load-metrics-file-"));
    const file = join(dir, "metrics.jsonl");
    const { code, run, report } = await liveRun(
      { OTEL_EXPORTER_OTLP_ENDPOINT: spans.url },
      ["--metrics-file", file, "--metrics-interval", "500ms"],
    );
    assert.equal(code, 0, run.err());
    assert.ok(report);
    const text = (await readFile(file, "utf8")).trimEnd().split("\n");
    const lines: MetricsFileLine[] = text.map((line) => JSON.parse(line));
    // As docs/load.md shows a line: when and which run first, then the metrics.
    for (const line of text) assert.match(line, /^\{"time":"[^"]+","runId":"run_\w+","metrics":\{/);
    const seconds = report.durationMs / 1000;
    // One line each 500 ms (give or take one at the edges), and one at the end.
    assert.ok(
      Math.abs(lines.length - (Math.floor(seconds / 0.5) + 1)) <= 1,
      `${lines.length} lines over ${seconds} s`,
    );
    const times = lines.map((line) => Date.parse(line.time));
    assert.deepEqual(times, [...times].sort((a, b) => a - b), "in time order");
    const last = lines[lines.length - 1];
    assert.equal(last.runId, report.runId);
    assert.deepEqual(last.metrics[METRICS.generated.name], {
      unit: "{span}",
      points: [{ value: report.spans.generated }],
    });
    assert.deepEqual(last.metrics[METRICS.acknowledged.name].points, [{
      value: report.spans.acknowledged,
    }]);
    assert.deepEqual(last.metrics[METRICS.started.name].points, [{
      value: report.arrivals!.started,
    }]);
    assert.equal(last.metrics[METRICS.duration.name].unit, "s");
  } finally {
    await spans.close();
  }
});

test("a dead metrics endpoint is a warning: the run's exit code and spans are the same", {
  timeout: 60_000,
}, async () => {
  const spans = await startOtlpReceiver();
  const dead = await startMetricsReceiver();
  await dead.close();
  try {
    const { code, run, report } = await liveRun(
      { OTEL_EXPORTER_OTLP_ENDPOINT: spans.url, OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: dead.url },
      ["--metrics-interval", "500ms"],
    );
    assert.equal(code, 0, run.err());
    assert.ok(report);
    assert.equal(report.spans.failed, 0);
    assert.equal(report.spans.acknowledged, report.spans.generated);
    assert.equal(report.spans.acknowledged, spans.spans.length);
    assert.match(run.err(), /metrics: the --metrics-otlp endpoint did not take them/);
    assert.match(run.err(), /metrics: \d+ of \d+ exports to the --metrics-otlp endpoint failed/);
    assert.equal(run.err().match(/did not take them/g)?.length, 1, "said once");
  } finally {
    await spans.close();
  }
});

test("the metrics carry no secret: the spans' headers stay with the spans", {
  timeout: 60_000,
}, async () => {
  const spans = await startOtlpReceiver();
  const metrics = await startMetricsReceiver();
  const secret = "sk-lf-metrics-secret-0123456789";
  try {
    const dir = await mkdtemp(join(tmpdir(), "load-metrics-secret-"));
    const file = join(dir, "metrics.jsonl");
    const { code, run } = await liveRun(
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: spans.url,
        OTEL_EXPORTER_OTLP_HEADERS: `Authorization=Basic ${secret}`,
        OTEL_EXPORTER_OTLP_METRICS_HEADERS: "x-metrics-tenant=team-a",
      },
      ["--metrics-otlp", metrics.url, "--metrics-file", file, "--metrics-interval", "500ms"],
    );
    assert.equal(code, 0, run.err());
    assert.ok(metrics.exports.length > 0);
    for (const exported of metrics.exports) {
      assert.equal(exported.headers.authorization, undefined, "no spans' credentials");
      assert.equal(exported.headers["x-metrics-tenant"], "team-a");
      assert.doesNotMatch(JSON.stringify(exported), new RegExp(secret));
    }
    assert.doesNotMatch(await readFile(file, "utf8"), new RegExp(secret));
  } finally {
    await metrics.close();
    await spans.close();
  }
});

test("the metrics flags refuse a bad URL, a bad interval and an interval alone", async () => {
  for (
    const [flags, message] of [
      [["--metrics-otlp", "localhost:4318"], /--metrics-otlp must be an http:\/\/ or https/],
      // The example is a metrics route, not Langfuse's address (Langfuse takes no metrics).
      [
        ["--metrics-otlp", "4318/v1/metrics"],
        /--metrics-otlp is not a URL \(expected e\.g\. http:\/\/localhost:4318\/v1\/metrics\)/,
      ],
      [
        ["--metrics-file", "m.jsonl", "--metrics-interval", "10ms"],
        /--metrics-interval must be at least 100ms/,
      ],
      [
        ["--metrics-interval", "5s"],
        /--metrics-interval applies with --metrics-otlp or --metrics-file/,
      ],
    ] as const
  ) {
    const run = captureIo({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318/v1/traces" });
    const code = await runCommand(loadCommand, [
      "conversations/order-status.yaml",
      "--sessions",
      "1",
      ...flags,
    ], run.io);
    assert.equal(code, 2, run.err());
    assert.match(run.err(), message);
  }
});

test("failed spans are counted by reason in the metrics, as in the report", {
  timeout: 60_000,
}, async () => {
  const spans = await startOtlpReceiver({
    respond: () => ({ rejectSpans: { count: 1, message: "span too large" } }),
  });
  try {
    const dir = await mkdtemp(join(tmpdir(), "load-metrics-failed-"));
    const file = join(dir, "metrics.jsonl");
    const run = captureIo({ OTEL_EXPORTER_OTLP_ENDPOINT: spans.url }, { now: () => Date.now() });
    const code = await runCommand(loadCommand, [
      "conversations/order-status.yaml",
      ...["--sessions", "20", "--seed", "4", "--batch-size", "16", "--max-failed", "1000"],
      ...["--out-dir", dir, "--report", join(dir, "report.json"), "--metrics-file", file],
    ], run.io);
    assert.equal(code, 0, run.err());
    const report: LoadReport = JSON.parse(await readFile(join(dir, "report.json"), "utf8"));
    assert.ok(report.spans.failed > 0);
    const last: MetricsFileLine = JSON.parse(
      (await readFile(file, "utf8")).trimEnd().split("\n").at(-1)!,
    );
    const failed = Object.fromEntries(
      last.metrics[METRICS.failed.name].points.map((p) => [p.attributes!["error.type"], p.value]),
    );
    assert.deepEqual(failed, report.spans.failures);
    assert.equal(
      last.metrics[METRICS.acknowledged.name].points[0].value,
      report.spans.acknowledged,
    );
  } finally {
    await spans.close();
  }
});

test("SIGTERM to a load with worker threads still exports the report's totals last", {
  timeout: 180_000,
}, async () => {
  const spans = await startOtlpReceiver({ respond: () => ({ delayMs: 300 }) });
  try {
    const dir = await mkdtemp(join(tmpdir(), "load-metrics-term-"));
    const reportFile = join(dir, "report.json");
    const file = join(dir, "metrics.jsonl");
    const run = relay(
      taskCommand("load", [
        "conversations/order-status.yaml",
        ...["--sessions", "200000", "--workers", "2", "--max-in-flight", "4"],
        ...["--out-dir", dir, "--report", reportFile],
        ...["--metrics-file", file, "--metrics-interval", "200ms"],
      ]),
      { OTEL_EXPORTER_OTLP_ENDPOINT: spans.url },
    );
    await until(() => spans.requests.length >= 4);
    run.signal("SIGTERM", "leader");
    const { code, stderr } = await run.exited;
    assert.equal(code, 143, stderr);
    const report: LoadReport = JSON.parse(await readFile(reportFile, "utf8"));
    const lines: MetricsFileLine[] = (await readFile(file, "utf8")).trimEnd().split("\n")
      .map((line) => JSON.parse(line));
    const last = lines.at(-1)!;
    const single = (name: string) => last.metrics[name].points[0].value;
    assert.equal(single(METRICS.generated.name), report.spans.generated);
    assert.equal(single(METRICS.acknowledged.name), report.spans.acknowledged);
    assert.equal(single(METRICS.started.name), report.sessions);
    assert.equal(single(METRICS.alive.name), 0);
  } finally {
    await spans.close();
  }
});
