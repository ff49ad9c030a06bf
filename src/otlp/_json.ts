/**
 * OTLP/JSON decoding: turns an ExportTraceServiceRequest in the protobuf JSON mapping into
 * ReceivedSpans. Accepts what real senders write (ints as strings or numbers, enums as numbers
 * or names, URL-safe base64) and throws OtlpDecodeError naming the path of anything malformed.
 * Private to the folder.
 */
import {
  type Attrs,
  type AttrType,
  type AttrValue,
  OtlpDecodeError,
  type ReceivedSpan,
} from "./_types.ts";
import { checkHexId, emptyAttrs, makeScope, makeStatus, setOwn } from "./_fields.ts";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function objectAt(v: Json | undefined, where: string): JsonObject | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw new OtlpDecodeError(`${where}: expected an object`);
  return v;
}

function arrayAt(v: Json | undefined, where: string): Json[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new OtlpDecodeError(`${where}: expected an array`);
  return v;
}

function stringAt(v: Json | undefined, where: string): string {
  if (v === undefined || v === null) return "";
  if (typeof v !== "string") throw new OtlpDecodeError(`${where}: expected a string`);
  return v;
}

/** int64/uint64 fields: protobuf JSON writes them as strings, JS serializers often as numbers. */
function bigintAt(v: Json | undefined, where: string): bigint {
  if (v === undefined || v === null) return 0n;
  if (typeof v === "number" && Number.isInteger(v)) return BigInt(v);
  if (typeof v === "string" && /^-?\d+$/.test(v)) return BigInt(v);
  throw new OtlpDecodeError(`${where}: expected an integer, got ${JSON.stringify(v)}`);
}

/** Enums may arrive as numbers or, per the protobuf JSON mapping, as their names. */
function enumAt(v: Json | undefined, names: readonly string[], where: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === "number" && Number.isInteger(v)) return v;
  if (typeof v === "string") {
    const i = names.indexOf(v);
    if (i >= 0) return i;
  }
  throw new OtlpDecodeError(`${where}: unknown enum value ${JSON.stringify(v)}`);
}

const SPAN_KINDS = [
  "SPAN_KIND_UNSPECIFIED",
  "SPAN_KIND_INTERNAL",
  "SPAN_KIND_SERVER",
  "SPAN_KIND_CLIENT",
  "SPAN_KIND_PRODUCER",
  "SPAN_KIND_CONSUMER",
] as const;
const STATUS_CODES = ["STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"] as const;

/** Decodes an OTLP/JSON trace request body into spans, in the order they appear. */
export function decodeJsonRequest(body: Uint8Array): ReceivedSpan[] {
  let root: Json;
  try {
    root = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(body)) as Json;
  } catch (e) {
    throw new OtlpDecodeError(`body is not valid JSON: ${(e as Error).message}`);
  }
  const request = objectAt(root, "request");
  if (request === undefined) throw new OtlpDecodeError("request: expected an object");
  const out: ReceivedSpan[] = [];
  arrayAt(request.resourceSpans, "resourceSpans").forEach((rsJson, i) => {
    const rsWhere = `resourceSpans[${i}]`;
    const rs = objectAt(rsJson, rsWhere) ?? {};
    const resourceJson = objectAt(rs.resource, `${rsWhere}.resource`) ?? {};
    const resource = jsonAttrs(resourceJson.attributes, `${rsWhere}.resource.attributes`).values;
    arrayAt(rs.scopeSpans, `${rsWhere}.scopeSpans`).forEach((ssJson, j) => {
      const ssWhere = `${rsWhere}.scopeSpans[${j}]`;
      const ss = objectAt(ssJson, ssWhere) ?? {};
      const scopeJson = objectAt(ss.scope, `${ssWhere}.scope`) ?? {};
      const scope = makeScope(
        stringAt(scopeJson.name, `${ssWhere}.scope.name`),
        stringAt(scopeJson.version, `${ssWhere}.scope.version`),
      );
      arrayAt(ss.spans, `${ssWhere}.spans`).forEach((spanJson, k) => {
        out.push(jsonSpan(spanJson, `${ssWhere}.spans[${k}]`, resource, scope));
      });
    });
  });
  return out;
}

