/**
 * The local preview's text: sessions, their traces with observation trees, users and contract
 * problems, as a user reads them after a replay. Pure and deterministic: no clock, no locale.
 * Every text that came with the spans (names, ids, attributes, content) is escaped with
 * `shown` (text/escape.ts): spans may come from any app, and their text must not drive the
 * terminal.
 */
import { formatMs } from "../script/duration.ts";
import type { Json } from "../plan/types.ts";
import { escapeControls as shown } from "../text/escape.ts";
import type { LangfuseView, ViewObservation, ViewTrace } from "../langfuse/ingestion/view.ts";
import { count } from "../text/count.ts";

/** How the preview is drawn. */
export interface PreviewOptions {
  /** ANSI colours; default false. */
  color?: boolean;
  /** Maximum width of input and output lines, in characters; default 100. */
  width?: number;
}

/** Renders what Langfuse will show for a replay, ending in a newline. */
export function renderPreview(view: LangfuseView, options: PreviewOptions = {}): string {
  const paint = painter(options.color ?? false);
  const width = options.width ?? 100;
  const lines: string[] = [];
  const byId = new Map(view.traces.map((trace) => [trace.id, trace]));

  const groups: { title: string; users: string[]; traces: ViewTrace[] }[] = view.sessions.map((
    session,
  ) => ({
    title: `Session ${shown(session.id)}`,
    users: session.userIds.map((id) => shown(id)),
    traces: session.traceIds.flatMap((id) => byId.get(id) ?? []),
  }));
  const loose = view.traces.filter((trace) => trace.sessionId === undefined);
  if (loose.length > 0) {
    const users = [...new Set(loose.flatMap((t) => t.userId ?? []))].sort().map((id) => shown(id));
    groups.push({ title: "No session", users, traces: loose });
  }

  for (const group of groups) {
    lines.push(paint.bold(groupHeader(group.title, group.users, group.traces)), "");
    group.traces.forEach((trace, index) => {
      lines.push(...renderTrace(trace, index + 1, width, paint), "");
    });
  }

  lines.push(paint.bold("Users"));
  if (view.users.length === 0) lines.push("  No user ids found.");
  for (const user of view.users) {
    lines.push(
      `  ${shown(user.id)} · ${count(user.sessionCount, "session")} · ${
        count(user.traceCount, "trace")
      }` +
        ` · ${user.totalTokens} tok · ${formatCost(user.totalCost)}`,
    );
  }
  lines.push("", paint.bold("Problems"));
  lines.push(...problemLines(view.problems, paint));
  return lines.join("\n") + "\n";
}

/**
 * One arriving trace as `record --listen` shows it: a header naming its session and user, the
 * trace as the preview draws it (numbered `index`), and the contract problems of the trace.
 */
export function renderTurn(
  view: LangfuseView,
  traceId: string,
  index: number,
  options: PreviewOptions = {},
): string {
  const paint = painter(options.color ?? false);
  const trace = view.traces.find((t) => t.id === traceId);
  if (trace === undefined) return "";
  const lines = [
    paint.bold(
      `${trace.sessionId === undefined ? "No session" : `Session ${shown(trace.sessionId)}`} · ${
        trace.userId === undefined ? "no user" : `user ${shown(trace.userId)}`
      }`,
    ),
    ...renderTrace(trace, index, options.width ?? 100, paint),
    ...problemLines(view.problems.filter((p) => p.traceId === traceId), paint),
  ];
  return lines.join("\n") + "\n";
}

function problemLines(problems: LangfuseView["problems"], paint: Paint): string[] {
  if (problems.length === 0) return [paint.green("  No contract problems found.")];
  return problems.map((problem) => {
    const where = [
      problem.traceId === undefined ? "" : `trace ${problem.traceId}`,
      problem.spanId === undefined ? "" : `span ${problem.spanId}`,
    ].filter((part) => part !== "").join(", ");
    return paint.yellow(`  ⚠ ${shown(where === "" ? "" : `${where}: `)}${shown(problem.message)}`);
  });
}

/** Formats USD: two decimals from $1, else three significant digits ($0.0031, $0.000179). */
export function formatCost(usd: number): string {
  if (usd === 0) return "$0";
  if (Math.abs(usd) >= 1) return `$${usd.toFixed(2)}`;
  const decimals = Math.min(12, 2 - Math.floor(Math.log10(Math.abs(usd))));
  return `$${usd.toFixed(decimals).replace(/0+$/, "")}`;
}

function groupHeader(title: string, users: string[], traces: ViewTrace[]): string {
  const who = users.length === 0
    ? "no user"
    : `${users.length === 1 ? "user" : "users"} ${users.join(", ")}`;
  const spans = traces.reduce((acc, t) => acc + t.spanCount, 0);
  const cost = traces.reduce((acc, t) => acc + t.totalCost, 0);
  const start = traces.reduce((min, t) => Math.min(min, t.startMs), Infinity);
  const end = traces.reduce((max, t) => Math.max(max, t.startMs + t.durationMs), start);
  return [
    title,
    who,
    count(traces.length, "trace"),
    count(spans, "span"),
    formatCost(Math.round(cost * 1e12) / 1e12),
    formatMs(end - start),
  ].join(" · ");
}

