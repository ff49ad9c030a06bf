/**
 * Received OTLP spans as recorded sessions: the observation tree, types, levels, models, usage
 * prompt links, inputs, outputs and model parameters read exactly as the preview reads them
 * (langfuse/ingestion/view.ts), plus what the view leaves out (metadata, cost buckets) from the
 * raw attributes. Pure: spans in, sessions out. Shared by `--from-otlp` and `--listen`.
 */
import type { AttrValue, ReceivedSpan } from "../otlp/decode.ts";
import { OBSERVATION, OBSERVATION_METADATA_PREFIX } from "../emit/attributes.ts";
import type { Json } from "../plan/types.ts";
import {
  interpretSpans,
  type ViewObservation,
  type ViewTrace,
} from "../langfuse/ingestion/view.ts";
import { brokenTrace } from "./broken_trace.ts";
import type { RecordedObservation, RecordedSession, RecordedTrace, SkippedTrace } from "./types.ts";
import { perUsageType } from "./usage_details.ts";
import { DEFAULT_DIALECT, type Dialect, DIALECTS } from "../plan/dialects.ts";

/** Input that cannot be read or is not what it should be; the message names the file or id. */
export class RecordInputError extends Error {
  override readonly name = "RecordInputError";
}

/** Options for {@link sessionsFromSpans}. */
export interface FromSpansOptions {
  /** Where the spans came from, for the script's header, e.g. "an OTLP file"; required. */
  source: string;
}

/**
 * Groups spans into sessions (by the session id Langfuse will read, in order of first trace);
 * traces without a session id form one session of their own, last.
 */
export function sessionsFromSpans(
  spans: readonly ReceivedSpan[],
  options: FromSpansOptions,
): RecordedSession[] {
  const view = interpretSpans([...spans]);
  const bySpan = new Map(spans.map((span) => [`${span.traceId}/${span.spanId}`, span]));
  const groups = new Map<
    string | undefined,
    { traces: RecordedTrace[]; skipped: SkippedTrace[]; dialects: string[] }
  >();
  for (const trace of view.traces) {
    const group = groups.get(trace.sessionId) ?? { traces: [], skipped: [], dialects: [] };
    group.dialects.push(...trace.dialects);
    groups.set(trace.sessionId, group);
    const recorded = recordTrace(trace, (id) => bySpan.get(`${trace.id}/${id}`));
    const top = [...(recorded.root ? [recorded.root] : []), ...recorded.orphans];
    const reason = brokenTrace(top, trace.parentCycle);
    if (reason === undefined) group.traces.push(recorded);
    else group.skipped.push({ traceId: trace.id, reason });
  }
  const ordered = [...groups].sort(([a], [b]) =>
    (a === undefined ? 1 : 0) - (b === undefined ? 1 : 0)
  );
  return ordered.map(([sessionId, { traces, skipped, dialects }]) => {
    const userId = traces.find((t) => t.userId !== undefined)?.userId;
    return {
      ...(sessionId !== undefined ? { sessionId } : {}),
      ...(userId !== undefined ? { userId } : {}),
      traces,
      // OTLP carries no scores (Langfuse's scores come through its API).
      scores: [],
      source: options.source,
      dialect: replayDialect(dialects),
      ...(skipped.length > 0 ? { skipped } : {}),
    };
  });
}

/**
 * The `--dialect` a session's spans spoke: an instrumentation's (GenAI, OpenInference, Vercel)
 * when its traces speak one, the one most of them speak; else Langfuse's own (its SDK's spans and
 * plain OpenTelemetry spans both replay natively).
 */
function replayDialect(spoken: readonly string[]): Dialect {
  const counts = new Map<Dialect, number>();
  for (const dialect of DIALECTS) {
    const n = spoken.filter((d) => d === dialect).length;
    if (dialect !== DEFAULT_DIALECT && n > 0) counts.set(dialect, n);
  }
  const [best] = [...counts].sort(([, a], [, b]) => b - a);
  return best?.[0] ?? DEFAULT_DIALECT;
}

