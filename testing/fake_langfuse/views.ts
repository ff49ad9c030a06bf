/**
 * The fake Langfuse's read model: turns received spans into the public API's shapes, through
 * the same interpretation verify uses (langfuse/ingestion/view.ts). Pure: spans and facts in,
 * response objects out. Private to the folder.
 */
import type { AttrValue, ReceivedSpan } from "../../src/otlp/decode.ts";
import { OBSERVATION, OBSERVATION_METADATA_PREFIX } from "../../src/emit/attributes.ts";
import {
  interpretSpans,
  type ViewObservation,
  type ViewTrace,
} from "../../src/langfuse/ingestion/view.ts";
import type {
  ApiTrace,
  JsonValue,
  ObservationFieldGroup,
  ObservationV2,
  SessionWithTraces,
  TraceWithDetails,
} from "../../src/langfuse/api_types.ts";

/** A span as the fake stored it. */
export interface StoredSpan {
  span: ReceivedSpan;
  /** When it arrived, epoch ms. */
  receivedMs: number;
  /** The prompt link ingestion resolved for a generation (prompt_link.ts); else read as sent. */
  prompt?: { id: string | null; name: string | null; version: number | null };
}

/** Facts besides the spans that responses carry. */
export interface ViewFacts {
  projectId: string;
  /** Score ids by trace id. */
  scoresByTrace: ReadonlyMap<string, readonly string[]>;
}

/** Keys of each `fields` group; `always` keys come on every row. */
const GROUP_KEYS: Record<ObservationFieldGroup | "always", readonly (keyof ObservationV2)[]> = {
  core: ["id", "traceId", "startTime", "endTime", "projectId", "parentObservationId", "type"],
  basic: [
    "name",
    "level",
    "statusMessage",
    "version",
    "environment",
    "bookmarked",
    "public",
    "userId",
    "sessionId",
    "isRootObservation",
  ],
  time: ["completionStartTime", "createdAt", "updatedAt"],
  io: ["input", "output"],
  metadata: ["metadata"],
  model: ["model", "internalModelId", "modelParameters"],
  usage: ["usageDetails", "costDetails", "totalCost", "usagePricingTierName"],
  prompt: ["promptId", "promptName", "promptVersion"],
  metrics: ["latency", "timeToFirstToken"],
  trace_context: ["traceName", "tags", "release"],
  // Langfuse computes the metrics and adds the model enrichment to every v2 row.
  always: ["latency", "timeToFirstToken", "modelId", "inputPrice", "outputPrice", "totalPrice"],
};

const METADATA_VALUE_CHARS = 200;

/**
 * One v4 row per span, as the events table holds it: trace-level fields (session, user, tags,
 * version, ...) come from that span's own attributes, not from its trace root.
 */
export function observationRow(
  stored: StoredSpan,
  facts: Pick<ViewFacts, "projectId">,
): ObservationV2 {
  const { span } = stored;
  // Interpreting the span alone yields exactly what its own row carries.
  const trace = interpretSpans([span]).traces[0];
  const obs = trace.observations[0];
  const received = iso(stored.receivedMs);
  return {
    id: obs.id,
    traceId: span.traceId,
    startTime: iso(obs.startMs),
    endTime: iso(obs.startMs + obs.durationMs),
    projectId: facts.projectId,
    parentObservationId: obs.parentId ?? null,
    type: obs.type.toUpperCase(),
    isRootObservation: obs.parentId === undefined,
    name: obs.name,
    level: obs.level,
    statusMessage: obs.statusMessage ?? null,
    version: trace.version ?? null,
    environment: trace.environment,
    bookmarked: false,
    public: trace.public,
    userId: trace.userId ?? null,
    sessionId: trace.sessionId ?? null,
    completionStartTime: obs.completionStartMs === undefined ? null : iso(obs.completionStartMs),
    createdAt: received,
    updatedAt: received,
    input: rawText(span.attributes[OBSERVATION.input]),
    output: rawText(span.attributes[OBSERVATION.output]),
    metadata: metadataOf(span, trace),
    model: obs.model ?? null,
    internalModelId: null,
    modelParameters: jsonAttribute(span.attributes[OBSERVATION.modelParameters]),
    usageDetails: usageDetails(obs),
    costDetails: costDetails(span, obs),
    totalCost: obs.cost ?? 0,
    usagePricingTierName: null,
    promptId: stored.prompt ? stored.prompt.id : null,
    promptName: stored.prompt ? stored.prompt.name : obs.prompt?.name ?? null,
    promptVersion: stored.prompt ? stored.prompt.version : obs.prompt?.version ?? null,
    latency: obs.durationMs / 1000,
    timeToFirstToken: obs.completionStartMs === undefined
      ? null
      : (obs.completionStartMs - obs.startMs) / 1000,
    modelId: null,
    inputPrice: null,
    outputPrice: null,
    totalPrice: null,
    traceName: trace.name ?? null,
    tags: trace.tags,
    release: trace.release ?? null,
  };
}