function renderTrace(trace: ViewTrace, index: number, width: number, paint: Paint): string[] {
  const time = new Date(trace.startMs).toISOString().replace(/\.\d{3}Z$/, "Z");
  const lines = [
    `  ${index}. ${paint.dim(time)}  ${
      trace.name === undefined ? "(unnamed)" : shown(trace.name)
    }  ${paint.dim(shown(trace.id))}`,
  ];
  const facts: string[] = [];
  if (trace.tags.length > 0) facts.push(`tags ${trace.tags.join(", ")}`);
  const metadata = Object.entries(trace.metadata).map(([key, value]) => `${key}=${value}`);
  if (metadata.length > 0) facts.push(metadata.join(" "));
  if (trace.version !== undefined) facts.push(`version ${trace.version}`);
  if (trace.release !== undefined) facts.push(`release ${trace.release}`);
  facts.push(`env ${trace.environment}`);
  if (trace.public) facts.push("public");
  // Langfuse's own attributes go unsaid; any other instrumentation is named.
  if (trace.dialects.some((dialect) => dialect !== "langfuse")) {
    facts.push(`dialect${trace.dialects.length > 1 ? "s" : ""} ${trace.dialects.join(", ")}`);
  }
  lines.push(`     ${shown(facts.join(" · "))}`);
  // What v4 shows, then the trace record's own (langfuse.trace.input) where it differs.
  const io: [string, Json | undefined, Json | undefined][] = [
    ["input ", trace.input, trace.traceInput],
    ["output", trace.output, trace.traceOutput],
  ];
  for (const [label, value] of io) {
    if (value !== undefined) lines.push(truncate(`     ${label} ${oneLine(value)}`, width));
  }
  for (const [label, value, recorded] of io) {
    if (recorded === undefined || JSON.stringify(recorded) === JSON.stringify(value)) continue;
    lines.push(
      truncate(`     ${label} ${oneLine(recorded)} ${paint.dim("(v3, trace evaluators)")}`, width),
    );
  }
  for (const root of trace.observations) renderTree(root, "     ", "     ", lines, paint);
  return lines;
}

/** Levels of a tree drawn; deeper spans are counted, not drawn (the lines would not fit). */
export const MAX_DRAWN_DEPTH = 40;

/** Draws `root` after `lead`, and its descendants with ├─ └─ │ branches, without recursion. */
function renderTree(
  root: ViewObservation,
  lead: string,
  rest: string,
  lines: string[],
  paint: Paint,
): void {
  const stack = [{ obs: root, lead, rest, depth: 0 }];
  while (stack.length > 0) {
    const { obs, lead, rest, depth } = stack.pop()!;
    lines.push(lead + observationLine(obs, paint));
    if (obs.children.length === 0) continue;
    if (depth + 1 >= MAX_DRAWN_DEPTH) {
      lines.push(`${rest}└─ ${paint.dim(`… ${count(descendants(obs), "span")} nested deeper`)}`);
      continue;
    }
    for (let i = obs.children.length - 1; i >= 0; i--) {
      const last = i === obs.children.length - 1;
      stack.push({
        obs: obs.children[i],
        lead: rest + (last ? "└─ " : "├─ "),
        rest: rest + (last ? "   " : "│  "),
        depth: depth + 1,
      });
    }
  }
}

function descendants(obs: ViewObservation): number {
  let n = 0;
  const stack = [...obs.children];
  while (stack.length > 0) {
    n++;
    stack.push(...stack.pop()!.children);
  }
  return n;
}

function observationLine(obs: ViewObservation, paint: Paint): string {
  const parts = [`${paint.cyan(shown(obs.type))} ${shown(obs.name)} ${formatMs(obs.durationMs)}`];
  if (obs.model !== undefined) parts.push(shown(obs.model));
  if (obs.usage !== undefined) {
    const { input, output, total, details } = obs.usage;
    const other = Object.entries(details ?? {}).map(([type, n]) => `${type} ${n}`);
    parts.push(
      (input !== undefined && output !== undefined
        ? `${input}→${output} tok`
        : `${total ?? 0} tok`) +
        (other.length > 0 ? ` (${other.join(", ")})` : ""),
    );
  }
  if (obs.cost !== undefined) parts.push(formatCost(obs.cost));
  if (obs.completionStartMs !== undefined) {
    parts.push(`TTFT ${formatMs(obs.completionStartMs - obs.startMs)}`);
  }
  const note = obs.statusMessage === undefined ? "" : `: ${shown(obs.statusMessage)}`;
  if (obs.level === "WARNING") parts.push(paint.yellow(`⚠ WARNING${note}`));
  if (obs.level === "ERROR") parts.push(paint.red(`✖ ERROR${note}`));
  return parts.join(" · ");
}

function oneLine(value: Json): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return shown(text.replace(/\s*\n\s*/g, " "));
}

/** Cuts `line` to `width` characters (code points), ending in … when cut. */
function truncate(line: string, width: number): string {
  const chars = Array.from(line);
  return chars.length <= width ? line : chars.slice(0, Math.max(0, width - 1)).join("") + "…";
}

interface Paint {
  bold(text: string): string;
  dim(text: string): string;
  cyan(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  red(text: string): string;
}

function painter(color: boolean): Paint {
  const wrap = (code: string) => (text: string) => color ? `\x1b[${code}m${text}\x1b[0m` : text;
  return {
    bold: wrap("1"),
    dim: wrap("2"),
    cyan: wrap("36"),
    green: wrap("32"),
    yellow: wrap("33"),
    red: wrap("31"),
  };
}