function jsonSpan(
  spanJson: Json,
  where: string,
  resource: Record<string, AttrValue>,
  scope: ReceivedSpan["scope"],
): ReceivedSpan {
  const span = objectAt(spanJson, where);
  if (span === undefined) throw new OtlpDecodeError(`${where}: expected an object`);
  if (typeof span.traceId !== "string") throw new OtlpDecodeError(`${where}.traceId: missing`);
  if (typeof span.spanId !== "string") throw new OtlpDecodeError(`${where}.spanId: missing`);
  const attrs = jsonAttrs(span.attributes, `${where}.attributes`);
  const statusJson = objectAt(span.status, `${where}.status`) ?? {};
  const parent = stringAt(span.parentSpanId, `${where}.parentSpanId`);
  const result: ReceivedSpan = {
    traceId: checkHexId(span.traceId, 16, `${where}.traceId`),
    spanId: checkHexId(span.spanId, 8, `${where}.spanId`),
    name: stringAt(span.name, `${where}.name`),
    kind: enumAt(span.kind, SPAN_KINDS, `${where}.kind`),
    startTimeUnixNano: bigintAt(span.startTimeUnixNano, `${where}.startTimeUnixNano`),
    endTimeUnixNano: bigintAt(span.endTimeUnixNano, `${where}.endTimeUnixNano`),
    attributes: attrs.values,
    attributeTypes: attrs.types,
    events: arrayAt(span.events, `${where}.events`).map((eventJson, i) => {
      const ew = `${where}.events[${i}]`;
      const event = objectAt(eventJson, ew) ?? {};
      return {
        name: stringAt(event.name, `${ew}.name`),
        timeUnixNano: bigintAt(event.timeUnixNano, `${ew}.timeUnixNano`),
        attributes: jsonAttrs(event.attributes, `${ew}.attributes`).values,
      };
    }),
    status: makeStatus(
      enumAt(statusJson.code, STATUS_CODES, `${where}.status.code`),
      stringAt(statusJson.message, `${where}.status.message`),
    ),
    resource,
    scope,
  };
  if (parent !== "") result.parentSpanId = checkHexId(parent, 8, `${where}.parentSpanId`);
  return result;
}

function jsonAttrs(list: Json | undefined, where: string): Attrs {
  const attrs = emptyAttrs();
  arrayAt(list, where).forEach((kvJson, i) => {
    const kv = objectAt(kvJson, `${where}[${i}]`);
    if (kv === undefined || typeof kv.key !== "string") {
      throw new OtlpDecodeError(`${where}[${i}].key: expected a string`);
    }
    const [value, type] = jsonAnyValue(kv.value, `${where}[${i}].value`);
    setOwn(attrs.values, kv.key, value);
    setOwn(attrs.types, kv.key, type);
  });
  return attrs;
}

function jsonAnyValue(v: Json | undefined, where: string): [AttrValue, AttrType] {
  const any = objectAt(v, where);
  if (any === undefined) return [null, "empty"];
  if ("stringValue" in any) return [stringAt(any.stringValue, `${where}.stringValue`), "string"];
  if ("boolValue" in any) {
    if (typeof any.boolValue !== "boolean") {
      throw new OtlpDecodeError(`${where}.boolValue: expected a boolean`);
    }
    return [any.boolValue, "bool"];
  }
  if ("intValue" in any) return [Number(bigintAt(any.intValue, `${where}.intValue`)), "int"];
  if ("doubleValue" in any) return [jsonDouble(any.doubleValue, `${where}.doubleValue`), "double"];
  if ("arrayValue" in any) {
    const arr = objectAt(any.arrayValue, `${where}.arrayValue`) ?? {};
    const values = arrayAt(arr.values, `${where}.arrayValue.values`).map((item, i) =>
      jsonAnyValue(item, `${where}.arrayValue.values[${i}]`)[0]
    );
    return [values, "array"];
  }
  if ("kvlistValue" in any) {
    const kvl = objectAt(any.kvlistValue, `${where}.kvlistValue`) ?? {};
    return [jsonAttrs(kvl.values, `${where}.kvlistValue.values`).values, "kvlist"];
  }
  if ("bytesValue" in any) return [base64Bytes(any.bytesValue, `${where}.bytesValue`), "bytes"];
  return [null, "empty"];
}

/** Doubles may be numbers or, for non-finite values, the protobuf JSON strings. */
function jsonDouble(v: Json | undefined, where: string): number {
  if (typeof v === "number") return v;
  if (v === "NaN") return NaN;
  if (v === "Infinity") return Infinity;
  if (v === "-Infinity") return -Infinity;
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
  throw new OtlpDecodeError(`${where}: expected a number, got ${JSON.stringify(v)}`);
}

function base64Bytes(v: Json | undefined, where: string): Uint8Array {
  if (typeof v !== "string") throw new OtlpDecodeError(`${where}: expected a base64 string`);
  let bin: string;
  try {
    // Protobuf JSON accepts the URL-safe alphabet too.
    bin = atob(v.replace(/-/g, "+").replace(/_/g, "/"));
  } catch {
    throw new OtlpDecodeError(`${where}: invalid base64`);
  }
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}
