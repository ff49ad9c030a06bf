/**
 * OTLP protobuf decoding: walks an ExportTraceServiceRequest message by message (resource spans,
 * scope spans, span, event, key-value, any-value) into ReceivedSpans. Field numbers follow
 * opentelemetry-proto's trace and common messages; unknown fields are skipped so newer senders
 * still decode. Private to the folder.
 */
import { type Attrs, type AttrType, type AttrValue, type ReceivedSpan } from "./_types.ts";
import { checkHexId, emptyAttrs, makeScope, makeStatus, setOwn, toHex } from "./_fields.ts";
import { I64, LEN, ProtoReader, VARINT } from "./_proto_wire.ts";

/** Decodes an OTLP protobuf trace request body into spans, in the order they appear. */
export function decodeProtobufRequest(body: Uint8Array): ReceivedSpan[] {
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
