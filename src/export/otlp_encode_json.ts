/**
 * Encodes an OTLP ExportTraceServiceRequest as JSON straight from the SDK's ReadableSpans,
 * byte for byte what `JsonTraceSerializer.serializeRequest` of `@opentelemetry/otlp-transformer`
 * 0.301 writes (`JSON.stringify` of its request objects: same grouping, same key order, the
 * same members left out when undefined), without building those objects: each value goes
 * through `JSON.stringify` on its own, the resource and scope once per batch, and attributes
 * that repeat from span to span are reused from the previous span. `otlp_encode_test.ts` proves
 * the equality for every shipped script and a load sample.
 */
import { Buffer } from "node:buffer";
import type { Attributes, AttributeValue, HrTime } from "@opentelemetry/api";
import type { ReadableSpan, TimedEvent } from "@opentelemetry/sdk-trace";

type Resource = ReadableSpan["resource"];
type Scope = ReadableSpan["instrumentationScope"];
type Link = ReadableSpan["links"][number];

/** Attribute values up to this many UTF-16 units are remembered for the next span. */
const REMEMBERED_VALUE = 256;
/** At most this many attribute keys are remembered (metadata keys are open-ended). */
const REMEMBERED_KEYS = 512;

const str = (s: string): string => JSON.stringify(s);
const num = (n: number): string => JSON.stringify(n);

/** A reusable JSON encoder; remembers the previous span's attributes between batches too. */
export class JsonSpanEncoder {
  readonly #utf8 = new TextEncoder();
  readonly #remembered = new Map<string, { value: AttributeValue | undefined; text: string }>();

  /** The request body for `spans`, as `JsonTraceSerializer.serializeRequest` makes it. */
  encode(spans: readonly ReadableSpan[]): Uint8Array {
    return this.#utf8.encode(this.encodeText(spans));
  }

  /** The request as text (the file target writes it as one line). */
  encodeText(spans: readonly ReadableSpan[]): string {
    let out = '{"resourceSpans":[';
    let firstResource = true;
    for (const [resource, scopes] of group(spans)) {
      if (!firstResource) out += ",";
      firstResource = false;
      const schemaUrl = resource.schemaUrl;
      const hasSchema = schemaUrl !== undefined && schemaUrl !== "";
      out += '{"resource":{"attributes":' + attributeList(resource.attributes, undefined) +
        ',"droppedAttributesCount":0' + (hasSchema ? ',"schemaUrl":' + str(schemaUrl) : "") +
        '},"scopeSpans":[';
      let firstScope = true;
      for (const list of scopes.values()) {
        if (!firstScope) out += ",";
        firstScope = false;
        const scope = list[0].instrumentationScope;
        out += '{"scope":' + scopeText(scope) + ',"spans":[';
        for (let i = 0; i < list.length; i++) {
          if (i > 0) out += ",";
          out += this.#span(list[i]);
        }
        out += "]";
        if (scope.schemaUrl !== undefined) out += ',"schemaUrl":' + str(scope.schemaUrl);
        out += "}";
      }
      out += "]";
      if (hasSchema) out += ',"schemaUrl":' + str(schemaUrl);
      out += "}";
    }
    return out + "]}";
  }

  #span(span: ReadableSpan): string {
    const ctx = span.spanContext();
    const parent = span.parentSpanContext;
    let out = '{"traceId":' + str(ctx.traceId) + ',"spanId":' + str(ctx.spanId);
    if (parent?.spanId) out += ',"parentSpanId":' + str(parent.spanId);
    const traceState = ctx.traceState?.serialize();
    if (traceState !== undefined) out += ',"traceState":' + str(traceState);
    out += ',"name":' + str(span.name) + ',"kind":' + num(span.kind == null ? 0 : span.kind + 1) +
      ',"startTimeUnixNano":"' + nanos(span.startTime) + '","endTimeUnixNano":"' +
      nanos(span.endTime) + '","attributes":' + attributeList(span.attributes, this.#remembered) +
      ',"droppedAttributesCount":' + num(span.droppedAttributesCount) + ',"events":[';
    for (let i = 0; i < span.events.length; i++) {
      if (i > 0) out += ",";
      out += eventText(span.events[i]);
    }
    out += '],"droppedEventsCount":' + num(span.droppedEventsCount) + ',"status":{"code":' +
      num(span.status.code) +
      (span.status.message !== undefined ? ',"message":' + str(span.status.message) : "") +
      '},"links":[';
    for (let i = 0; i < span.links.length; i++) {
      if (i > 0) out += ",";
      out += linkText(span.links[i]);
    }
    return out + '],"droppedLinksCount":' + num(span.droppedLinksCount) + ',"flags":' +
      num(spanFlags(ctx.traceFlags, parent?.isRemote)) + "}";
  }
}

function scopeText(scope: Scope): string {
  let out = '{"name":' + str(scope.name);
  if (scope.version !== undefined) out += ',"version":' + str(scope.version);
  // A scope's attributes arrived in a later API; read them the way the SDK serialiser does.
  const extra = scope as { attributes?: Attributes; droppedAttributesCount?: number };
  if (extra.attributes && Object.keys(extra.attributes).length > 0) {
    out += ',"attributes":' + attributeList(extra.attributes, undefined) +
      ',"droppedAttributesCount":' + num(extra.droppedAttributesCount ?? 0);
  }
  return out + "}";
}

