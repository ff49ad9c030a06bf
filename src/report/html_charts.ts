/**
 * Small SVG charts drawn as strings, for the HTML report: a line chart (linear or log-log
 * axes, gaps where a value is missing), a column chart and a horizontal bar chart. Every chart
 * is an `<svg data-chart="id" data-points="n">` whose marks carry `class="mark"`, so a browser
 * test can count what was drawn. Pure; every text is escaped.
 */

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The colours of the series, in order. */
export const PALETTE = [
  "#2f6fdf",
  "#1aa36f",
  "#e0523f",
  "#9b59d0",
  "#e39b1b",
  "#17a2b8",
  "#6c757d",
];

/** One line of a line chart: a value per x, undefined where there is none. */
export interface LineSeries {
  name: string;
  values: (number | undefined)[];
  /** Default the palette's colour for its position. */
  color?: string;
}

/** A line chart's content and axes. */
export interface LineChartOptions {
  id: string;
  title: string;
  /** The x of every value (shared by every series). */
  xs: number[];
  series: LineSeries[];
  /** Labels an x tick; default the number. */
  formatX?: (x: number) => string;
  /** Labels a y tick; default a short number. */
  formatY?: (y: number) => string;
  /** Where the x ticks go; default six even ones (powers of ten on log axes). */
  xTicks?: number[];
  /** Log-scale axes (values <= 0 are left out); default linear. */
  log?: boolean;
  /** Marks the chart as a time chart whose x index is a timeline point, for the tooltip. */
  timeline?: boolean;
  /** A note under the title. */
  note?: string;
}

const W = 640;
const H = 230;
const M = { left: 56, right: 16, top: 14, bottom: 30 };
const PW = W - M.left - M.right;
const PH = H - M.top - M.bottom;
/** Up to this many points, each is drawn as a dot too (a single point is otherwise invisible). */
const DOTS_UP_TO = 90;

/** A line chart as a `<figure>` with an SVG. */
export function lineChart(options: LineChartOptions): string {
  const { xs, series } = options;
  const log = options.log ?? false;
  const formatX = options.formatX ?? shortNumber;
  const formatY = options.formatY ?? shortNumber;
  const usable = (v: number | undefined): v is number =>
    v !== undefined && Number.isFinite(v) && (!log || v > 0);
  const ys = series.flatMap((s) => s.values.filter(usable));
  const xsUsable = log ? xs.filter((x) => x > 0) : xs;
  const xMin = xsUsable.length ? Math.min(...xsUsable) : 0;
  const xMax = xsUsable.length ? Math.max(...xsUsable) : 1;
  const yMax = ys.length ? Math.max(...ys) : 1;
  const yMin = log && ys.length ? Math.min(...ys) : 0;
  const xScale = scale(xMin, xMax, 0, PW, log);
  const yTicks = log ? logTicks(yMin, yMax) : niceTicks(yMax);
  const yTop = log ? yTicks.at(-1)! : yTicks.at(-1)!;
  const yScale = scale(log ? yTicks[0] : 0, yTop, PH, 0, log);
  const xTicks = options.xTicks ?? (log ? logTicks(xMin, xMax) : evenTicks(xMin, xMax, 6));
  let points = 0;
  const lines = series.map((s, index) => {
    const color = s.color ?? PALETTE[index % PALETTE.length];
    let d = "";
    let pen = false;
    const dots: string[] = [];
    s.values.forEach((v, i) => {
      if (!usable(v) || (log && !(xs[i] > 0))) {
        pen = false;
        return;
      }
      const x = fix(xScale(xs[i]));
      const y = fix(yScale(v));
      d += `${pen ? "L" : "M"}${x} ${y}`;
      pen = true;
      points++;
      dots.push(`<circle class="mark" cx="${x}" cy="${y}" r="2.5"/>`);
    });
    const showDots = dots.length <= DOTS_UP_TO;
    return `<g class="series" data-series="${
      escapeHtml(s.name)
    }" stroke="${color}" fill="${color}">` +
      `<path class="mark line" d="${d || "M0 0"}" fill="none" stroke-width="1.8"/>` +
      (showDots ? dots.join("") : "") + `</g>`;
  });
  const grid = yTicks.map((t) => {
    const y = fix(yScale(t));
    return `<line class="grid" x1="0" x2="${PW}" y1="${y}" y2="${y}"/>` +
      `<text class="tick" x="-6" y="${y}" text-anchor="end" dominant-baseline="middle">${
        escapeHtml(formatY(t))
      }</text>`;
  }).join("");
  const xAxis = xTicks.map((t) => {
    const x = fix(xScale(t));
    return `<line class="axis" x1="${x}" x2="${x}" y1="${PH}" y2="${PH + 4}"/>` +
      `<text class="tick" x="${x}" y="${PH + 16}" text-anchor="middle">${
        escapeHtml(formatX(t))
      }</text>`;
  }).join("");
  const legend = series.map((s, index) =>
    `<span class="key"><i style="background:${s.color ?? PALETTE[index % PALETTE.length]}"></i>${
      escapeHtml(s.name)
    }</span>`
  ).join("");
  const attrs = options.timeline
    ? ` data-timeline="${xs.length}" data-left="${M.left}" data-width="${PW}"`
    : "";
  return figure(
    options,
    `<svg data-chart="${
      escapeHtml(options.id)
    }" data-points="${points}"${attrs} viewBox="0 0 ${W} ${H}" role="img" aria-label="${
      escapeHtml(options.title)
    }"><g transform="translate(${M.left},${M.top})">${grid}` +
      `<line class="axis" x1="0" x2="${PW}" y1="${PH}" y2="${PH}"/>${xAxis}${lines.join("")}` +
      (points === 0
        ? `<text class="empty" x="${PW / 2}" y="${PH / 2}" text-anchor="middle">no data</text>`
        : "") +
      `</g></svg><div class="legend">${legend}</div>`,
  );
}

