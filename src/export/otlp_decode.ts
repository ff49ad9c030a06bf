/**
 * Decodes OTLP/HTTP trace export requests (JSON or protobuf) into a flat span model, and encodes
 * the matching export responses. Pure: no I/O, no dependencies beyond web APIs.
 */

/** An attribute value as OTLP carries it; ints and doubles both become number, int64 beyond 2^53 loses precision. */
export type AttrValue =
  | string
  | number
  | boolean
  | Uint8Array
  | AttrValue[]
  | { [key: string]: AttrValue }
  | null;

/** One span as a receiver saw it, with its resource and scope flattened onto it. */
export interface ReceivedSpan {
  /** Lowercase hex, 32 chars. */
  traceId: string;
  /** Lowercase hex, 16 chars. */
  spanId: string;
  /** Absent (not empty string) for a root span. */
  parentSpanId?: string;
  name: string;
  /** OTLP enum value as sent (0 unspecified, 1 internal, 2 server, 3 client, ...). */
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: Record<string, AttrValue>;
  /** Which OTLP value type each attribute had: "string" | "bool" | "int" | "double" | "array" | "kvlist" | "bytes" | "empty". Needed because Langfuse drops an observation whose prompt version is a string instead of an int. */
  attributeTypes: Record<string, string>;
  events: { name: string; timeUnixNano: bigint; attributes: Record<string, AttrValue> }[];
  status: { code: number; message?: string };
  resource: Record<string, AttrValue>;
  scope: { name: string; version?: string };
}

/** Thrown when a body is not a well-formed OTLP trace request; message says what was wrong. */
export class OtlpDecodeError extends Error {
  override name = "OtlpDecodeError";
}

/** The OTLP value type names reported in `ReceivedSpan.attributeTypes`. */
export type AttrType =
  | "string"
  | "bool"
  | "int"
  | "double"
  | "array"
  | "kvlist"
  | "bytes"
  | "empty";

interface Attrs {
  values: Record<string, AttrValue>;
  types: Record<string, string>;
}

/** Sets an own property even for keys like "__proto__", which plain assignment would swallow. */
function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  // Plain assignment is twice as fast; only "__proto__" would not become an own property.
  if (key !== "__proto__") {
    target[key] = value;
    return;
  }
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

function emptyAttrs(): Attrs {
  return { values: {}, types: {} };
}

/** Decodes an OTLP/HTTP trace request body; `contentType` picks JSON (contains "application/json") or protobuf (contains "application/x-protobuf"). */
export function decodeTraceRequest(body: Uint8Array, contentType: string): ReceivedSpan[] {
  const type = contentType.toLowerCase();
  if (type.includes("application/json")) return decodeJsonRequest(body);
  if (type.includes("application/x-protobuf")) return decodeProtobufRequest(body);
  throw new OtlpDecodeError(`unsupported content type "${contentType}"`);
}

/** Encodes an ExportTraceServiceResponse (partial success) in the given content type, as an OTLP server answers. Empty partial success -> `{}` / empty bytes. */
export function encodeTraceResponse(
  partial: { rejectedSpans?: number; errorMessage?: string } | undefined,
  contentType: string,
): Uint8Array {
  const rejected = partial?.rejectedSpans ?? 0;
  const message = partial?.errorMessage ?? "";
  const empty = rejected === 0 && message === "";
  if (contentType.toLowerCase().includes("application/json")) {
    if (empty) return new TextEncoder().encode("{}");
    const out: { rejectedSpans?: string; errorMessage?: string } = {};
    // Protobuf's JSON mapping writes int64 as a decimal string, as the Collector does.
    if (rejected !== 0) out.rejectedSpans = String(rejected);
    if (message !== "") out.errorMessage = message;
    return new TextEncoder().encode(JSON.stringify({ partialSuccess: out }));
  }
  if (empty) return new Uint8Array(0);
  const inner = new ProtoWriter();
  if (rejected !== 0) inner.varintField(1, BigInt(rejected));
  if (message !== "") inner.stringField(2, message);
  const outer = new ProtoWriter();
  outer.bytesField(1, inner.finish());
  return outer.finish();
}

/** Encodes a google.rpc.Status error body (what OTLP servers send with 4xx/5xx) in the given content type. */
export function encodeRpcStatus(code: number, message: string, contentType: string): Uint8Array {
  if (contentType.toLowerCase().includes("application/x-protobuf")) {
    const w = new ProtoWriter();
    if (code !== 0) w.varintField(1, BigInt(code));
    if (message !== "") w.stringField(2, message);
    return w.finish();
  }
  return new TextEncoder().encode(JSON.stringify({ code, message }));
}

