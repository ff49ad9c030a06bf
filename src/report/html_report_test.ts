import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  elapsed,
  embedJson,
  type HtmlReportData,
  renderHtmlReport,
  timeTicks,
} from "./html_report.ts";
import { TimelineRecorder } from "./timeline_series.ts";
import { SessionRhythm } from "./session_rhythm.ts";
import { TOOLTIP } from "./_html_assets.ts";
import { checkHtmlPage } from "../../testing/html_page.ts";

const T0 = Date.UTC(2026, 10, 25, 12);
const HOSTILE = `</script><img src=x onerror="alert(1)">&'`;

function data(overrides: Partial<HtmlReportData> = {}): HtmlReportData {
  const timeline = new TimelineRecorder(T0);
  for (let s = 0; s < 5; s++) {
    timeline.add(T0 + s * 1000, {
      sessions: 2,
      generated: 40,
      acknowledged: 38,
      failed: 2,
      requests: 3,
      retried: s === 2 ? 1 : 0,
      statuses: s === 2 ? { "200": 2, "503": 1 } : { "200": 3 },
    });
    timeline.latency(T0 + s * 1000, 12 + s);
  }
  const rhythm = new SessionRhythm(T0 - 24 * 3_600_000, T0);
  for (let h = 0; h < 24; h++) rhythm.add(T0 - h * 3_600_000 - 1);
  return {
    kind: "load",
    runId: "run_0123456789ab",
    seed: 7,
    mode: "backfill: 10 sessions over 24h",
    target: "OTLP http://127.0.0.1:4318/v1/traces",
    startedAt: new Date(T0).toISOString(),
    finishedAt: new Date(T0 + 5000).toISOString(),
    durationMs: 5000,
    spans: { generated: 200, acknowledged: 190, failed: 10, failures: { [HOSTILE]: 10 } },
    requests: { total: 15, retried: 1, byStatus: { "200": 14, "503": 1 } },
    exportLatencyMs: { p50: 13, p95: 16, p99: 16 },
    spansPerSecond: 38,
    population: {
      sessions: 10,
      sessionsPerScript: { "order-status": 6, refund: 4 },
      turnsPerSession: { "1": 2, "3": 8 },
      lastOutcome: { answered: 7, escalated: 3 },
      escalationRate: 0.3,
      errorRate: 0.1,
      users: 4,
      maxSessionsPerUser: 5,
      traces: 26,
      spans: 200,
    },
    usersBySessions: { "1": 2, "3": 1, "5": 1 },
    timeline: timeline.series(),
    rhythm: rhythm.series(),
    missed: ["10 spans failed, more than --max-failed 0"],
    ...overrides,
  };
}

/** The numbers of marks drawn per chart: `{ spans: 15, ... }`. */
function charts(html: string): Record<string, number> {
  return Object.fromEntries(
    [...html.matchAll(/<svg data-chart="([^"]+)" data-points="(\d+)"/g)].map((
      m,
    ) => [m[1], Number(m[2])]),
  );
}

