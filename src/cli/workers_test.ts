import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../main.ts";
import { startOtlpReceiver } from "../export/receiver.ts";
import type { Io } from "../run/io.ts";
import type { LoadReport } from "../report/load_report.ts";
import type { HtmlReportData } from "../report/html_report.ts";
import type { TimelinePoint } from "../report/timeline_series.ts";
import { captureIo } from "../../testing/io.ts";
import { sortedDigests } from "../../testing/spans.ts";
import { decodeTraceRequest } from "../otlp/decode.ts";

const SCRIPTS = ["conversations/order-status.yaml", "conversations/handoff.yaml"];

async function load(url: string, flags: string[], overrides: Partial<Io> = {}) {
  const dir = await mkdtemp(join(tmpdir(), "workers-"));
  const run = captureIo({ OTEL_EXPORTER_OTLP_ENDPOINT: url }, overrides);
  const reportFile = join(dir, "report.json");
  const code = await main(
    [
      "load",
      ...SCRIPTS,
      "--seed",
      "5",
      "--no-review",
      "--out-dir",
      dir,
      "--report",
      reportFile,
      ...flags,
    ],
    run.io,
  );
  const report: LoadReport = JSON.parse(await readFile(reportFile, "utf8"));
  const lines = (await readFile(report.sessionsFile, "utf8")).trim().split("\n").filter(Boolean);
  return { code, report, lines, run };
}