// ---------------------------------------------------------------------------------------------
// Shared validation

const HEX = /^[0-9a-fA-F]*$/;

function checkHexId(value: string, bytes: number, where: string): string {
  if (value.length !== bytes * 2 || !HEX.test(value)) {
    throw new OtlpDecodeError(
      `${where}: expected ${bytes * 2} hex chars, got ${JSON.stringify(value)}`,
    );
  }
  if (/^0+$/.test(value)) throw new OtlpDecodeError(`${where}: all-zero id is invalid`);
  return value.toLowerCase();
}

function toHex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

// ---------------------------------------------------------------------------------------------
// OTLP/JSON

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

function decodeJsonRequest(body: Uint8Array): ReceivedSpan[] {
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

function makeScope(name: string, version: string): ReceivedSpan["scope"] {
  return version === "" ? { name } : { name, version };
}

function makeStatus(code: number, message: string): ReceivedSpan["status"] {
  return message === "" ? { code } : { code, message };
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

// ---------------------------------------------------------------------------------------------
// OTLP protobuf

const VARINT = 0;
const I64 = 1;
const LEN = 2;
const SGROUP = 3;
const EGROUP = 4;
const I32 = 5;

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Minimal protobuf wire-format reader over one message's bytes. */
class ProtoReader {
  private pos = 0;
  constructor(private readonly buf: Uint8Array, readonly where: string) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  fail(message: string): never {
    throw new OtlpDecodeError(`${this.where}: ${message} (at byte ${this.pos})`);
  }

  private byte(): number {
    if (this.pos >= this.buf.length) this.fail("truncated message");
    return this.buf[this.pos++];
  }

  /** Varint as a number: exact for tags and lengths, which never approach 2^53. */
  uint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 128;
    }
    this.fail("varint longer than 10 bytes");
  }

  /** Varint as an unsigned 64-bit bigint; callers reinterpret the sign as the field type says. */
  varint64(): bigint {
    let result = 0n;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      result |= BigInt(b & 0x7f) << BigInt(7 * i);
      if (b < 0x80) return BigInt.asUintN(64, result);
    }
    this.fail("varint longer than 10 bytes");
  }

  tag(): { field: number; wire: number } {
    const t = this.uint();
    const field = Math.floor(t / 8);
    if (field === 0) this.fail("field number 0 is invalid");
    return { field, wire: t % 8 };
  }

  private take(n: number): Uint8Array {
    if (n > this.buf.length - this.pos) this.fail("truncated message");
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  bytes(): Uint8Array {
    return this.take(this.uint());
  }

  string(): string {
    const bytes = this.bytes();
    try {
      return utf8.decode(bytes);
    } catch {
      this.fail("string is not valid UTF-8");
    }
  }

  fixed64(): bigint {
    const b = this.take(8);
    return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
  }

  double(): number {
    const b = this.take(8);
    return new DataView(b.buffer, b.byteOffset, 8).getFloat64(0, true);
  }

  fixed32(): number {
    const b = this.take(4);
    return new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true);
  }

  /** Skips a field we do not model, so newer senders with extra fields still decode. */
  skip(wire: number, field: number): void {
    switch (wire) {
      case VARINT:
        this.varint64();
        return;
      case I64:
        this.take(8);
        return;
      case LEN:
        this.bytes();
        return;
      case I32:
        this.take(4);
        return;
      case SGROUP:
        // Deprecated groups: skip nested fields until the matching end-group tag.
        for (;;) {
          const t = this.tag();
          if (t.wire === EGROUP) {
            if (t.field !== field) this.fail("mismatched end-group tag");
            return;
          }
          this.skip(t.wire, t.field);
        }
      default:
        this.fail(`unexpected wire type ${wire} for field ${field}`);
    }
  }

  /** Guards a known field: a different wire type means the bytes are not this message. */
  expect(wire: number, want: number, field: number): void {
    if (wire !== want) this.fail(`field ${field} has wire type ${wire}, expected ${want}`);
  }

  sub(where: string): ProtoReader {
    return new ProtoReader(this.bytes(), `${this.where}.${where}`);
  }
}

function decodeProtobufRequest(body: Uint8Array): ReceivedSpan[] {
  const r = new ProtoReader(body, "request");
  const out: ReceivedSpan[] = [];
  let i = 0;
  while (!r.done) {
    const { field, wire } = r.tag();
    if (field === 1) {
      r.expect(wire, LEN, field);
      out.push(...protoResourceSpans(r.sub(`resourceSpans[${i++}]`)));
    } else r.skip(wire, field);
  }
  return out;
}

