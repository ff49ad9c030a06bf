/**
 * What Langfuse will make of a set of received spans: traces, observation trees, sessions and
 * users as a v4 server stores them, plus every way the spans break the OTLP contract
 * (see shared/langfuse-otlp-contract.md). Pure: spans in, a view out.
 *
 * The helpers live in private files: _observation.ts (one span as an observation),
 * _trace_attributes.ts (trace-level fields), _values.ts (value helpers), with the
 * shapes in _types.ts and SEMCONV in _semconv.ts; those two are re-exported here.
 */
import type { ReceivedSpan } from "../../otlp/decode.ts";
import { OBSERVATION, TRACE } from "../../emit/attributes.ts";
import { buildObservation } from "./_observation.ts";
import { linkTree, orderTree } from "./parent_tree.ts";
import {
  checkTraceIds,
  checkTraceLevel,
  checkV3Session,
  disagreements,
  environmentOf,
  metadataOf,
  publicOf,
  releaseOf,
  sessionOf,
  tagsOf,
  type TraceIds,
  traceNameOf,
  userOf,
  versionOf,
} from "./_trace_attributes.ts";
import type {
  LangfuseView,
  ViewObservation,
  ViewProblem,
  ViewSession,
  ViewTrace,
  ViewUser,
} from "./_types.ts";
import { ioOf } from "./_io.ts";
import { dialectsOf } from "./dialects.ts";
import { compare, msOf, plural, quote, sum, sumCost } from "./_values.ts";

export { SEMCONV } from "./_semconv.ts";
export type {
  LangfuseView,
  ViewObservation,
  ViewProblem,
  ViewSession,
  ViewTrace,
  ViewUsage,
  ViewUser,
} from "./_types.ts";

/** Interprets received spans the way a Langfuse v4 server will, noting v3 differences as problems. */
export function interpretSpans(spans: ReceivedSpan[]): LangfuseView {
  const problems = new Problems();
  const byTrace = new Map<string, ReceivedSpan[]>();
  for (const span of spans) {
    const group = byTrace.get(span.traceId) ?? [];
    group.push(span);
    byTrace.set(span.traceId, group);
  }
  const traces = [...byTrace.values()].map((group) => buildTrace(group, problems))
    .sort((a, b) => a.startMs - b.startMs || compare(a.id, b.id));
  const sessions = buildSessions(traces, problems);
  return { traces, sessions, users: buildUsers(traces), problems: problems.list };
}

/** Collects problems, dropping repeats of one message within a trace. */
class Problems {
  readonly list: ViewProblem[] = [];
  readonly #seen = new Set<string>();

