import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../main.ts";
import { startOtlpReceiver } from "../export/receiver.ts";
import { captureIo } from "../../testing/io.ts";
import { chromiumOrNotRun, renderInChromium } from "../../testing/chromium.ts";
import { checkHtmlPage } from "../../testing/html_page.ts";
import type { HtmlReportData } from "../report/html_report.ts";
import type { TimelinePoint } from "../report/timeline_series.ts";

const SECRET = "sekrit-token-4f9a2c";

/** The number of marks each chart drew, from the DOM: `{ spans: 12, ... }`. */
function charts(dom: string): Record<string, number> {
  return Object.fromEntries(
    [...dom.matchAll(/<svg data-chart="([^"]+)" data-points="(\d+)"/g)].map((
      m,
    ) => [m[1], Number(m[2])]),
  );
}

/** The marks really in the DOM of the chart `id` (dots, lines, bars). */
function marks(dom: string, id: string): number {
  const start = dom.indexOf(`<svg data-chart="${id}"`);
  const svg = dom.slice(start, dom.indexOf("</svg>", start));
  return (svg.match(/class="mark/g) ?? []).length;
}

test("load --html writes a whole page whose scripts compile, and a real browser renders every chart with no error", async () => {
  const receiver = await startOtlpReceiver({
    respond: ({ index }) => {
      if (index === 1) return { status: 503, headers: { "retry-after": "0" } };
      if (index === 3) return { status: 400, body: `bad key ${SECRET}` };
      return undefined;
    },
  });
  try {
    const dir = await mkdtemp(join(tmpdir(), "load-html-"));
    const page = join(dir, "report", "load.html");
    const run = captureIo({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer ${SECRET}`,
    }, { now: () => Date.now() });
    const code = await main([
      "load",
      "conversations/order-status.yaml",
      "conversations/refund.yaml",
      "conversations/handoff.yaml",
      "--sessions",
      "200",
      "--spread",
      "2d",
      "--seed",
      "3",
      "--at",
      "2026-11-25T12:00:00Z",
      "--batch-size",
      "100",
      "--out-dir",
      dir,
      "--html",
      page,
    ], run.io);
    assert.equal(code, 4, "a batch was refused with 400, so the run fails, and still reports");
    const html = await readFile(page, "utf8");
    assert.ok(!html.includes(SECRET), "the secret in the failure reason is redacted");
    assert.match(html, /HTTP 400: bad key \[redacted\]/);
    const data = JSON.parse(
      /<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(html)![1],
    ) as HtmlReportData;
    const sum = (f: (p: TimelinePoint) => number) =>
      data.timeline.points.reduce((n, p) => n + f(p), 0);
    assert.equal(sum((p) => p.acknowledged), data.spans.acknowledged, "every span is on the chart");
    assert.equal(sum((p) => p.failed), 100);
    assert.equal(sum((p) => p.generated), data.spans.generated);
    assert.equal(sum((p) => p.sessions), 200);
    assert.equal(sum((p) => p.retried), 1);
    assert.equal(sum((p) => p.statuses["503"] ?? 0), 1);
    assert.equal(sum((p) => p.latency?.count ?? 0), data.requests.byStatus["200"]);

    const read = checkHtmlPage(html);
    assert.deepEqual(read.problems, [], "the markup is whole and its scripts compile");
    assert.deepEqual(read.sections, ["summary", "over-time", "rhythm", "users", "population"]);
    assert.equal(read.scripts, 2, "the error recorder and the tooltip script");
    assert.ok(
      Object.values(read.charts).every((points) => points > 0),
      JSON.stringify(read.charts),
    );

    if (!(await chromiumOrNotRun("load --html: the page in a real browser"))) return;
    const { dom, console } = await renderInChromium(page);
    assert.deepEqual(console, [], "the browser logged no console message or error");
    assert.match(dom, /<html lang="en" data-errors=""/, "the page recorded no script error");
    const drawn = charts(dom);
    assert.equal(
      /data-ready="(\d+)"/.exec(dom)?.[1],
      String(Object.keys(drawn).length),
      "the page's script ran to its end",
    );
    for (
      const id of [
        "arrivals",
        "spans",
        "latency",
        "statuses",
        "per-hour",
        "hour-of-day",
        "zipf",
        "users-by-sessions",
        "scripts",
        "turns",
        "outcomes",
        "failures",
      ]
    ) {
      assert.ok(drawn[id] > 0, `chart ${id} has data points (${drawn[id]})`);
      assert.ok(marks(dom, id) > 0, `chart ${id} drew marks in the DOM`);
    }
    assert.match(dom, /data-series="503"/, "the 503 answer is on the statuses chart");
    assert.match(dom, /data-series="400"/);
    assert.ok(drawn["per-hour"] === 48, "two days of hourly columns");
  } finally {
    await receiver.close();
  }
});

test("replay --html writes a whole page whose scripts compile, and a real browser renders its charts with no error", async () => {
  const receiver = await startOtlpReceiver();
  try {
    const dir = await mkdtemp(join(tmpdir(), "replay-html-"));
    const page = join(dir, "replay.html");
    const run = captureIo({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
    const code = await main([
      "replay",
      "conversations/order-status.yaml",
      "conversations/refund.yaml",
      "--seed",
      "1",
      "--manifest-dir",
      dir,
      "--html",
      page,
      "--quiet",
    ], run.io);
    assert.equal(code, 0, run.err());
    const read = checkHtmlPage(await readFile(page, "utf8"));
    assert.deepEqual(read.problems, [], "the markup is whole and its scripts compile");
    assert.deepEqual(read.sections, ["summary", "over-time", "users", "population"]);
    assert.equal(read.charts.scripts, 2);

    if (!(await chromiumOrNotRun("replay --html: the page in a real browser"))) return;
    const { dom, console } = await renderInChromium(page);
    assert.deepEqual(console, []);
    assert.match(dom, /<html lang="en" data-errors=""/);
    const drawn = charts(dom);
    assert.ok(drawn.spans > 0 && drawn.latency > 0 && drawn.scripts === 2, JSON.stringify(drawn));
    assert.doesNotMatch(dom, /<section id="rhythm">/, "a replay has no backfill window");
  } finally {
    await receiver.close();
  }
});

test("an --html path that cannot be written stops the run before the first span", async () => {
  const receiver = await startOtlpReceiver();
  try {
    const dir = await mkdtemp(join(tmpdir(), "load-html-"));
    await mkdir(join(dir, "taken"));
    const run = captureIo({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
    const code = await main([
      "load",
      "conversations/order-status.yaml",
      "--sessions",
      "5",
      "--out-dir",
      dir,
      "--html",
      join(dir, "taken"),
    ], run.io);
    assert.equal(code, 2);
    assert.match(run.err(), /--html: .*taken is a directory; give a file name/);
    assert.equal(receiver.spans.length, 0, "nothing was sent");
    assert.ok((await stat(join(dir, "taken"))).isDirectory());
  } finally {
    await receiver.close();
  }
});