function protoResourceSpans(r: ProtoReader): ReceivedSpan[] {
  // Resource may follow the spans on the wire, so collect raw spans and attach it at the end.
  let resource: Record<string, AttrValue> = {};
  const pending: Omit<ReceivedSpan, "resource">[] = [];
  let scopeIndex = 0;
  while (!r.done) {
    const { field, wire } = r.tag();
    if (field === 1) {
      r.expect(wire, LEN, field);
      resource = protoResource(r.sub("resource"), resource);
    } else if (field === 2) {
      r.expect(wire, LEN, field);
      pending.push(...protoScopeSpans(r.sub(`scopeSpans[${scopeIndex++}]`)));
    } else r.skip(wire, field);
  }
  return pending.map((span) => ({ ...span, resource }));
}

function protoResource(
  r: ProtoReader,
  into: Record<string, AttrValue>,
): Record<string, AttrValue> {
  // A repeated occurrence of a singular message merges into the earlier one, as protobuf says.
  const attrs: Attrs = { values: { ...into }, types: {} };
  while (!r.done) {
    const { field, wire } = r.tag();
    if (field === 1) {
      r.expect(wire, LEN, field);
      protoKeyValue(r.sub("attributes"), attrs);
    } else r.skip(wire, field);
  }
  return attrs.values;
}

function protoScopeSpans(r: ProtoReader): Omit<ReceivedSpan, "resource">[] {
  let name = "";
  let version = "";
  const spans: Omit<ReceivedSpan, "resource" | "scope">[] = [];
  while (!r.done) {
    const { field, wire } = r.tag();
    if (field === 1) {
      r.expect(wire, LEN, field);
      const s = r.sub("scope");
      while (!s.done) {
        const t = s.tag();
        if (t.field === 1) {
          s.expect(t.wire, LEN, t.field);
          name = s.string();
        } else if (t.field === 2) {
          s.expect(t.wire, LEN, t.field);
          version = s.string();
        } else s.skip(t.wire, t.field);
      }
    } else if (field === 2) {
      r.expect(wire, LEN, field);
      spans.push(protoSpan(r.sub(`spans[${spans.length}]`)));
    } else r.skip(wire, field);
  }
  const scope = makeScope(name, version);
  return spans.map((span) => ({ ...span, scope }));
}

function protoSpan(r: ProtoReader): Omit<ReceivedSpan, "resource" | "scope"> {
  let traceId: Uint8Array | undefined;
  let spanId: Uint8Array | undefined;
  let parent: Uint8Array = new Uint8Array(0);
  let name = "";
  let kind = 0;
  let start = 0n;
  let end = 0n;
  const attrs = emptyAttrs();
  const events: ReceivedSpan["events"] = [];
  let statusCode = 0;
  let statusMessage = "";
  while (!r.done) {
    const { field, wire } = r.tag();
    switch (field) {
      case 1:
        r.expect(wire, LEN, field);
        traceId = r.bytes();
        break;
      case 2:
        r.expect(wire, LEN, field);
        spanId = r.bytes();
        break;
      case 4:
        r.expect(wire, LEN, field);
        parent = r.bytes();
        break;
      case 5:
        r.expect(wire, LEN, field);
        name = r.string();
        break;
      case 6:
        r.expect(wire, VARINT, field);
        kind = Number(BigInt.asIntN(32, r.varint64()));
        break;
      case 7:
        r.expect(wire, I64, field);
        start = r.fixed64();
        break;
      case 8:
        r.expect(wire, I64, field);
        end = r.fixed64();
        break;
      case 9:
        r.expect(wire, LEN, field);
        protoKeyValue(r.sub("attributes"), attrs);
        break;
      case 11:
        r.expect(wire, LEN, field);
        events.push(protoEvent(r.sub(`events[${events.length}]`)));
        break;
      case 15: {
        r.expect(wire, LEN, field);
        const s = r.sub("status");
        while (!s.done) {
          const t = s.tag();
          if (t.field === 2) {
            s.expect(t.wire, LEN, t.field);
            statusMessage = s.string();
          } else if (t.field === 3) {
            s.expect(t.wire, VARINT, t.field);
            statusCode = Number(BigInt.asIntN(32, s.varint64()));
          } else s.skip(t.wire, t.field);
        }
        break;
      }
      default:
        r.skip(wire, field);
    }
  }
  if (traceId === undefined) r.fail("traceId missing");
  if (spanId === undefined) r.fail("spanId missing");
  const result: Omit<ReceivedSpan, "resource" | "scope"> = {
    traceId: checkHexId(toHex(traceId), 16, `${r.where}.traceId`),
    spanId: checkHexId(toHex(spanId), 8, `${r.where}.spanId`),
    name,
    kind,
    startTimeUnixNano: start,
    endTimeUnixNano: end,
    attributes: attrs.values,
    attributeTypes: attrs.types,
    events,
    status: makeStatus(statusCode, statusMessage),
  };
  if (parent.length > 0) {
    result.parentSpanId = checkHexId(toHex(parent), 8, `${r.where}.parentSpanId`);
  }
  return result;
}

