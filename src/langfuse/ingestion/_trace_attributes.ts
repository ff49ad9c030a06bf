/**
 * Trace-level attributes as Langfuse reads them from a span: session, user, version, release,
 * environment, tags, public and metadata, under every name and in the order Langfuse's
 * `OtelIngestionProcessor` reads them, plus the checks that each span's values will show as sent
 * and that the spans of one trace agree on them. Private to the folder.
 */
import type { AttrValue, ReceivedSpan } from "../../otlp/decode.ts";
import {
  OBSERVATION_METADATA_PREFIX,
  TRACE,
  TRACE_METADATA_PREFIX,
} from "../../emit/attributes.ts";
import { COMPAT, SEMCONV } from "./_semconv.ts";
import { dialectOf, TRACE_KEYS } from "./dialects.ts";
import { firstText, isPlainObject, parseJson, quote, show, text, toJson } from "./_values.ts";

const DEFAULT_ENVIRONMENT = "default";

/** A trace's session and user ids: its root's, and what Langfuse takes for the trace. */
export interface TraceIds {
  rootSession?: string;
  rootUser?: string;
  /** The trace's own (Langfuse v4: the latest span's that has one). */
  session?: string;
  user?: string;
}

/** Session and user, side by side: how to read each and the words for its problems. */
const ID_FIELDS = [
  {
    word: "session",
    of: (span: ReceivedSpan) => sessionOf(span),
    root: (ids: TraceIds) => ids.rootSession,
    trace: (ids: TraceIds) => ids.session,
    cannot: "group it into a session",
    groups: "groups its trace into session",
  },
  {
    word: "user",
    of: (span: ReceivedSpan) => userOf(span),
    root: (ids: TraceIds) => ids.rootUser,
    trace: (ids: TraceIds) => ids.user,
    cannot: "attribute it to a user",
    groups: "attributes its trace to user",
  },
] as const;

/**
 * Notes where a span's session, user, tags or environment will not show as sent. A span without
 * a session or user id is a problem only in Langfuse's own dialect, whose SDK puts them on every
 * span (Langfuse v4 keeps them per observation row, where the v2 observations API and the
 * observation filters look); other instrumentation sets them on some spans only, and Langfuse
 * groups the trace by any span's (see checkTraceIds).
 */
export function checkTraceLevel(
  span: ReceivedSpan,
  ids: TraceIds,
  add: (message: string, spanId?: string) => void,
): void {
  const native = dialectOf(span) === "langfuse";
  for (const id of ID_FIELDS) {
    const value = id.of(span);
    const root = id.root(ids);
    const trace = id.trace(ids);
    if (value === undefined && native) {
      add(
        `Span ${quote(span.name)} has no ${id.word} id; ` +
          (trace === undefined
            ? `Langfuse cannot ${id.cannot}`
            : `Langfuse ${id.groups} ${quote(trace)} by another span, but filters on ` +
              `observations by ${id.word} (and the v2 observations API) miss this one`),
        span.spanId,
      );
    } else if (value !== undefined && root !== undefined && value !== root) {
      add(
        `Span ${quote(span.name)} has ${id.word} id ${quote(value)} but its trace root has ${
          quote(root)
        }`,
        span.spanId,
      );
    }
  }
  tagsOf(span, add);
  checkMetadata(span, add);
  const env = environmentOf(span);
  if (env.raw !== undefined && env.value !== env.raw) {
    add(
      env.value === DEFAULT_ENVIRONMENT
        ? `Environment ${quote(env.raw)} will be stored as "default": Langfuse allows only ` +
          `lowercase a-z, 0-9, "_" and "-", at most 40 characters, not starting with "langfuse"`
        : `Environment ${quote(env.raw)} will be stored as ${quote(env.value)}`,
      span.spanId,
    );
  }
}

/**
 * Notes a trace that no span gives a session or user id, in the words of the dialect its head
 * span speaks. Langfuse's own dialect is checked span by span instead (checkTraceLevel).
 */