describe("load --workers N", () => {
  it("--html charts a run across worker threads as it charts the same run on one", async () => {
    const receiver = await startOtlpReceiver();
    try {
      const dir = await mkdtemp(join(tmpdir(), "workers-html-"));
      const page = async (workers: string) => {
        const html = join(dir, `load-${workers}.html`);
        const flags = [
          ...["--sessions", "150", "--spread", "2d", "--at", "2026-11-20T14:00:00Z"],
          ...["--batch-size", "50", "--workers", workers, "--html", html],
        ];
        const { code, report, run } = await load(receiver.url, flags, { now: () => Date.now() });
        assert.equal(code, 0, run.err());
        assert.equal(report.workers, Number(workers));
        const text = await readFile(html, "utf8");
        const json = /<script type="application\/json" id="report-data">(.*?)<\/script>/s
          .exec(text)![1];
        return { report, data: JSON.parse(json) as HtmlReportData };
      };
      const one = await page("1");
      const two = await page("2");
      // The population's charts come from the same sessions, however the run was split.
      assert.deepEqual(two.data.population, one.data.population);
      assert.deepEqual(two.data.usersBySessions, one.data.usersBySessions);
      assert.ok(one.data.rhythm && one.data.rhythm.bins.reduce((a, b) => a + b, 0) === 150);
      assert.deepEqual(two.data.rhythm, one.data.rhythm, "the sessions per hour of the window");
      // The time series count every session, span, request and latency of every worker.
      for (const { report, data } of [one, two]) {
        const sum = (f: (p: TimelinePoint) => number) =>
          data.timeline.points.reduce((n, p) => n + f(p), 0);
        assert.equal(sum((p) => p.sessions), 150);
        assert.equal(sum((p) => p.generated), report.spans.generated);
        assert.equal(sum((p) => p.acknowledged), report.spans.acknowledged);
        assert.equal(sum((p) => p.requests), report.requests.total);
        assert.equal(sum((p) => p.statuses["200"] ?? 0), report.requests.byStatus["200"]);
        assert.equal(sum((p) => p.latency?.count ?? 0), report.requests.byStatus["200"]);
      }
      assert.equal(two.report.spans.acknowledged, one.report.spans.acknowledged);
    } finally {
      await receiver.close();
    }
  });

  it("two worker threads send exactly what one sends, span for span, and report the same counts", async () => {
    const one = await startOtlpReceiver();
    const two = await startOtlpReceiver();
    try {
      const backfill = ["--sessions", "150", "--at", "2026-11-20T14:00:00Z", "--batch-size", "50"];
      const a = await load(one.url, [...backfill, "--workers", "1"]);
      const b = await load(two.url, [...backfill, "--workers", "2"]);
      assert.equal(a.code, 0, a.run.err());
      assert.equal(b.code, 0, b.run.err());
      assert.equal(b.report.workers, 2);
      assert.equal(a.report.workers, 1);
      assert.deepEqual(sortedDigests(two.spans), sortedDigests(one.spans));
      const same = (r: LoadReport) => ({
        runId: r.runId,
        sessions: r.sessions,
        users: r.users,
        spans: r.spans,
        population: r.population,
        sessionIds: r.sessionIds,
      });
      assert.deepEqual(same(b.report), same(a.report));
      assert.equal(b.report.spans.acknowledged, two.spans.length);
      assert.deepEqual([...b.lines].sort(), [...a.lines].sort(), "the same sessions file lines");
      assert.equal(
        b.report.requests.byStatus["200"],
        b.report.requests.total,
        "every request counted",
      );
      assert.match(
        b.run.progress(),
        new RegExp(
          `sessions 150/150 · spans ${two.spans.length} · .*acknowledged ${two.spans.length} · failed 0`,
        ),
        "the last progress line sums the workers",
      );
    } finally {
      await one.close();
      await two.close();
    }
  });

  it("with --target file, the workers' parts are joined into the one file: the same spans as one worker writes", async () => {
    const spansOf = async (file: string) =>
      (await readFile(file, "utf8")).trim().split("\n").flatMap((line) =>
        decodeTraceRequest(new TextEncoder().encode(line), "application/json")
      );
    const dir = await mkdtemp(join(tmpdir(), "workers-file-"));
    const flags = ["--sessions", "60", "--at", "2026-11-20T14:00:00Z", "--target", "file"];
    const a = await load("", [...flags, "--out", join(dir, "one.jsonl"), "--workers", "1"]);
    const b = await load("", [...flags, "--out", join(dir, "two.jsonl"), "--workers", "2"]);
    assert.equal(a.code, 0, a.run.err());
    assert.equal(b.code, 0, b.run.err());
    assert.equal(b.report.workers, 2);
    const two = await spansOf(join(dir, "two.jsonl"));
    assert.equal(two.length, b.report.spans.acknowledged);
    assert.deepEqual(sortedDigests(two), sortedDigests(await spansOf(join(dir, "one.jsonl"))));
  });

  it("live arrivals split across two workers start the same sessions as one worker", {
    timeout: 60_000,
  }, async () => {
    const one = await startOtlpReceiver();
    const two = await startOtlpReceiver();
    try {
      const live = ["--duration", "2s", "--rate", "20/s", "--time-scale", "100"];
      const a = await load(one.url, [...live, "--workers", "1"], { now: () => Date.now() });
      const b = await load(two.url, [...live, "--workers", "2"], { now: () => Date.now() });
      assert.equal(a.code, 0, a.run.err());
      assert.equal(b.code, 0, b.run.err());
      assert.equal(b.report.arrivals?.scheduled, 40);
      assert.equal(b.report.arrivals?.started, 40);
      assert.equal(b.report.arrivals?.dropped, 0);
      // A live run's id (and so its trace ids) comes from its start; its sessions do not.
      const sessions = (lines: string[]) =>
        lines.map((line) => JSON.parse(line) as { sessionId: string; userId: string })
          .map(({ sessionId, userId }) => `${sessionId} ${userId}`).sort();
      assert.deepEqual(sessions(b.lines), sessions(a.lines), "the same sessions and users");
      assert.equal(two.spans.length, one.spans.length);
      assert.deepEqual(b.report.population, a.report.population);
    } finally {
      await one.close();
      await two.close();
    }
  });

  it(
    "Ctrl-C stops every worker: what was in flight is delivered, the report is written, exit 130",
    {
      timeout: 60_000,
    },
    async () => {
      const receiver = await startOtlpReceiver();
      try {
        const { code, report } = await load(
          receiver.url,
          ["--sessions", "20000", "--workers", "2"],
          { interrupted: () => receiver.spans.length >= 2000, now: () => Date.now() },
        );
        assert.equal(code, 130);
        assert.equal(report.stopped, "interrupted (Ctrl-C)");
        assert.ok(report.sessions > 0 && report.sessions < 20000, `${report.sessions} sessions`);
        assert.equal(report.spans.failed, 0);
        assert.equal(report.spans.generated, report.spans.acknowledged);
        assert.equal(report.spans.acknowledged, receiver.spans.length);
      } finally {
        await receiver.close();
      }
    },
  );

  it("a dead endpoint ends every worker within seconds: each span failed with the reason, exit 4", {
    timeout: 60_000,
  }, async () => {
    const receiver = await startOtlpReceiver();
    await receiver.close();
    const { code, report, run } = await load(
      receiver.url,
      ["--sessions", "3000", "--workers", "2"],
      { now: () => Date.now() },
    );
    assert.equal(code, 4, run.err());
    assert.match(report.stopped!, /^the endpoint refused every connection for 5s/);
    assert.equal(report.spans.acknowledged, 0);
    assert.ok(report.spans.failed > 0);
    assert.equal(report.spans.generated, report.spans.failed);
    assert.deepEqual(Object.keys(report.spans.failures), [report.stopped]);
    assert.ok(report.sessions < 3000, "new sessions stopped once the endpoint was dead");
  });
});
