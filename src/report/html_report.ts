/**
 * The run as one self-contained HTML page (`load --html`, `replay --html`), in the spirit of
 * k6's web dashboard report: summary tiles, then charts over time (arrivals, spans, export
 * latency p50/p95/p99, HTTP statuses and retries), a backfill's sessions per hour across its
 * window, the users' session counts (the Zipf tail) and the population's shape.
 *
 * The charts are SVG drawn here; the page's data is embedded as JSON (with `<` escaped) for a
 * small inline script that shows a tooltip over the time charts and records any script error
 * in `<html data-errors>`. No external resource: it opens offline. Pure: data in, text out.
 */
import { barChart, columnChart, escapeHtml, lineChart, PALETTE } from "./html_charts.ts";
import { type LoadReport, type MergedLoadReport, missingShards } from "./load_report.ts";
import type { PopulationShape } from "../plan/population.ts";
import type { RunReport } from "./run_report.ts";
import type { RhythmSeries } from "./session_rhythm.ts";
import type { TimelineSeries } from "./timeline_series.ts";
import type { VisibleReport } from "./visible_report.ts";
import { formatMs } from "../script/duration.ts";
import { CSS, ERROR_RECORDER, TOOLTIP } from "./_html_assets.ts";

/** Everything the page shows, as plain data (also embedded in the page as JSON). */
export interface HtmlReportData {
  kind: "load" | "replay";
  runId: string;
  seed: number;
  mode: string;
  target: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  spans: LoadReport["spans"];
  requests: LoadReport["requests"];
  exportLatencyMs: LoadReport["exportLatencyMs"];
  spansPerSecond: number;
  population: PopulationShape;
  /** Users by how many sessions they had: `{ "1": 412, "2": 96 }`. */
  usersBySessions: Record<string, number>;
  timeline: TimelineSeries;
  /** Said instead of how the series are bucketed, e.g. why there are none. */
  timelineNote?: string;
  /** Backfill runs: when the sessions start across the window. */
  rhythm?: RhythmSeries;
  /** Live runs: what became of the arrivals. */
  arrivals?: { scheduled: number; started: number; dropped: number; peakAlive: number };
  /** Loads to Langfuse: time to visible of the probed traces, and those never visible. */
  visible?: {
    ms: VisibleReport["ms"];
    probed: number;
    neverVisible: number;
    timeoutMs: number;
    neverVisibleIds: string[];
  };
  /** Thresholds missed, and why the run stopped, if it did. */
  missed: string[];
  stopped?: string;
}

/** What the page needs besides a report: the series recorded during the run. */
export interface HtmlExtras {
  timeline: TimelineSeries;
  timelineNote?: string;
  population: PopulationShape;
  usersBySessions: Record<string, number>;
  rhythm?: RhythmSeries;
  /** Replay runs: the export latency (a load report has its own). */
  exportLatencyMs?: HtmlReportData["exportLatencyMs"];
}

/** The page's data from a load report, or from shards merged (missing shards are a problem). */
export function htmlDataOfLoad(
  report: LoadReport | MergedLoadReport,
  extras: HtmlExtras,
): HtmlReportData {
  const shards = "shards" in report ? report.shards : undefined;
  return {
    kind: "load",
    runId: report.runId,
    seed: report.seed,
    mode: report.mode,
    target: report.target.describe,
    startedAt: report.startedAt,
    finishedAt: report.finishedAt,
    durationMs: report.durationMs,
    spans: report.spans,
    requests: report.requests,
    exportLatencyMs: report.exportLatencyMs,
    spansPerSecond: report.spansPerSecond,
    population: extras.population,
    usersBySessions: extras.usersBySessions,
    timeline: extras.timeline,
    ...(extras.timelineNote ? { timelineNote: extras.timelineNote } : {}),
    ...(extras.rhythm ? { rhythm: extras.rhythm } : {}),
    ...(report.arrivals
      ? {
        arrivals: {
          scheduled: report.arrivals.scheduled,
          started: report.arrivals.started,
          dropped: report.arrivals.dropped,
          peakAlive: report.arrivals.peakAlive,
        },
      }
      : {}),
    ...(report.visible
      ? {
        visible: {
          ms: report.visible.ms,
          probed: report.visible.probed,
          neverVisible: report.visible.neverVisible,
          timeoutMs: report.visible.timeoutMs,
          neverVisibleIds: report.visible.neverVisibleIds,
        },
      }
      : {}),
    missed: [
      ...(shards && shards.missing.length > 0
        ? [`shards missing from the merge: ${missingShards(shards)} (not counted here)`]
        : []),
      ...report.thresholds.missed,
    ],
    ...(report.stopped ? { stopped: report.stopped } : {}),
  };
}