function eventText(event: TimedEvent): string {
  return '{"attributes":' +
    (event.attributes ? attributeList(event.attributes, undefined) : "[]") + ',"name":' +
    str(event.name) + ',"timeUnixNano":"' + nanos(event.time) + '","droppedAttributesCount":' +
    num(event.droppedAttributesCount || 0) + "}";
}

function linkText(link: Link): string {
  const ctx = link.context;
  const traceState = ctx.traceState?.serialize();
  return '{"attributes":' + (link.attributes ? attributeList(link.attributes, undefined) : "[]") +
    ',"spanId":' + str(ctx.spanId) + ',"traceId":' + str(ctx.traceId) +
    (traceState !== undefined ? ',"traceState":' + str(traceState) : "") +
    ',"droppedAttributesCount":' + num(link.droppedAttributesCount || 0) + ',"flags":' +
    num(spanFlags(ctx.traceFlags, ctx.isRemote)) + "}";
}

/** `[{"key":…,"value":…},…]`; with `remembered`, equal values of the previous span are reused. */
function attributeList(
  attributes: Attributes,
  remembered: Map<string, { value: AttributeValue | undefined; text: string }> | undefined,
): string {
  let out = "[";
  let first = true;
  for (const key of Object.keys(attributes)) {
    if (!first) out += ",";
    first = false;
    const value = attributes[key];
    if (remembered !== undefined) {
      const last = remembered.get(key);
      if (last !== undefined && sameValue(last.value, value)) {
        out += last.text;
        continue;
      }
      const text = '{"key":' + str(key) + ',"value":' + anyValue(value) + "}";
      out += text;
      if (rememberable(value)) {
        const kept = Array.isArray(value) ? value.slice() : value;
        if (last !== undefined) {
          last.value = kept;
          last.text = text;
        } else if (remembered.size < REMEMBERED_KEYS) remembered.set(key, { value: kept, text });
      }
      continue;
    }
    out += '{"key":' + str(key) + ',"value":' + anyValue(value) + "}";
  }
  return out + "]";
}

function anyValue(value: unknown): string {
  const t = typeof value;
  if (t === "string") return '{"stringValue":' + str(value as string) + "}";
  if (t === "number") {
    return (Number.isInteger(value) ? '{"intValue":' : '{"doubleValue":') + num(value as number) +
      "}";
  }
  if (t === "boolean") return '{"boolValue":' + (value ? "true" : "false") + "}";
  if (value instanceof Uint8Array) {
    return '{"bytesValue":' + str(Buffer.from(value).toString("base64")) + "}";
  }
  if (Array.isArray(value)) {
    let out = '{"arrayValue":{"values":[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ",";
      out += anyValue(value[i]);
    }
    return out + "]}}";
  }
  if (t === "object" && value != null) {
    const obj = value as Record<string, unknown>;
    let out = '{"kvlistValue":{"values":[';
    let first = true;
    for (const k of Object.keys(obj)) {
      if (!first) out += ",";
      first = false;
      out += '{"key":' + str(k) + ',"value":' + anyValue(obj[k]) + "}";
    }
    return out + "]}}";
  }
  return "{}";
}

/** HrTime as decimal nanoseconds, as the SDK's BigInt arithmetic writes them. */
function nanos(time: HrTime): string {
  const [s, ns] = time;
  if (Number.isSafeInteger(s) && s > 0 && Number.isInteger(ns) && ns >= 0 && ns < 1e9) {
    return String(s) + String(ns).padStart(9, "0");
  }
  return (BigInt(Math.trunc(s)) * 1_000_000_000n + BigInt(Math.trunc(ns))).toString();
}

function spanFlags(traceFlags: number, isRemote: boolean | undefined): number {
  let flags = (traceFlags & 255) | 0x100;
  if (isRemote) flags |= 0x200;
  return flags;
}

/** Spans grouped by resource (identity), then by scope name, version and schema URL. */
function group(spans: readonly ReadableSpan[]): Map<Resource, Map<string, ReadableSpan[]>> {
  const resources = new Map<Resource, Map<string, ReadableSpan[]>>();
  let lastScope: Scope | undefined;
  let lastKey = "";
  for (const span of spans) {
    let scopes = resources.get(span.resource);
    if (scopes === undefined) {
      scopes = new Map();
      resources.set(span.resource, scopes);
    }
    const scope = span.instrumentationScope;
    if (scope !== lastScope) {
      lastScope = scope;
      lastKey = `${scope.name}@${scope.version || ""}:${scope.schemaUrl || ""}`;
    }
    let list = scopes.get(lastKey);
    if (list === undefined) {
      list = [];
      scopes.set(lastKey, list);
    }
    list.push(span);
  }
  return resources;
}

function rememberable(value: AttributeValue | undefined): boolean {
  if (typeof value === "string") return value.length <= REMEMBERED_VALUE;
  if (Array.isArray(value)) {
    return value.length <= 16 &&
      value.every((item) => typeof item === "string" && item.length <= REMEMBERED_VALUE);
  }
  return typeof value === "boolean" || typeof value === "number";
}

function sameValue(a: AttributeValue | undefined, b: AttributeValue | undefined): boolean {
  if (!Array.isArray(a)) return a === b && typeof a !== "object";
  if (!Array.isArray(b) || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