/** A column chart's content. */
export interface ColumnChartOptions {
  id: string;
  title: string;
  values: number[];
  /** Labels of the columns, shown at up to `ticks` places. */
  labels: string[];
  /** How many labels to show at most; default 8. */
  ticks?: number;
  color?: string;
  note?: string;
}

/** Vertical columns, one per value (e.g. sessions per hour), as a `<figure>`. */
export function columnChart(options: ColumnChartOptions): string {
  const { values, labels } = options;
  const yTicks = niceTicks(values.length ? Math.max(...values) : 1);
  const yScale = scale(0, yTicks.at(-1)!, PH, 0, false);
  const step = PW / Math.max(1, values.length);
  const gap = step > 4 ? step * 0.15 : 0;
  const bars = values.map((v, i) => {
    const y = fix(yScale(v));
    return `<rect class="mark" x="${fix(i * step + gap / 2)}" y="${y}" width="${
      fix(Math.max(0.5, step - gap))
    }" height="${fix(PH - y)}"><title>${escapeHtml(`${labels[i] ?? i}: ${v}`)}</title></rect>`;
  }).join("");
  const every = Math.max(1, Math.ceil(values.length / (options.ticks ?? 8)));
  const xAxis = labels.map((label, i) =>
    i % every === 0
      ? `<text class="tick" x="${fix(i * step + step / 2)}" y="${PH + 16}" text-anchor="middle">${
        escapeHtml(label)
      }</text>`
      : ""
  ).join("");
  const grid = yTicks.map((t) => {
    const y = fix(yScale(t));
    return `<line class="grid" x1="0" x2="${PW}" y1="${y}" y2="${y}"/>` +
      `<text class="tick" x="-6" y="${y}" text-anchor="end" dominant-baseline="middle">${
        shortNumber(t)
      }</text>`;
  }).join("");
  return figure(
    options,
    `<svg data-chart="${
      escapeHtml(options.id)
    }" data-points="${values.length}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${
      escapeHtml(options.title)
    }"><g transform="translate(${M.left},${M.top})">${grid}<g fill="${
      options.color ?? PALETTE[0]
    }">${bars}</g>` +
      `<line class="axis" x1="0" x2="${PW}" y1="${PH}" y2="${PH}"/>${xAxis}</g></svg>`,
  );
}