/** The page's data from a replay's report. */
export function htmlDataOfReplay(report: RunReport, extras: HtmlExtras): HtmlReportData {
  const durationMs = Math.max(1, Date.parse(report.finishedAt) - Date.parse(report.startedAt));
  return {
    kind: "replay",
    runId: report.runId,
    seed: report.seed,
    mode: `replay: ${report.sessions.length} session(s)`,
    target: report.target.describe,
    startedAt: report.startedAt,
    finishedAt: report.finishedAt,
    durationMs,
    spans: report.spans,
    requests: report.requests,
    exportLatencyMs: extras.exportLatencyMs ?? {},
    spansPerSecond: Math.round((report.spans.acknowledged * 1000) / durationMs),
    population: extras.population,
    usersBySessions: extras.usersBySessions,
    timeline: extras.timeline,
    missed: [],
    ...(report.stopped ? { stopped: report.stopped } : {}),
  };
}

/** The page: one HTML document with inline CSS, SVG and script. */
export function renderHtmlReport(data: HtmlReportData): string {
  const ok = data.spans.failed === 0 && data.missed.length === 0 && !data.stopped;
  const title = `${data.kind === "load" ? "Load run" : "Replay"} ${data.runId}`;
  return `<!DOCTYPE html>
<html lang="en" data-errors="">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<script>${ERROR_RECORDER}</script>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>${escapeHtml(title)} <span class="badge ${ok ? "ok" : "bad"}">${
    ok ? "complete" : "incomplete"
  }</span></h1>
<p>${escapeHtml(data.mode)} · ${escapeHtml(data.target)} · seed ${data.seed}</p>
<p>${escapeHtml(data.startedAt)} → ${escapeHtml(data.finishedAt)} (${
    escapeHtml(formatMs(data.durationMs))
  })</p>
${problems(data)}
</header>
<main>
<section id="summary"><h2>Summary</h2><div class="tiles">${tiles(data)}</div></section>
<section id="over-time"><h2>Over time</h2>
<p class="note">${escapeHtml(data.timelineNote ?? bucketNote(data.timeline))}</p>
<div class="grid">${overTime(data)}</div></section>
${data.rhythm ? rhythm(data.rhythm) : ""}
<section id="users"><h2>Users</h2><div class="grid">${users(data)}</div></section>
<section id="population"><h2>Population</h2><div class="grid">${population(data)}</div></section>
</main>
<div id="tooltip" hidden></div>
<script type="application/json" id="report-data">${embedJson(data)}</script>
<script>${TOOLTIP}</script>
</body>
</html>
`;
}