  add(message: string, traceId?: string, spanId?: string): void {
    const key = `${traceId ?? ""}\u0000${message}`;
    if (this.#seen.has(key)) return;
    this.#seen.add(key);
    const problem: ViewProblem = { message };
    if (traceId !== undefined) problem.traceId = traceId;
    if (spanId !== undefined) problem.spanId = spanId;
    this.list.push(problem);
  }
}

function buildTrace(group: ReceivedSpan[], problems: Problems): ViewTrace {
  const spans = [...group].sort(byStart);
  const traceId = spans[0].traceId;
  const add = (message: string, spanId?: string) => problems.add(message, traceId, spanId);
  const roots = spans.filter((span) => span.parentSpanId === undefined);
  const root = roots[0];
  if (!root) {
    add(
      `Trace has no root span: only ${plural(spans.length, "child span")} arrived, ` +
        `so Langfuse has no trace name, input or output`,
    );
  } else if (roots.length > 1) {
    add(`Trace has ${roots.length} root spans; Langfuse takes the trace from one of them only`);
  }
  // Without a root, the earliest span stands in for trace-level attributes.
  const head = root ?? spans[0];
  // Langfuse v4 takes session, user, name, tags, version and release from the latest span that
  // has one: the head's when it has one, else another span's (disagreements are flagged).
  const fromAny = <T>(read: (span: ReceivedSpan) => T | undefined): T | undefined =>
    read(head) ?? spans.map(read).findLast((value) => value !== undefined);
  const sessionId = fromAny(sessionOf);
  const userId = fromAny(userOf);
  const ids: TraceIds = { session: sessionId, user: userId };
  const [rootSession, rootUser] = [sessionOf(head), userOf(head)];
  if (rootSession !== undefined) ids.rootSession = rootSession;
  if (rootUser !== undefined) ids.rootUser = rootUser;
  const env = environmentOf(head);

  // Observation problems wait so that every span's problems come out together, in tree order.
  const pending = new Map<string, string[]>();
  const observations = spans.map((span) => {
    const notes: string[] = [];
    pending.set(span.spanId, notes);
    return buildObservation(span, (message) => notes.push(message));
  });
  const byId = new Map(observations.map((obs) => [obs.id, obs]));
  const { top, cycles } = linkTree(observations, (obs) => obs.parentId);
  const spanById = new Map(spans.map((span) => [span.spanId, span]));
  const ordered = orderTree(top, (a, b) => a.startMs - b.startMs || compare(a.id, b.id));
  for (const cycle of cycles) add(cycleProblem(cycle), cycle[0].id);

  for (const obs of ordered) {
    const span = spanById.get(obs.id)!;
    for (const message of pending.get(obs.id) ?? []) add(message, obs.id);
    checkTraceLevel(span, ids, add);
    if (span === root) checkTraceIo(root, add);
    const parent = obs.parentId !== undefined ? byId.get(obs.parentId) : undefined;
    if (parent) checkNesting(obs, parent, add);
  }
  checkTraceIds(head, ids, add);
  checkV3Session(spans, root, sessionId, add);
  for (const [field, values] of disagreements(spans)) {
    add(
      `Spans of the trace disagree on ${field} (${values.map(quote).join(", ")}); ` +
        `Langfuse v4 keeps the latest non-empty value, so the trace may not show the root's`,
    );
  }

  const startMs = msOf(head.startTimeUnixNano);
  // Spans are in start order; reduce, not spread, so a huge trace cannot overflow the stack.
  const firstMs = msOf(spans[0].startTimeUnixNano);
  const lastMs = spans.reduce((max, span) => Math.max(max, msOf(span.endTimeUnixNano)), firstMs);
  const trace: ViewTrace = {
    id: traceId,
    tags: fromAny((span) => tagsOf(span, () => {})) ?? [],
    metadata: metadataOf(head),
    environment: env.value,
    // Langfuse v4 keeps the most of the spans' flags: one public span makes the trace public.
    public: spans.some((span) => publicOf(span) === true),
    startMs,
    durationMs: lastMs - firstMs,
    hasRoot: root !== undefined,
    dialects: dialectsOf(spans),
    spanCount: spans.length,
    totalCost: sumCost(observations.map((obs) => obs.cost ?? 0)),
    totalTokens: sum(observations.map((obs) => obs.usage?.total ?? 0)),
    observations: top,
  };
  const name = fromAny(traceNameOf) ?? (root ? byId.get(root.spanId)!.name : undefined);
  if (name !== undefined) trace.name = name;
  if (cycles.length > 0) trace.parentCycle = cycles[0].map((obs) => obs.name);
  if (sessionId !== undefined) trace.sessionId = sessionId;
  if (userId !== undefined) trace.userId = userId;
  const version = fromAny(versionOf);
  if (version !== undefined) trace.version = version;
  const release = fromAny(releaseOf);
  if (release !== undefined) trace.release = release;
  if (root) {
    const io = traceIo(root);
    if (io.input !== undefined) trace.input = io.input;
    if (io.output !== undefined) trace.output = io.output;
    if (io.traceInput !== undefined) trace.traceInput = io.traceInput;
    if (io.traceOutput !== undefined) trace.traceOutput = io.traceOutput;
  }
  return trace;
}

/**
 * The root's input and output as each reader takes them: Langfuse v4 shows the root
 * observation's (in every dialect, see _io.ts); its trace record (v3 servers, trace evaluators)
 * takes `langfuse.trace.input` when it has a value, else the same.
 */
function traceIo(root: ReceivedSpan): Pick<
  ViewTrace,
  "input" | "output" | "traceInput" | "traceOutput"
> {
  const shown = ioOf(root);
  const recorded = ioOf(root, "trace");
  return {
    input: shown.input,
    output: shown.output,
    traceInput: recorded.input,
    traceOutput: recorded.output,
  };
}

/** Notes a root whose trace input or output Langfuse v4 shows otherwise than v3. */
function checkTraceIo(root: ReceivedSpan, add: (message: string, spanId?: string) => void): void {
  const io = traceIo(root);
  const sides = [
    ["input", TRACE.input, OBSERVATION.input, io.input, io.traceInput],
    ["output", TRACE.output, OBSERVATION.output, io.output, io.traceOutput],
  ] as const;
  for (const [side, traceKey, observationKey, shown, recorded] of sides) {
    if (!root.attributes[traceKey] || JSON.stringify(shown) === JSON.stringify(recorded)) continue;
    add(
      shown === undefined
        ? `Root span ${quote(root.name)} sets ${traceKey} but no ${observationKey}: Langfuse v4 ` +
          `shows a trace's ${side} from its root observation, so this trace shows none ` +
          `(v3 servers and trace evaluators read ${traceKey})`
        : `Root span ${quote(root.name)} sets ${traceKey} and a different ${observationKey}: ` +
          `Langfuse v4 shows the root observation's as the trace's ${side}, v3 servers and ` +
          `trace evaluators ${traceKey}`,
      root.spanId,
    );
  }
}

/** What a cut parent cycle (see linkTree) tells the user. */
function cycleProblem(cycle: ViewObservation[]): string {
  const first = quote(cycle[0].name);
  if (cycle.length === 1) {
    return `Span ${first} names itself as its parent; it is shown at the top, not nested`;
  }
  const names = cycle.slice(0, 3).map((obs) => quote(obs.name)).join(", ") +
    (cycle.length > 3 ? ` and ${cycle.length - 3} more` : "");
  return `Spans ${names} name each other as parents in a cycle; ` +
    `${first} is shown at the top, the others under it`;
}

/**
 * How far a child may pass its parent's edges before it is a problem: the OpenTelemetry JS SDK
 * starts a span at whole-millisecond wall time and ends it at start + a precise duration, so a
 * child that ends first can still end up to 1ms after its parent.
 */
const CLOCK_SLACK_MS = 1;

function checkNesting(
  obs: ViewObservation,
  parent: ViewObservation,
  add: (message: string, spanId?: string) => void,
): void {
  const before = parent.startMs - obs.startMs;
  const after = obs.startMs + obs.durationMs - (parent.startMs + parent.durationMs);
  if (before > CLOCK_SLACK_MS) {
    add(
      `Span ${quote(obs.name)} starts ${before}ms before its parent ${quote(parent.name)}`,
      obs.id,
    );
  }
  if (after > CLOCK_SLACK_MS) {
    add(`Span ${quote(obs.name)} ends ${after}ms after its parent ${quote(parent.name)}`, obs.id);
  }
}

function buildSessions(traces: ViewTrace[], problems: Problems): ViewSession[] {
  const groups = new Map<string, ViewTrace[]>();
  for (const trace of traces) {
    if (trace.sessionId === undefined) continue;
    const group = groups.get(trace.sessionId) ?? [];
    group.push(trace);
    groups.set(trace.sessionId, group);
  }
  // Traces are already in start order, so each group and the map's order follow it.
  return [...groups].map(([id, group]) => {
    const userIds = [...new Set(group.flatMap((t) => t.userId === undefined ? [] : [t.userId]))]
      .sort(compare);
    if (userIds.length > 1) {
      problems.add(
        `Session ${quote(id)} has traces of ${userIds.length} users (${
          userIds.map(quote).join(", ")
        })`,
      );
    }
    const startMs = group[0].startMs;
    const endMs = group.reduce((max, t) => Math.max(max, t.startMs + t.durationMs), startMs);
    return {
      id,
      userIds,
      traceIds: group.map((t) => t.id),
      startMs,
      durationMs: endMs - startMs,
      spanCount: sum(group.map((t) => t.spanCount)),
      totalCost: sumCost(group.map((t) => t.totalCost)),
      totalTokens: sum(group.map((t) => t.totalTokens)),
    };
  });
}

function buildUsers(traces: ViewTrace[]): ViewUser[] {
  const users = new Map<string, { sessions: Set<string>; traces: ViewTrace[] }>();
  for (const trace of traces) {
    if (trace.userId === undefined) continue;
    const user = users.get(trace.userId) ?? { sessions: new Set<string>(), traces: [] };
    if (trace.sessionId !== undefined) user.sessions.add(trace.sessionId);
    user.traces.push(trace);
    users.set(trace.userId, user);
  }
  return [...users].sort(([a], [b]) => compare(a, b)).map(([id, user]) => ({
    id,
    sessionCount: user.sessions.size,
    traceCount: user.traces.length,
    totalCost: sumCost(user.traces.map((t) => t.totalCost)),
    totalTokens: sum(user.traces.map((t) => t.totalTokens)),
  }));
}

// --- small helpers ---

function byStart(a: ReceivedSpan, b: ReceivedSpan): number {
  const diff = a.startTimeUnixNano - b.startTimeUnixNano;
  return diff < 0n ? -1 : diff > 0n ? 1 : compare(a.spanId, b.spanId);
}