export function checkTraceIds(
  head: ReceivedSpan,
  ids: TraceIds,
  add: (message: string, spanId?: string) => void,
): void {
  const dialect = dialectOf(head);
  if (dialect === "langfuse") return;
  const keys = TRACE_KEYS[dialect];
  if (ids.session === undefined) {
    add(
      `No span of trace ${quote(head.name)} has a session id; Langfuse cannot group it into a ` +
        `session (${dialect} spans carry it as ${keys.session})`,
      head.spanId,
    );
  }
  if (ids.user === undefined) {
    add(
      `No span of trace ${quote(head.name)} has a user id; Langfuse cannot attribute it to a ` +
        `user (${dialect} spans carry it as ${keys.user})`,
      head.spanId,
    );
  }
}

/**
 * The keys that make a v3 server read trace fields from a span that is not the root
 * (OtelIngestionProcessor `hasTraceUpdates`), besides any `langfuse.trace.metadata*` key.
 * `gen_ai.conversation.id` is not among them.
 */
const V3_TRACE_UPDATE_KEYS = [
  TRACE.name,
  TRACE.input,
  TRACE.output,
  TRACE.public,
  TRACE.tags,
  TRACE.userId,
  TRACE.sessionId,
  ...SEMCONV.userId,
  "session.id",
  ...COMPAT.sessionId,
  ...COMPAT.userId,
  ...COMPAT.tags.filter((key) => key !== "langfuse.tags"),
];

/** Whether a v3 server reads trace fields (the session id among them) from this span. */
function updatesTraceOnV3(span: ReceivedSpan, isRoot: boolean): boolean {
  return isRoot || V3_TRACE_UPDATE_KEYS.some((key) => Boolean(span.attributes[key])) ||
    Object.keys(span.attributes).some((key) => key.startsWith(TRACE_METADATA_PREFIX.slice(0, -1)));
}

/**
 * Notes a session id Langfuse v4 groups the trace by but a v3 server never reads: sent on spans
 * that are not the root only as `gen_ai.conversation.id`, which is no trace update for v3.
 */
export function checkV3Session(
  spans: ReceivedSpan[],
  root: ReceivedSpan | undefined,
  session: string | undefined,
  add: (message: string, spanId?: string) => void,
): void {
  if (session === undefined) return;
  const read = spans.some((span) => updatesTraceOnV3(span, span === root) && sessionOf(span));
  if (read) return;
  const carrier = spans.find((span) => sessionOf(span) !== undefined)!;
  add(
    `Session id ${quote(session)} is sent only as gen_ai.conversation.id on span ` +
      `${quote(carrier.name)}, not the root: Langfuse v4 groups the trace, v3 servers do not ` +
      `(put it on the root span too)`,
    carrier.spanId,
  );
}

/**
 * Notes metadata Langfuse's metadata filter cannot match: Langfuse keeps metadata as flat
 * string values under `langfuse.trace.metadata.<key>` (and `langfuse.observation.metadata.<key>`),
 * so a nested object, an array, or a whole object under the bare prefix becomes one JSON text
 * whose fields no filter reaches.
 */
