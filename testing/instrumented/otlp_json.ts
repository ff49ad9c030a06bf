/**
 * Test support: received spans back into an OTLP/JSON ExportTraceServiceRequest (the fixtures'
 * format, and what `record --from-otlp` reads), grouped by resource and scope as sent, each
 * attribute with the OTLP value type it arrived with.
 */
import type { AttrValue, ReceivedSpan } from "../../src/otlp/decode.ts";

type JsonValue = Record<string, unknown>;

/** The spans as one OTLP/JSON request, pretty-printed, ending in a newline. */
export function otlpJsonText(spans: readonly ReceivedSpan[]): string {
  return JSON.stringify(otlpJson(spans), null, 2) + "\n";
}

/** The spans as one OTLP/JSON request object. */
export function otlpJson(spans: readonly ReceivedSpan[]): { resourceSpans: JsonValue[] } {
  const resources = new Map<string, { resource: JsonValue; scopes: Map<string, JsonValue[]> }>();
  const scopes = new Map<string, JsonValue>();
  for (const span of spans) {
    const resourceKey = JSON.stringify(span.resource);
    const group = resources.get(resourceKey) ??
      { resource: { attributes: keyValues(span.resource) }, scopes: new Map() };
    resources.set(resourceKey, group);
    const scopeKey = JSON.stringify(span.scope);
    scopes.set(scopeKey, { ...span.scope });
    const list = group.scopes.get(scopeKey) ?? [];
    group.scopes.set(scopeKey, list);
    list.push(spanJson(span));
  }
  return {
    resourceSpans: [...resources.values()].map((group) => ({
      resource: group.resource,
      scopeSpans: [...group.scopes.entries()].map(([key, list]) => ({
        scope: scopes.get(key),
        spans: list,
      })),
    })),
  };
}

function spanJson(span: ReceivedSpan): JsonValue {
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    ...(span.parentSpanId === undefined ? {} : { parentSpanId: span.parentSpanId }),
    name: span.name,
    kind: span.kind,
    startTimeUnixNano: String(span.startTimeUnixNano),
    endTimeUnixNano: String(span.endTimeUnixNano),
    attributes: keyValues(span.attributes, span.attributeTypes),
    events: span.events.map((event) => ({
      timeUnixNano: String(event.timeUnixNano),
      name: event.name,
      attributes: keyValues(event.attributes),
    })),
    status: span.status,
  };
}

function keyValues(
  attributes: Record<string, AttrValue>,
  types: Record<string, string> = {},
): JsonValue[] {
  return Object.entries(attributes).map(([key, value]) => ({
    key,
    value: anyValue(value, types[key]),
  }));
}

function anyValue(value: AttrValue, type?: string): JsonValue {
  if (value === null) return {};
  if (typeof value === "string") return { stringValue: value };
  if (typeof value === "boolean") return { boolValue: value };
  if (typeof value === "number") {
    const int = type === "int" || (type === undefined && Number.isInteger(value));
    return int ? { intValue: String(value) } : { doubleValue: value };
  }
  if (value instanceof Uint8Array) return { bytesValue: btoa(String.fromCharCode(...value)) };
  if (Array.isArray(value)) {
    return { arrayValue: { values: value.map((item) => anyValue(item)) } };
  }
  return { kvlistValue: { values: keyValues(value) } };
}