function recordTrace(
  trace: ViewTrace,
  spanOf: (id: string) => ReceivedSpan | undefined,
): RecordedTrace {
  // Without recursion: a trace from outside may nest tens of thousands of spans deep.
  const recorded = new Map<ViewObservation, RecordedObservation>();
  const stack = [...trace.observations];
  while (stack.length > 0) {
    const obs = stack.pop()!;
    recorded.set(obs, recordObservation(obs, spanOf));
    for (const child of obs.children) stack.push(child);
  }
  for (const [obs, out] of recorded) out.children = obs.children.map((c) => recorded.get(c)!);
  const top = trace.observations.map((obs) => recorded.get(obs)!);
  const root = trace.hasRoot
    ? top.find((obs) => spanOf(obs.id)?.parentSpanId === undefined)
    : undefined;
  const out: RecordedTrace = {
    id: trace.id,
    tags: [...trace.tags],
    metadata: { ...trace.metadata },
    environment: trace.environment,
    startMs: trace.startMs,
    endMs: trace.startMs + trace.durationMs,
    orphans: top.filter((obs) => obs !== root),
    scores: [],
  };
  if (root) out.root = root;
  // Langfuse names a Vercel AI SDK trace `<functionId>:<operationId>`; the script's trace name is
  // the functionId, which a replay with --dialect vercel turns back into that.
  const functionId = root && spanOf(root.id)?.attributes["ai.telemetry.functionId"];
  const name = typeof functionId === "string" ? functionId : trace.name;
  if (name !== undefined) out.name = name;
  if (trace.sessionId !== undefined) out.sessionId = trace.sessionId;
  if (trace.userId !== undefined) out.userId = trace.userId;
  if (trace.version !== undefined) out.version = trace.version;
  if (trace.release !== undefined) out.release = trace.release;
  // The turn's input and output are the trace record's: the root's langfuse.trace.input (what
  // an app sets as the user's message, e.g. with the Langfuse SDK's setTraceIO) before its
  // observation input, as Langfuse reads a trace's input.
  const input = trace.traceInput ?? trace.input;
  const output = trace.traceOutput ?? trace.output;
  if (input !== undefined) out.input = input;
  if (output !== undefined) out.output = output;
  // The trace starts with its first span, root or not.
  const first = [...top].sort((a, b) => a.startMs - b.startMs)[0];
  if (first && first.startMs < out.startMs) out.startMs = first.startMs;
  return out;
}

function recordObservation(
  obs: ViewObservation,
  spanOf: (id: string) => ReceivedSpan | undefined,
): RecordedObservation {
  const span = spanOf(obs.id);
  const attrs = span?.attributes ?? {};
  const out: RecordedObservation = {
    id: obs.id,
    type: obs.type,
    name: obs.name,
    startMs: obs.startMs,
    endMs: obs.startMs + obs.durationMs,
    level: obs.level,
    // Filled in by recordTrace.
    children: [],
  };
  if (obs.statusMessage !== undefined) out.statusMessage = obs.statusMessage;
  // Input, output and parameters as Langfuse reads them in the span's dialect.
  if (obs.input !== undefined) out.input = obs.input;
  if (obs.output !== undefined) out.output = obs.output;
  const metadata = observationMetadata(attrs);
  if (metadata !== undefined) out.metadata = metadata;
  if (obs.model !== undefined) out.model = obs.model;
  if (obs.modelParameters !== undefined) out.modelParameters = { ...obs.modelParameters };
  if (obs.usage !== undefined) {
    const { input, output, details } = obs.usage;
    const usage = perUsageType({ input, output, ...details });
    if (usage) out.usage = usage;
  }
  const cost = costBuckets(attrs[OBSERVATION.cost], obs.cost);
  if (cost !== undefined) out.cost = cost;
  if (obs.completionStartMs !== undefined) out.completionStartMs = obs.completionStartMs;
  if (obs.prompt?.name !== undefined) {
    out.prompt = obs.prompt.version === undefined
      ? { name: obs.prompt.name }
      : { name: obs.prompt.name, version: obs.prompt.version };
  }
  return out;
}

/** `langfuse.observation.metadata.<key>` attributes; undefined when there are none. */
function observationMetadata(attrs: Record<string, AttrValue>): Record<string, Json> | undefined {
  const out: Record<string, Json> = {};
  for (const [key, value] of Object.entries(attrs)) {
    if (key.startsWith(OBSERVATION_METADATA_PREFIX) && value !== null) {
      out[key.slice(OBSERVATION_METADATA_PREFIX.length)] = toJson(value);
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Model parameters sent as a JSON object string; only scalar values are kept. */
export function modelParameters(
  raw: AttrValue | Json | undefined,
): Record<string, string | number | boolean> | undefined {
  const parsed = typeof raw === "string" ? parseJson(raw) : raw;
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return undefined;
  if (parsed instanceof Uint8Array) return undefined;
  const out: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
      out[key] = value;
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function costBuckets(
  raw: AttrValue | undefined,
  total: number | undefined,
): RecordedObservation["cost"] {
  const parsed = typeof raw === "string" ? parseJson(raw) : undefined;
  const out: NonNullable<RecordedObservation["cost"]> = {};
  if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) {
    Object.assign(out, perUsageType(parsed as Record<string, Json>));
  }
  if (total !== undefined) out.total = total;
  return Object.keys(out).length > 0 ? out : undefined;
}

function toJson(value: AttrValue): Json {
  if (value instanceof Uint8Array) return Array.from(value);
  if (Array.isArray(value)) return value.map(toJson);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, toJson(item)]));
  }
  return value;
}

function parseJson(raw: string): Json | undefined {
  try {
    return JSON.parse(raw) as Json;
  } catch {
    return undefined;
  }
}