/** A full row cut down to the requested `fields` groups (core and the always-keys stay). */
export function pickGroups(
  row: ObservationV2,
  groups: readonly ObservationFieldGroup[],
): ObservationV2 {
  const keys = new Set<keyof ObservationV2>([...GROUP_KEYS.core, ...GROUP_KEYS.always]);
  for (const group of groups) for (const key of GROUP_KEYS[group]) keys.add(key);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    if (keys.has(key as keyof ObservationV2)) out[key] = value;
  }
  return out as unknown as ObservationV2;
}

/** Orders v4 rows as Langfuse pages them: start time, then trace id, then id, all descending. */
export function compareRows(a: CursorKey, b: CursorKey): number {
  return compareText(b.startTime, a.startTime) || compareText(b.traceId ?? "", a.traceId ?? "") ||
    compareText(b.id, a.id);
}

/** The position a cursor encodes. */
export interface CursorKey {
  startTime: string;
  traceId: string | null;
  id: string;
}

/** Encodes a cursor as Langfuse does: base64 of JSON {lastStartTimeTo, lastTraceId, lastId}. */
export function encodeCursor(row: CursorKey): string {
  const json = JSON.stringify({
    lastStartTimeTo: row.startTime,
    lastTraceId: row.traceId ?? "",
    lastId: row.id,
  });
  return btoa(String.fromCharCode(...new TextEncoder().encode(json)));
}

/** Decodes a cursor; undefined when it is not one of ours. */
export function decodeCursor(cursor: string): CursorKey | undefined {
  try {
    const bytes = Uint8Array.from(atob(cursor), (c) => c.charCodeAt(0));
    const parsed: unknown = JSON.parse(new TextDecoder().decode(bytes));
    if (typeof parsed !== "object" || parsed === null) return undefined;
    const { lastStartTimeTo, lastTraceId, lastId } = parsed as Record<string, unknown>;
    if (
      typeof lastStartTimeTo !== "string" || typeof lastTraceId !== "string" ||
      typeof lastId !== "string"
    ) return undefined;
    return { startTime: lastStartTimeTo, traceId: lastTraceId, id: lastId };
  } catch {
    return undefined;
  }
}

/** A v3 trace (commons.Trace plus the keys the server adds). */
export function apiTrace(
  trace: ViewTrace,
  stored: readonly StoredSpan[],
  facts: ViewFacts,
): ApiTrace {
  const received = stored.filter((s) => s.span.traceId === trace.id).map((s) => s.receivedMs);
  return {
    id: trace.id,
    timestamp: iso(trace.startMs),
    name: trace.name ?? null,
    // The v3 trace record: langfuse.trace.input first, as Langfuse's trace-create reads it.
    input: trace.traceInput ?? null,
    output: trace.traceOutput ?? null,
    sessionId: trace.sessionId ?? null,
    release: trace.release ?? null,
    version: trace.version ?? null,
    userId: trace.userId ?? null,
    metadata: { ...trace.metadata },
    tags: trace.tags,
    public: trace.public,
    environment: trace.environment,
    externalId: null,
    projectId: facts.projectId,
    bookmarked: false,
    createdAt: iso(received.reduce((a, b) => Math.min(a, b), Infinity)),
    updatedAt: iso(received.reduce((a, b) => Math.max(a, b), -Infinity)),
  };
}