/** JSON safe inside a `<script>` element: no `<` (so no `</script>`), no line separators. */
export function embedJson(data: unknown): string {
  return JSON.stringify(data)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

function problems(data: HtmlReportData): string {
  const lines = [
    ...data.missed.map((m) => `missed: ${m}`),
    ...(data.stopped ? [`stopped: ${data.stopped}`] : []),
    ...(data.visible && data.visible.neverVisible > 0
      ? [
        `${data.visible.neverVisible} probed traces accepted but never visible within ${
          formatMs(data.visible.timeoutMs)
        }: ${data.visible.neverVisibleIds.join(", ")}`,
      ]
      : []),
    ...Object.entries(data.spans.failures).map(([reason, n]) => `${n} spans failed: ${reason}`),
  ];
  return lines.length === 0
    ? ""
    : `<ul class="problems">${lines.map((l) => `<li>${escapeHtml(l)}</li>`).join("")}</ul>`;
}

function tiles(data: HtmlReportData): string {
  const { spans, requests, exportLatencyMs: latency, population } = data;
  const ms = (v: number | undefined) => v === undefined ? "-" : formatMs(v);
  const items: [string, string, boolean?][] = [
    ["sessions", String(population.sessions)],
    ["users", String(population.users)],
    ["traces", String(population.traces)],
    ["spans generated", String(spans.generated)],
    ["spans acknowledged", String(spans.acknowledged)],
    ["spans failed", String(spans.failed), spans.failed > 0],
    ["spans/s acknowledged", String(data.spansPerSecond)],
    ["requests", String(requests.total)],
    ["retried", String(requests.retried), requests.retried > 0],
    ["latency p50", ms(latency.p50)],
    ["latency p95", ms(latency.p95)],
    ["latency p99", ms(latency.p99)],
    ...(data.arrivals
      ? [
        ["arrivals dropped", String(data.arrivals.dropped), data.arrivals.dropped > 0],
        ["peak alive", String(data.arrivals.peakAlive)],
      ] as [string, string, boolean][]
      : []),
    ...(data.visible
      ? [
        ["visible p50", ms(data.visible.ms.p50)],
        ["visible p95", ms(data.visible.ms.p95)],
        ["visible p99", ms(data.visible.ms.p99)],
        [
          `never visible (of ${data.visible.probed} probed)`,
          String(data.visible.neverVisible),
          data.visible.neverVisible > 0,
        ],
      ] as [string, string, boolean?][]
      : []),
  ];
  return items.map(([label, value, bad]) =>
    `<div class="tile${bad ? " bad" : ""}"><b>${escapeHtml(value)}</b><span>${
      escapeHtml(label)
    }</span></div>`
  ).join("");
}

function bucketNote(series: TimelineSeries): string {
  return `One point per ${elapsed(series.bucketMs)} from the start of the run; rates are ` +
    `per second over each point's interval.`;
}

function overTime(data: HtmlReportData): string {
  const { points, bucketMs } = data.timeline;
  const xs = points.map((p) => p.t);
  const perSecond = (n: number) => Math.round((n * 1000 * 100) / bucketMs) / 100;
  const formatX = elapsed;
  const xTicks = timeTicks(xs.at(-1) ?? 0);
  const statuses = [...new Set(points.flatMap((p) => Object.keys(p.statuses)))].sort();
  return [
    lineChart({
      id: "arrivals",
      title: "Sessions started per second",
      xs,
      formatX,
      xTicks,
      timeline: true,
      series: [
        { name: "sessions started", values: points.map((p) => perSecond(p.sessions)) },
        ...(data.arrivals
          ? [{
            name: "arrivals dropped",
            values: points.map((p) => perSecond(p.dropped)),
            color: PALETTE[2],
          }]
          : []),
      ],
    }),
    lineChart({
      id: "spans",
      title: "Spans per second",
      xs,
      formatX,
      xTicks,
      timeline: true,
      series: [
        { name: "generated", values: points.map((p) => perSecond(p.generated)) },
        { name: "acknowledged", values: points.map((p) => perSecond(p.acknowledged)) },
        { name: "failed", values: points.map((p) => perSecond(p.failed)), color: PALETTE[2] },
      ],
    }),
    lineChart({
      id: "latency",
      title: "Export latency (ms per request, retries included)",
      xs,
      formatX,
      xTicks,
      timeline: true,
      series: (["p50", "p95", "p99"] as const).map((q) => ({
        name: q,
        values: points.map((p) => p.latency?.[q]),
      })),
    }),
    ...(data.visible
      ? [lineChart({
        id: "visible",
        title: "Time to visible in Langfuse (ms, by when the trace was acknowledged)",
        xs,
        formatX,
        xTicks,
        timeline: true,
        series: (["p50", "p95", "p99"] as const).map((q) => ({
          name: q,
          values: points.map((p) => p.visible?.[q]),
        })),
      })]
      : []),
    lineChart({
      id: "statuses",
      title: "HTTP responses and retries per second",
      xs,
      formatX,
      xTicks,
      timeline: true,
      series: [
        ...statuses.map((status) => ({
          name: status,
          values: points.map((p) => perSecond(p.statuses[status] ?? 0)),
          color: statusColor(status),
        })),
        {
          name: "retries",
          values: points.map((p) => perSecond(p.retried)),
          color: PALETTE[3],
        },
      ],
    }),
  ].join("");
}

/** Round steps of elapsed time, at most seven ticks from 0 to `maxMs`. */
export function timeTicks(maxMs: number): number[] {
  const steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600]
    .concat([43200, 86400, 172800, 604800]).map((s) => s * 1000);
  const step = steps.find((s) => maxMs / s <= 6) ?? Math.ceil(maxMs / 6);
  const ticks: number[] = [];
  for (let t = 0; t <= maxMs; t += step) ticks.push(t);
  return ticks;
}