/** A horizontal bar chart's content: one bar per entry. */
export interface BarChartOptions {
  id: string;
  title: string;
  entries: [string, number][];
  /** Formats a bar's value; default the number. */
  format?: (value: number) => string;
  color?: string;
  note?: string;
}

/** Horizontal bars with their labels and values (e.g. sessions per script), as a `<figure>`. */
export function barChart(options: BarChartOptions): string {
  const { entries } = options;
  const format = options.format ?? ((v: number) => String(v));
  const row = 22;
  const labelW = 190;
  const barW = W - labelW - 90;
  const height = Math.max(1, entries.length) * row + 8;
  const max = Math.max(1, ...entries.map(([, v]) => v));
  const bars = entries.map(([label, v], i) => {
    const y = 4 + i * row;
    const w = fix((v / max) * barW);
    return `<text class="label" x="${labelW - 8}" y="${
      y + row / 2
    }" text-anchor="end" dominant-baseline="middle">${escapeHtml(clip(label, 30))}</text>` +
      `<rect class="mark" x="${labelW}" y="${y + 3}" width="${Math.max(1, w)}" height="${
        row - 6
      }"><title>${escapeHtml(`${label}: ${format(v)}`)}</title></rect>` +
      `<text class="value" x="${labelW + Math.max(1, w) + 6}" y="${
        y + row / 2
      }" dominant-baseline="middle">${escapeHtml(format(v))}</text>`;
  }).join("");
  return figure(
    options,
    `<svg data-chart="${
      escapeHtml(options.id)
    }" data-points="${entries.length}" viewBox="0 0 ${W} ${height}" role="img" aria-label="${
      escapeHtml(options.title)
    }"><g fill="${options.color ?? PALETTE[0]}">${bars}</g>` +
      (entries.length === 0
        ? `<text class="empty" x="${W / 2}" y="14" text-anchor="middle">none</text>`
        : "") +
      `</svg>`,
  );
}

function figure(options: { id: string; title: string; note?: string }, svg: string): string {
  return `<figure class="chart" id="chart-${escapeHtml(options.id)}"><figcaption>${
    escapeHtml(options.title)
  }${options.note ? `<small>${escapeHtml(options.note)}</small>` : ""}</figcaption>${svg}</figure>`;
}

function scale(d0: number, d1: number, r0: number, r1: number, log: boolean) {
  const f = log ? (v: number) => Math.log10(v) : (v: number) => v;
  const a = f(d0);
  const b = f(d1);
  const span = b - a || 1;
  return (v: number) => r0 + ((f(v) - a) / span) * (r1 - r0);
}

/** 0 and round steps up to at least `max` (five or so ticks). */
export function niceTicks(max: number): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / 4;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let t = 0; t < max + step * 1e-9; t += step) ticks.push(round(t));
  if (ticks.at(-1)! < max) ticks.push(round(ticks.at(-1)! + step));
  return ticks;
}

function logTicks(min: number, max: number): number[] {
  const lo = Math.floor(Math.log10(Math.max(min, 1e-9)));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(max, 1e-9))));
  const ticks: number[] = [];
  for (let p = lo; p <= hi; p++) ticks.push(10 ** p);
  return ticks;
}

function evenTicks(min: number, max: number, count: number): number[] {
  if (max <= min) return [min];
  return Array.from({ length: count }, (_, i) => min + ((max - min) * i) / (count - 1));
}

/** 1.2k, 3.4M, 0.25: a tick label. */
export function shortNumber(v: number): string {
  const abs = Math.abs(v);
  if (abs >= 1e6) return `${round(v / 1e6)}M`;
  if (abs >= 1e4) return `${round(v / 1e3)}k`;
  return String(round(v));
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}

function fix(v: number): number {
  return Math.round(v * 10) / 10;
}

function clip(text: string, n: number): string {
  return text.length <= n ? text : `${text.slice(0, n - 1)}…`;
}