/** A row of `GET /api/public/traces`. */
export function traceWithDetails(
  trace: ViewTrace,
  stored: readonly StoredSpan[],
  facts: ViewFacts,
): TraceWithDetails {
  return {
    ...apiTrace(trace, stored, facts),
    htmlPath: `/project/${facts.projectId}/traces/${trace.id}`,
    latency: trace.durationMs / 1000,
    totalCost: trace.totalCost,
    observations: flatten(trace.observations).map((obs) => obs.id),
    scores: [...(facts.scoresByTrace.get(trace.id) ?? [])],
  };
}

/** `GET /api/public/sessions/{id}`; undefined when no visible trace has that session. */
export function sessionWithTraces(
  id: string,
  traces: readonly ViewTrace[],
  stored: readonly StoredSpan[],
  facts: ViewFacts,
): SessionWithTraces | undefined {
  const own = traces.filter((trace) => trace.sessionId === id);
  if (own.length === 0) return undefined;
  const ids = new Set(own.map((trace) => trace.id));
  const first = stored.reduce(
    (min, s) => ids.has(s.span.traceId) ? Math.min(min, s.receivedMs) : min,
    Infinity,
  );
  return {
    id,
    createdAt: iso(first),
    projectId: facts.projectId,
    environment: own[0].environment,
    traces: own.map((trace) => apiTrace(trace, stored, facts)),
  };
}

function flatten(list: readonly ViewObservation[]): ViewObservation[] {
  return list.flatMap((obs) => [obs, ...flatten(obs.children)]);
}

/** Observation metadata then trace metadata, flat strings cut to 200 chars as v2 returns them. */
function metadataOf(span: ReceivedSpan, trace: ViewTrace): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(span.attributes)) {
    if (key.startsWith(OBSERVATION_METADATA_PREFIX) && value !== null) {
      out[key.slice(OBSERVATION_METADATA_PREFIX.length)] = textOf(value);
    }
  }
  Object.assign(out, trace.metadata);
  for (const key of Object.keys(out)) out[key] = out[key].slice(0, METADATA_VALUE_CHARS);
  return out;
}

/** Cost buckets as sent in cost_details, else the total alone. */
/** Every usage type stored, as Langfuse keeps usage_details: input, output, the others, total. */
function usageDetails(obs: ViewObservation): Record<string, number> {
  const { details, ...counts } = obs.usage ?? {};
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries({ ...counts, ...details })) {
    if (value !== undefined) out[key] = value;
  }
  return out;
}

function costDetails(span: ReceivedSpan, obs: ViewObservation): Record<string, number> {
  const raw = jsonAttribute(span.attributes[OBSERVATION.cost]);
  const out: Record<string, number> = {};
  if (raw !== null && typeof raw === "object" && !Array.isArray(raw)) {
    for (const [key, value] of Object.entries(raw)) if (typeof value === "number") out[key] = value;
  }
  if (obs.cost !== undefined) out.total = obs.cost;
  return out;
}

function rawText(value: AttrValue | undefined): string | null {
  if (value === undefined || value === null) return null;
  return textOf(value);
}

function jsonAttribute(value: AttrValue | undefined): JsonValue {
  if (typeof value !== "string" || value === "") return null;
  try {
    return JSON.parse(value) as JsonValue;
  } catch {
    return value;
  }
}

function textOf(value: AttrValue): string {
  if (typeof value === "string") return value;
  if (value instanceof Uint8Array) return JSON.stringify(Array.from(value));
  return JSON.stringify(value);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