/** Elapsed time as a tick label: 45s, 2m30s, 3h, 1d6h. */
export function elapsed(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const parts: [number, string][] = [
    [Math.floor(s / 86400), "d"],
    [Math.floor((s % 86400) / 3600), "h"],
    [Math.floor((s % 3600) / 60), "m"],
    [s % 60, "s"],
  ];
  return parts.filter(([n]) => n > 0).map(([n, unit]) => `${n}${unit}`).join("");
}

function statusColor(status: string): string {
  if (/^2/.test(status)) return PALETTE[1];
  if (status === "429") return PALETTE[4];
  if (/^5/.test(status)) return PALETTE[2];
  if (/^4/.test(status)) return "#b5281c";
  return PALETTE[6];
}

function rhythm(series: RhythmSeries): string {
  const binMs = series.binHours * 3_600_000;
  const labels = series.bins.map((_, i) => {
    const iso = new Date(series.startMs + i * binMs).toISOString();
    return `${iso.slice(5, 10)} ${iso.slice(11, 13)}h`;
  });
  return `<section id="rhythm"><h2>Sessions across the window</h2><div class="grid">${
    columnChart({
      id: "per-hour",
      title: series.binHours === 1
        ? "Sessions started per hour (UTC)"
        : `Sessions started per ${series.binHours} hours (UTC)`,
      values: series.bins,
      labels,
    })
  }${
    columnChart({
      id: "hour-of-day",
      title: "Sessions by hour of the day (UTC), all days together",
      values: series.hourOfDay,
      labels: series.hourOfDay.map((_, h) => String(h).padStart(2, "0")),
      ticks: 12,
      color: PALETTE[1],
    })
  }</div></section>`;
}

function users(data: HtmlReportData): string {
  // Rank/frequency: the users sorted by sessions, most first; a count shared by u users spans
  // u ranks, drawn as its first and last rank.
  const counts = Object.entries(data.usersBySessions)
    .map(([sessions, users]) => [Number(sessions), users] as const)
    .sort(([a], [b]) => b - a);
  const xs: number[] = [];
  const values: number[] = [];
  let rank = 0;
  for (const [sessions, users] of counts) {
    xs.push(rank + 1);
    values.push(sessions);
    if (users > 1) {
      xs.push(rank + users);
      values.push(sessions);
    }
    rank += users;
  }
  return lineChart({
    id: "zipf",
    title: "Sessions per user, users ranked by sessions (log-log)",
    note: "A straight falling line is the Zipf tail: a few heavy users, many with one session.",
    xs,
    log: true,
    series: [{ name: "sessions of the user at that rank", values }],
  }) + barChart({
    id: "users-by-sessions",
    title: "Users by number of sessions",
    entries: counts.slice().reverse().slice(0, 30).map(([s, u]) =>
      [`${s} session${s === 1 ? "" : "s"}`, u] as [string, number]
    ),
    color: PALETTE[5],
  });
}

function population(data: HtmlReportData): string {
  const shape = data.population;
  const share = (v: number) => `${v} (${pct(v / Math.max(1, shape.sessions))})`;
  return [
    barChart({
      id: "scripts",
      title: "Sessions per script",
      entries: Object.entries(shape.sessionsPerScript),
      format: share,
    }),
    barChart({
      id: "turns",
      title: "Sessions by turns reached",
      entries: Object.entries(shape.turnsPerSession).map(([k, v]) => [`${k} turns`, v]),
      format: share,
      color: PALETTE[1],
    }),
    barChart({
      id: "outcomes",
      title: "Sessions by the outcome of their last turn",
      entries: Object.entries(shape.lastOutcome),
      format: share,
      color: PALETTE[3],
    }),
    barChart({
      id: "failures",
      title: "Failures",
      note: "Sessions escalated or with an ERROR observation, and spans not delivered by reason",
      entries: [
        ["sessions escalated", Math.round(shape.escalationRate * shape.sessions)],
        ["sessions with an error", Math.round(shape.errorRate * shape.sessions)],
        ...Object.entries(data.spans.failures).map(([reason, n]) =>
          [`spans failed: ${reason}`, n] as [string, number]
        ),
      ],
      color: PALETTE[2],
    }),
  ].join("");
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}