export function checkMetadata(
  span: ReceivedSpan,
  add: (message: string, spanId?: string) => void,
): void {
  for (const [key, value] of Object.entries(span.attributes)) {
    const bare = key === TRACE_METADATA_PREFIX.slice(0, -1) ||
      key === OBSERVATION_METADATA_PREFIX.slice(0, -1);
    const prefixed = key.startsWith(TRACE_METADATA_PREFIX) ||
      key.startsWith(OBSERVATION_METADATA_PREFIX);
    if (!bare && !prefixed) continue;
    const type = span.attributeTypes[key];
    const parsed = typeof value === "string" && /^\s*[[{]/.test(value)
      ? parseJson(value)
      : undefined;
    const nested = type === "kvlist" || type === "array" ||
      (typeof parsed === "object" && parsed !== null);
    if (bare) {
      // Langfuse reads a JSON object's fields as the metadata's; anything else it drops.
      if (metadataObject(value) !== undefined) continue;
      add(
        `Metadata sent as one attribute ${quote(key)} on span ${quote(span.name)} is not a ` +
          `JSON object; Langfuse drops it: send one ${quote(`${key}.<key>`)} attribute per ` +
          `field, each a string`,
        span.spanId,
      );
    } else if (nested) {
      add(
        `Metadata ${quote(key)} of span ${quote(span.name)} is a nested ${
          type === "array" || (typeof value === "string" && value.trim().startsWith("["))
            ? "array"
            : "object"
        }; Langfuse stores it as JSON text, so filters cannot match its fields: ` +
          `flatten it into string values, one attribute per field`,
        span.spanId,
      );
    }
  }
}

/** Trace-level fields whose non-empty values differ between the spans of one trace. */
export function disagreements(spans: ReceivedSpan[]): [string, string[]][] {
  const fields: [string, (span: ReceivedSpan) => string | undefined][] = [
    ["environment", (span) => environmentOf(span).value],
    ["version", versionOf],
    ["release", releaseOf],
    ["tags", (span) => {
      const tags = tagsOf(span, () => {});
      return tags && tags.length > 0 ? tags.join(",") : undefined;
    }],
    ["trace name", traceNameOf],
  ];
  const out: [string, string[]][] = [];
  for (const [field, read] of fields) {
    const values = [...new Set(spans.map(read).filter((v): v is string => v !== undefined))];
    if (values.length > 1) out.push([field, values]);
  }
  return out;
}

/** The session id: Langfuse's own key first, then the OTel ones, then the older ones. */
export function sessionOf(span: ReceivedSpan): string | undefined {
  return firstText(span.attributes, [TRACE.sessionId, ...SEMCONV.sessionId, ...COMPAT.sessionId]);
}

/** The user id: Langfuse's own key first, then the OTel one, then the older ones. */
export function userOf(span: ReceivedSpan): string | undefined {
  return firstText(span.attributes, [TRACE.userId, ...SEMCONV.userId, ...COMPAT.userId]);
}

/** The trace name a span sets (`langfuse.trace.name`); the root's span name is the fallback. */
export function traceNameOf(span: ReceivedSpan): string | undefined {
  return text(span.attributes[TRACE.name]);
}

/**
 * The trace version: the span's langfuse.version when sent (even empty, which is no version),
 * else the resource's service.version.
 */
export function versionOf(span: ReceivedSpan): string | undefined {
  return present(span.attributes[TRACE.version])
    ? text(span.attributes[TRACE.version])
    : text(span.resource[SEMCONV.serviceVersion]);
}

/** The release: the span's attribute when sent, else the resource's. */
export function releaseOf(span: ReceivedSpan): string | undefined {
  return present(span.attributes[TRACE.release])
    ? text(span.attributes[TRACE.release])
    : text(span.resource[TRACE.release]);
}

/**
 * Whether the span makes its trace public: `langfuse.trace.public`, else `langfuse.public`, true
 * or "true"; undefined when neither is sent.
 */
export function publicOf(span: ReceivedSpan): boolean | undefined {
  const value = present(span.attributes[TRACE.public])
    ? span.attributes[TRACE.public]
    : span.attributes[COMPAT.public];
  if (!present(value)) return undefined;
  return value === true || value === "true";
}

/** The environment as sent (`raw`) and as Langfuse stores it (`value`). */
export function environmentOf(span: ReceivedSpan): { raw?: string; value: string } {
  // Key by key, span before resource, as Langfuse's extractEnvironment does.
  for (const key of [TRACE.environment, ...SEMCONV.environment]) {
    for (const source of [span.attributes, span.resource]) {
      const raw = source[key];
      if (!raw) continue;
      if (typeof raw !== "string") return { raw: show(raw), value: DEFAULT_ENVIRONMENT };
      return { raw, value: normalizeEnvironment(raw) };
    }
  }
  return { value: DEFAULT_ENVIRONMENT };
}

/** Lowercases, strips a leading "langfuse" prefix, keeps 40 chars, else "default". */
function normalizeEnvironment(raw: string): string {
  const value = raw.toLowerCase().replace(/^(?:langfuse[-_]?)+/, "").slice(0, 40);
  return /^[a-z0-9_-]+$/.test(value) ? value : DEFAULT_ENVIRONMENT;
}

/** OpenInference's tags key (`tag.tags`): its SDKs send it as JSON array text. */
const OPENINFERENCE_TAGS = "tag.tags";

/** The tags as Langfuse reads them; undefined when not sent. Odd shapes go to `add`. */
export function tagsOf(
  span: ReceivedSpan,
  add: (message: string, spanId?: string) => void,
): string[] | undefined {
  // The first name with a value (JavaScript's truth: an empty array counts), as Langfuse reads.
  const key = [TRACE.tags, ...COMPAT.tags].find((name) => Boolean(span.attributes[name]));
  const raw = key === undefined ? undefined : span.attributes[key];
  if (raw === undefined || raw === null || raw === "") return undefined;
  if (Array.isArray(raw)) {
    if (!raw.every((tag) => typeof tag === "string")) {
      add(`Tags ${show(raw)} are not all strings; Langfuse converts each to a string`, span.spanId);
    }
    return raw.map((tag) => typeof tag === "string" ? tag : show(tag));
  }
  if (typeof raw === "string") {
    const parsed = raw.trim().startsWith("[") ? parseJson(raw) : undefined;
    // OpenInference always sends tag.tags as a JSON array text, which Langfuse parses.
    if (!(key === OPENINFERENCE_TAGS && Array.isArray(parsed))) {
      add(
        `Tags sent as a string (${quote(raw)}); Langfuse accepts it, but send a string array`,
        span.spanId,
      );
    }
    if (Array.isArray(parsed)) {
      return parsed.map((tag) => typeof tag === "string" ? tag : show(tag));
    }
    return raw.includes(",") ? raw.split(",").map((tag) => tag.trim()) : [raw];
  }
  add(`Tags ${show(raw)} are not a string array; Langfuse ignores them`, span.spanId);
  return [];
}

/**
 * Trace metadata as Langfuse reads it: the fields of a JSON object sent as one attribute
 * (`langfuse.trace.metadata`, else `langfuse.metadata`), then the flat prefixed attributes
 * (`langfuse.trace.metadata.<key>`, `langfuse.metadata.<key>`, `ai.telemetry.metadata.<key>`),
 * which win; non-strings as JSON.
 */
export function metadataOf(span: ReceivedSpan): Record<string, string> {
  const attrs = span.attributes;
  const blobKey = TRACE_METADATA_PREFIX.slice(0, -1);
  const out: Record<string, string> = {};
  const blob = metadataObject(attrs[blobKey] || attrs[COMPAT.metadata]) ?? {};
  for (const [key, value] of Object.entries(blob)) {
    if (value !== null) out[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  const prefixes = [TRACE_METADATA_PREFIX, ...COMPAT.metadataPrefixes];
  const skipped = new Set<string>(COMPAT.notMetadata);
  for (const [key, value] of Object.entries(attrs)) {
    const prefix = prefixes.find((p) => key.startsWith(p) && key.length > p.length);
    if (prefix === undefined || skipped.has(key) || value === null) continue;
    out[key.slice(prefix.length)] = typeof value === "string" ? value : show(value);
  }
  return out;
}

/** A metadata attribute sent whole as Langfuse reads it: a JSON object (or kvlist), else none. */
function metadataObject(value: AttrValue | undefined): Record<string, unknown> | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const json = typeof value === "string" ? parseJson(value) : toJson(value);
  // Langfuse takes any JSON object, an array too (its indices become keys).
  if (isPlainObject(json) || Array.isArray(json)) return { ...json };
  return undefined;
}

/** Sent: not absent and not null (Langfuse's `??`). */
function present(value: AttrValue | undefined): boolean {
  return value !== undefined && value !== null;
}