function protoEvent(r: ProtoReader): ReceivedSpan["events"][number] {
  let name = "";
  let time = 0n;
  const attrs = emptyAttrs();
  while (!r.done) {
    const { field, wire } = r.tag();
    if (field === 1) {
      r.expect(wire, I64, field);
      time = r.fixed64();
    } else if (field === 2) {
      r.expect(wire, LEN, field);
      name = r.string();
    } else if (field === 3) {
      r.expect(wire, LEN, field);
      protoKeyValue(r.sub("attributes"), attrs);
    } else r.skip(wire, field);
  }
  return { name, timeUnixNano: time, attributes: attrs.values };
}

function protoKeyValue(r: ProtoReader, into: Attrs): void {
  let key = "";
  let value: [AttrValue, AttrType] = [null, "empty"];
  while (!r.done) {
    const { field, wire } = r.tag();
    if (field === 1) {
      r.expect(wire, LEN, field);
      key = r.string();
    } else if (field === 2) {
      r.expect(wire, LEN, field);
      value = protoAnyValue(r.sub("value"));
    } else r.skip(wire, field);
  }
  setOwn(into.values, key, value[0]);
  setOwn(into.types, key, value[1]);
}

function protoAnyValue(r: ProtoReader): [AttrValue, AttrType] {
  // A oneof: the last member on the wire wins.
  let out: [AttrValue, AttrType] = [null, "empty"];
  while (!r.done) {
    const { field, wire } = r.tag();
    switch (field) {
      case 1:
        r.expect(wire, LEN, field);
        out = [r.string(), "string"];
        break;
      case 2:
        r.expect(wire, VARINT, field);
        out = [r.varint64() !== 0n, "bool"];
        break;
      case 3:
        r.expect(wire, VARINT, field);
        out = [Number(BigInt.asIntN(64, r.varint64())), "int"];
        break;
      case 4:
        r.expect(wire, I64, field);
        out = [r.double(), "double"];
        break;
      case 5: {
        r.expect(wire, LEN, field);
        const a = r.sub("arrayValue");
        const values: AttrValue[] = [];
        while (!a.done) {
          const t = a.tag();
          if (t.field === 1) {
            a.expect(t.wire, LEN, t.field);
            values.push(protoAnyValue(a.sub(`values[${values.length}]`))[0]);
          } else a.skip(t.wire, t.field);
        }
        out = [values, "array"];
        break;
      }
      case 6: {
        r.expect(wire, LEN, field);
        const k = r.sub("kvlistValue");
        const attrs = emptyAttrs();
        while (!k.done) {
          const t = k.tag();
          if (t.field === 1) {
            k.expect(t.wire, LEN, t.field);
            protoKeyValue(k.sub("values"), attrs);
          } else k.skip(t.wire, t.field);
        }
        out = [attrs.values, "kvlist"];
        break;
      }
      case 7:
        r.expect(wire, LEN, field);
        // Copy so the value does not pin (or alias) the whole request buffer.
        out = [r.bytes().slice(), "bytes"];
        break;
      default:
        r.skip(wire, field);
    }
  }
  return out;
}

/** Minimal protobuf writer for the small response messages. */
class ProtoWriter {
  private readonly parts: number[] = [];

  private varint(v: bigint): void {
    let x = BigInt.asUintN(64, v);
    while (x >= 0x80n) {
      this.parts.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.parts.push(Number(x));
  }

  private tag(field: number, wire: number): void {
    this.varint(BigInt(field * 8 + wire));
  }

  varintField(field: number, v: bigint): void {
    this.tag(field, VARINT);
    this.varint(v);
  }

  bytesField(field: number, bytes: Uint8Array): void {
    this.tag(field, LEN);
    this.varint(BigInt(bytes.length));
    for (const b of bytes) this.parts.push(b);
  }

  stringField(field: number, s: string): void {
    this.bytesField(field, new TextEncoder().encode(s));
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}
