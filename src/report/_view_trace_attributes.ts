/**
 * Trace-level attributes as Langfuse reads them from a span: session, user, version, release,
 * environment, tags and metadata, plus the checks that each span's values will show as sent and
 * that the spans of one trace agree on them. Private to the folder.
 */
import type { ReceivedSpan } from "../export/otlp_decode.ts";
import { OBSERVATION_METADATA_PREFIX, TRACE, TRACE_METADATA_PREFIX } from "../emit/attributes.ts";
import { SEMCONV } from "./_view_semconv.ts";
import { firstText, parseJson, quote, show, text } from "./_view_values.ts";

const DEFAULT_ENVIRONMENT = "default";

/** Notes where a span's session, user, tags or environment will not show as sent. */
export function checkTraceLevel(
  span: ReceivedSpan,
  rootSession: string | undefined,
  rootUser: string | undefined,
  add: (message: string, spanId?: string) => void,
): void {
  const session = sessionOf(span);
  const user = userOf(span);
  if (session === undefined) {
    add(
      `Span ${quote(span.name)} has no session id; Langfuse cannot group it into a session`,
      span.spanId,
    );
  } else if (rootSession !== undefined && session !== rootSession) {
    add(
      `Span ${quote(span.name)} has session id ${quote(session)} but its trace root has ${
        quote(rootSession)
      }`,
      span.spanId,
    );
  }
  if (user === undefined) {
    add(
      `Span ${quote(span.name)} has no user id; Langfuse cannot attribute it to a user`,
      span.spanId,
    );
  } else if (rootUser !== undefined && user !== rootUser) {
    add(
      `Span ${quote(span.name)} has user id ${quote(user)} but its trace root has ${
        quote(rootUser)
      }`,
      span.spanId,
    );
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
      add(
        `Metadata sent as one attribute ${quote(key)} on span ${quote(span.name)}; ` +
          `Langfuse will not make its fields filterable: send one ${quote(`${key}.<key>`)} ` +
          `attribute per field, each a string`,
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
  ];
  const out: [string, string[]][] = [];
  for (const [field, read] of fields) {
    const values = [...new Set(spans.map(read).filter((v): v is string => v !== undefined))];
    if (values.length > 1) out.push([field, values]);
  }
  return out;
}

/** The session id: Langfuse's own key first, then the OTel ones. */
export function sessionOf(span: ReceivedSpan): string | undefined {
  return firstText(span.attributes, [TRACE.sessionId, ...SEMCONV.sessionId]);
}

/** The user id: Langfuse's own key first, then the OTel one. */
export function userOf(span: ReceivedSpan): string | undefined {
  return firstText(span.attributes, [TRACE.userId, ...SEMCONV.userId]);
}

/** The trace version: the span's langfuse.version, else the resource's service.version. */
export function versionOf(span: ReceivedSpan): string | undefined {
  return text(span.attributes[TRACE.version]) ?? text(span.resource[SEMCONV.serviceVersion]);
}

/** The release: the span's attribute, else the resource's. */
export function releaseOf(span: ReceivedSpan): string | undefined {
  return text(span.attributes[TRACE.release]) ?? text(span.resource[TRACE.release]);
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

/** The tags as Langfuse reads them; undefined when not sent. Odd shapes go to `add`. */
export function tagsOf(
  span: ReceivedSpan,
  add: (message: string, spanId?: string) => void,
): string[] | undefined {
  const raw = span.attributes[TRACE.tags];
  if (raw === undefined || raw === null || raw === "") return undefined;
  if (Array.isArray(raw)) {
    if (!raw.every((tag) => typeof tag === "string")) {
      add(`Tags ${show(raw)} are not all strings; Langfuse converts each to a string`, span.spanId);
    }
    return raw.map((tag) => typeof tag === "string" ? tag : show(tag));
  }
  if (typeof raw === "string") {
    add(
      `Tags sent as a string (${quote(raw)}); Langfuse accepts it, but send a string array`,
      span.spanId,
    );
    if (raw.trim().startsWith("[")) {
      const parsed = parseJson(raw);
      if (Array.isArray(parsed)) {
        return parsed.map((tag) => typeof tag === "string" ? tag : show(tag));
      }
    }
    return raw.includes(",") ? raw.split(",").map((tag) => tag.trim()) : [raw];
  }
  add(`Tags ${show(raw)} are not a string array; Langfuse ignores them`, span.spanId);
  return [];
}

/** Trace metadata from the prefixed span attributes, non-strings as JSON. */
export function metadataOf(span: ReceivedSpan): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(span.attributes)) {
    if (key.startsWith(TRACE_METADATA_PREFIX) && value !== null) {
      out[key.slice(TRACE_METADATA_PREFIX.length)] = typeof value === "string"
        ? value
        : show(value);
    }
  }
  return out;
}