describe("renderHtmlReport", () => {
  it("draws every section of a backfill: over time, the window, users and population", () => {
    const html = renderHtmlReport(data());
    for (const id of ["summary", "over-time", "rhythm", "users", "population"]) {
      assert.match(html, new RegExp(`<section id="${id}">`), `section ${id}`);
    }
    assert.deepEqual(charts(html), {
      arrivals: 5,
      spans: 15,
      latency: 15,
      statuses: 15,
      "per-hour": 24,
      "hour-of-day": 24,
      zipf: 4,
      "users-by-sessions": 3,
      scripts: 2,
      turns: 2,
      outcomes: 2,
      failures: 3,
    });
    assert.match(html, /data-series="503"/, "each status is a line of its own");
    assert.match(html, /<b>190<\/b><span>spans acknowledged<\/span>/);
  });

  it("leaves out the window for a live run and shows its dropped arrivals", () => {
    const html = renderHtmlReport(
      data({
        rhythm: undefined,
        arrivals: { scheduled: 12, started: 10, dropped: 2, peakAlive: 4 },
      }),
    );
    assert.doesNotMatch(html, /<section id="rhythm">/);
    assert.match(html, /data-series="arrivals dropped"/);
    assert.match(html, /<div class="tile bad"><b>2<\/b><span>arrivals dropped<\/span>/);
  });

  it("charts time to visible over time and names the traces never visible", () => {
    const timeline = new TimelineRecorder(T0);
    for (let s = 0; s < 5; s++) timeline.visible(T0 + s * 1000, 1500 + s * 100);
    const html = renderHtmlReport(
      data({
        timeline: timeline.series(),
        visible: {
          ms: { p50: 1600, p95: 1900, p99: 1900 },
          probed: 6,
          neverVisible: 1,
          timeoutMs: 600_000,
          neverVisibleIds: ["0af7651916cd43dd8448eb211c80319c"],
        },
      }),
    );
    assert.equal(charts(html).visible, 15, "p50, p95 and p99 of 5 points");
    assert.match(html, /<b>1\.60s<\/b><span>visible p50<\/span>/);
    assert.match(html, /<div class="tile bad"><b>1<\/b><span>never visible \(of 6 probed\)/);
    assert.match(html, /1 probed traces accepted but never visible within 10m 00s: 0af76519/);
  });

  it("escapes text in the page and keeps the embedded JSON from closing its script", () => {
    const html = renderHtmlReport(data({ runId: HOSTILE }));
    assert.equal(html.match(/<\/script>/g)?.length, 3, "only the page's own three scripts end");
    assert.doesNotMatch(html, /<img/);
    assert.match(html, /&#60;\/script&#62;&#60;img src=x onerror=&#34;alert\(1\)&#34;&#62;/);
    const json = /<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(html)!;
    assert.equal(JSON.parse(json[1]).runId, HOSTILE, "the data reads back as it was");
  });

  it("needs nothing from the network: no external URL, font or stylesheet", () => {
    const html = renderHtmlReport(data());
    assert.doesNotMatch(html, /<link|@import|src="http|url\(/);
    assert.doesNotMatch(html, /https?:\/\/(?!127\.0\.0\.1)/, "no address but the target's");
  });

  it("reads as a whole page without a browser: every element closed, its scripts compile, its JSON parses", () => {
    const html = renderHtmlReport(data());
    const read = checkHtmlPage(html);
    assert.deepEqual(read.problems, []);
    assert.deepEqual(read.sections, ["summary", "over-time", "rhythm", "users", "population"]);
    assert.equal(read.scripts, 2);
    assert.deepEqual(read.charts, charts(html));
  });

  it("a script that does not compile, an unclosed element, bad data or a missing id fail that reading", () => {
    const html = renderHtmlReport(data());
    const broken: [string, RegExp][] = [
      [
        html.replace(TOOLTIP, TOOLTIP.replace("function text(p){", "function text(p){{")),
        /<script> does not compile/,
      ],
      [html.replace("</section>", ""), /<section> \(opened at \d+\)|<section> is never closed/],
      [
        html.replace(/id="report-data">\{/, 'id="report-data">{,'),
        /holds JSON that does not parse/,
      ],
      [html.replace('id="tooltip"', 'id="tip"'), /looks up the id "tooltip", which no element has/],
    ];
    for (const [page, problem] of broken) {
      assert.match(checkHtmlPage(page).problems.join("\n"), problem);
    }
  });

  it("shows an empty run as charts that say no data", () => {
    const empty = new TimelineRecorder(T0).series();
    const html = renderHtmlReport(data({ timeline: empty, usersBySessions: {} }));
    assert.equal(charts(html).latency, 0);
    assert.match(html, /no data/);
  });
});

describe("embedJson", () => {
  it("escapes every < and the line separators JSON allows but scripts once did not", () => {
    assert.equal(embedJson({ a: "</script>\u2028" }), '{"a":"\\u003c/script>\\u2028"}');
  });
});

describe("the time axis", () => {
  it("puts ticks at round steps of elapsed time, from seconds to days", () => {
    assert.deepEqual(timeTicks(14_000), [0, 5000, 10000]);
    assert.deepEqual(timeTicks(3_600_000).map(elapsed), [
      "0s",
      "10m",
      "20m",
      "30m",
      "40m",
      "50m",
      "1h",
    ]);
    assert.deepEqual(timeTicks(7 * 86_400_000).map(elapsed), [
      "0s",
      "2d",
      "4d",
      "6d",
    ]);
    assert.equal(elapsed(90_000), "1m30s");
  });
});
