import { test } from "node:test";
import assert from "node:assert/strict";
import { context, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { type ReadableSpan, TracerProvider } from "@opentelemetry/sdk-trace";
import { JsonTraceSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import {
  decodeTraceRequest,
  encodeTraceResponse,
  OtlpDecodeError,
  type ReceivedSpan,
} from "./decode.ts";

const JSON_TYPE = "application/json";
const PROTO_TYPE = "application/x-protobuf";

/** Runs `build` against a real SDK tracer provider and returns the ended spans. */
function recordSpans(build: (provider: TracerProvider) => void): ReadableSpan[] {
  const ended: ReadableSpan[] = [];
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      "service.name": "session-replay-test",
      "deployment.environment": "ci",
    }),
    spanProcessors: [{
      onStart() {},
      onEnd(span: ReadableSpan) {
        ended.push(span);
      },
      forceFlush: () => Promise.resolve(),
      shutdown: () => Promise.resolve(),
    }],
  });
  build(provider);
  return ended;
}

const RAW_BYTES = new Uint8Array([0, 1, 127, 128, 254, 255]);

/** A root span with every attribute type, a child with an event and an error, and a second scope. */
function sampleSpans(): ReadableSpan[] {
  return recordSpans((provider) => {
    const tracer = provider.getTracer("replay-test", "0.1.0");
    const root = tracer.startSpan("conversation", {
      kind: SpanKind.SERVER,
      startTime: [1700000000, 123456789],
      attributes: {
        "text": "hello",
        "text.unicode": "héllo ✓ 🎉",
        "text.empty": "",
        "langfuse.observation.prompt.version": 3,
        "prompt.version.as.string": "3",
        "int.negative": -7,
        "int.large": 2 ** 40,
        "ratio": 0.25,
        "flag.on": true,
        "flag.off": false,
        "tags": ["a", "b", ""],
        "scores": [1, 2.5],
        "raw": RAW_BYTES,
        "meta": { user: "u1", turn: 2, nested: { ok: true } },
        "nothing": null,
      },
    });
    root.setStatus({ code: SpanStatusCode.OK });
    const child = tracer.startSpan(
      "llm call",
      { kind: SpanKind.CLIENT, startTime: new Date(1700000000500) },
      trace.setSpan(context.active(), root),
    );
    child.addEvent("retry", { attempt: 2, reason: "rate limited" }, [1700000001, 999999999]);
    child.setStatus({ code: SpanStatusCode.ERROR, message: "model timed out" });
    child.end(new Date(1700000001750));
    root.end([1700000002, 5]);
    const other = provider.getTracer("other-scope");
    other.startSpan("tool", { startTime: [1700000003, 0] }).end([1700000003, 1]);
  });
}

function byName(spans: ReceivedSpan[], name: string): ReceivedSpan {
  const found = spans.filter((s) => s.name === name);
  assert.equal(found.length, 1, `exactly one span named ${name}`);
  return found[0];
}

function serialize(spans: ReadableSpan[], contentType: string): Uint8Array {
  const body = contentType === JSON_TYPE
    ? JsonTraceSerializer.serializeRequest(spans)
    : ProtobufTraceSerializer.serializeRequest(spans);
  assert.ok(body, "serializer produced a body");
  return body;
}

for (const contentType of [JSON_TYPE, PROTO_TYPE]) {
  test(`decodes SDK ${contentType} spans: ids, parentage, times, kind, status, scope`, () => {
    const sdk = sampleSpans();
    const spans = decodeTraceRequest(serialize(sdk, contentType), contentType);
    assert.equal(spans.length, 3);
    const sdkRoot = sdk.find((s) => s.name === "conversation")!;
    const sdkChild = sdk.find((s) => s.name === "llm call")!;
    const root = byName(spans, "conversation");
    const child = byName(spans, "llm call");
    const tool = byName(spans, "tool");

    assert.equal(root.traceId, sdkRoot.spanContext().traceId);
    assert.match(root.traceId, /^[0-9a-f]{32}$/);
    assert.equal(root.spanId, sdkRoot.spanContext().spanId);
    assert.match(root.spanId, /^[0-9a-f]{16}$/);
    assert.equal("parentSpanId" in root, false, "root has no parentSpanId key");
    assert.equal(child.traceId, root.traceId);
    assert.equal(child.spanId, sdkChild.spanContext().spanId);
    assert.equal(child.parentSpanId, root.spanId);
    assert.notEqual(tool.traceId, root.traceId, "a span started without parent gets a new trace");

    assert.equal(root.startTimeUnixNano, 1700000000123456789n);
    assert.equal(root.endTimeUnixNano, 1700000002000000005n);
    assert.equal(child.startTimeUnixNano, 1700000000500000000n);
    assert.equal(child.endTimeUnixNano, 1700000001750000000n);
    assert.equal(tool.endTimeUnixNano, 1700000003000000001n);

    // OTLP's enum is the API's SpanKind + 1.
    assert.equal(root.kind, 2, "SERVER");
    assert.equal(child.kind, 3, "CLIENT");
    assert.equal(tool.kind, 1, "INTERNAL");

    assert.deepEqual(root.status, { code: 1 });
    assert.deepEqual(child.status, { code: 2, message: "model timed out" });
    assert.deepEqual(tool.status, { code: 0 });

    assert.deepEqual(child.events, [{
      name: "retry",
      timeUnixNano: 1700000001999999999n,
      attributes: { attempt: 2, reason: "rate limited" },
    }]);
    assert.deepEqual(root.events, []);

    for (const s of spans) {
      assert.deepEqual(s.resource, {
        "service.name": "session-replay-test",
        "deployment.environment": "ci",
      });
    }
    assert.deepEqual(root.scope, { name: "replay-test", version: "0.1.0" });
    assert.deepEqual(tool.scope, { name: "other-scope" }, "no version key when none was set");
  });

  test(`decodes SDK ${contentType} attributes of every type with their OTLP types`, () => {
    const spans = decodeTraceRequest(serialize(sampleSpans(), contentType), contentType);
    const root = byName(spans, "conversation");
    assert.deepEqual(root.attributes, {
      "text": "hello",
      "text.unicode": "héllo ✓ 🎉",
      "text.empty": "",
      "langfuse.observation.prompt.version": 3,
      "prompt.version.as.string": "3",
      "int.negative": -7,
      "int.large": 2 ** 40,
      "ratio": 0.25,
      "flag.on": true,
      "flag.off": false,
      "tags": ["a", "b", ""],
      "scores": [1, 2.5],
      "raw": RAW_BYTES,
      "meta": { user: "u1", turn: 2, nested: { ok: true } },
      "nothing": null,
    });
    assert.deepEqual(root.attributeTypes, {
      "text": "string",
      "text.unicode": "string",
      "text.empty": "string",
      "langfuse.observation.prompt.version": "int",
      "prompt.version.as.string": "string",
      "int.negative": "int",
      "int.large": "int",
      "ratio": "double",
      "flag.on": "bool",
      "flag.off": "bool",
      "tags": "array",
      "scores": "array",
      "raw": "bytes",
      "meta": "kvlist",
      "nothing": "empty",
    });
    assert.ok(root.attributes.raw instanceof Uint8Array);
  });
}

test("JSON and protobuf encodings of the same spans decode to equal results", () => {
  const sdk = sampleSpans();
  const fromJson = decodeTraceRequest(serialize(sdk, JSON_TYPE), JSON_TYPE);
  const fromProto = decodeTraceRequest(serialize(sdk, PROTO_TYPE), PROTO_TYPE);
  const sort = (xs: ReceivedSpan[]) => [...xs].sort((a, b) => a.spanId.localeCompare(b.spanId));
  assert.deepEqual(sort(fromJson), sort(fromProto));
});

test("content type matching ignores parameters and case; other types are rejected", () => {
  const body = serialize(sampleSpans(), JSON_TYPE);
  assert.equal(decodeTraceRequest(body, "Application/JSON; charset=utf-8").length, 3);
  assert.throws(() => decodeTraceRequest(body, "text/plain"), OtlpDecodeError);
});

test("JSON decoding tolerates numbers/strings for int64, enum names, uppercase hex", () => {
  const body = {
    resourceSpans: [{
      resource: { attributes: [{ key: "service.name", value: { stringValue: "svc" } }] },
      scopeSpans: [{
        scope: { name: "hand" },
        spans: [{
          traceId: "0AF7651916CD43DD8448EB211C80319C",
          spanId: "B7AD6B7169203331",
          parentSpanId: "",
          name: "hand-written",
          kind: "SPAN_KIND_SERVER",
          startTimeUnixNano: 1700000000000000000,
          endTimeUnixNano: "1700000000000000001",
          attributes: [
            { key: "i.str", value: { intValue: "42" } },
            { key: "i.num", value: { intValue: 42 } },
            { key: "d.nan", value: { doubleValue: "NaN" } },
            { key: "empty", value: {} },
          ],
          events: [{ name: "e", timeUnixNano: "5" }],
          status: { code: "STATUS_CODE_ERROR" },
        }],
      }],
    }],
  };
  const [span] = decodeTraceRequest(new TextEncoder().encode(JSON.stringify(body)), JSON_TYPE);
  assert.equal(span.traceId, "0af7651916cd43dd8448eb211c80319c");
  assert.equal(span.spanId, "b7ad6b7169203331");
  assert.equal("parentSpanId" in span, false, "empty parentSpanId means root");
  assert.equal(span.kind, 2);
  assert.equal(span.startTimeUnixNano, 1700000000000000000n);
  assert.equal(span.endTimeUnixNano, 1700000000000000001n);
  assert.deepEqual(span.attributes, { "i.str": 42, "i.num": 42, "d.nan": NaN, "empty": null });
  assert.deepEqual(span.attributeTypes, {
    "i.str": "int",
    "i.num": "int",
    "d.nan": "double",
    "empty": "empty",
  });
  assert.deepEqual(span.events, [{ name: "e", timeUnixNano: 5n, attributes: {} }]);
  assert.deepEqual(span.status, { code: 2 });
  assert.deepEqual(span.resource, { "service.name": "svc" });
});

/** Serializes the sample spans as JSON, lets `mutate` break one span, and decodes. */
function decodeMutatedJson(mutate: (span: Record<string, unknown>) => void): ReceivedSpan[] {
  const request = JSON.parse(new TextDecoder().decode(serialize(sampleSpans(), JSON_TYPE)));
  mutate(request.resourceSpans[0].scopeSpans[0].spans[1]);
  return decodeTraceRequest(new TextEncoder().encode(JSON.stringify(request)), JSON_TYPE);
}

test("one malformed JSON span makes the whole request invalid", () => {
  const cases: [string, (span: Record<string, unknown>) => void, RegExp][] = [
    ["non-hex traceId", (s) => (s.traceId = "zz" + String(s.traceId).slice(2)), /traceId/],
    ["base64 traceId", (s) => (s.traceId = "CvdlGRbNQ92ESOshHIAxnA=="), /traceId/],
    ["short spanId", (s) => (s.spanId = "abcd"), /spanId/],
    ["missing spanId", (s) => delete s.spanId, /spanId/],
    ["missing traceId", (s) => delete s.traceId, /traceId/],
    ["non-hex parentSpanId", (s) => (s.parentSpanId = "not-a-span-id!!!"), /parentSpanId/],
    ["attributes as object", (s) => (s.attributes = { a: 1 }), /attributes/],
    ["non-numeric time", (s) => (s.startTimeUnixNano = "yesterday"), /startTimeUnixNano/],
  ];
  for (const [label, mutate, message] of cases) {
    assert.throws(() => decodeMutatedJson(mutate), (e: unknown) => {
      assert.ok(e instanceof OtlpDecodeError, `${label}: OtlpDecodeError`);
      assert.match(e.message, message, label);
      return true;
    });
  }
  // Control: the unmutated request decodes, so the failures above come from the mutation.
  assert.equal(decodeMutatedJson(() => {}).length, 3);
});

test("non-JSON and non-object JSON bodies throw OtlpDecodeError", () => {
  for (const text of ["not json", "", "[1,2]", "null", '{"resourceSpans": {}}']) {
    assert.throws(
      () => decodeTraceRequest(new TextEncoder().encode(text), JSON_TYPE),
      OtlpDecodeError,
      JSON.stringify(text),
    );
  }
});

test("every truncation of a protobuf body throws OtlpDecodeError", () => {
  const body = serialize(sampleSpans(), PROTO_TYPE);
  assert.equal(decodeTraceRequest(body, PROTO_TYPE).length, 3);
  for (let cut = 1; cut < body.length; cut++) {
    assert.throws(
      () => decodeTraceRequest(body.subarray(0, cut), PROTO_TYPE),
      OtlpDecodeError,
      `cut at ${cut}`,
    );
  }
});

// Hand-built protobuf, to exercise what the SDK never sends.
function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}
function len(field: number, bytes: number[]): number[] {
  return [...varint(field * 8 + 2), ...varint(bytes.length), ...bytes];
}
function request(span: number[]): Uint8Array {
  return Uint8Array.from(len(1, len(2, len(2, span))));
}
const TRACE_ID = Array.from({ length: 16 }, (_, i) => i + 1);
const SPAN_ID = Array.from({ length: 8 }, (_, i) => 0xa0 + i);

test("protobuf: unknown fields of every wire type are skipped", () => {
  const span = [
    ...len(1, TRACE_ID),
    ...len(2, SPAN_ID),
    ...[...varint(99 * 8 + 0), ...varint(300)], // unknown varint
    ...[...varint(98 * 8 + 1), 1, 2, 3, 4, 5, 6, 7, 8], // unknown fixed64
    ...[...varint(97 * 8 + 5), 1, 2, 3, 4], // unknown fixed32
    ...len(96, [1, 2, 3]), // unknown length-delimited
    ...[...varint(95 * 8 + 3), ...varint(1 * 8 + 0), 7, ...varint(95 * 8 + 4)], // unknown group
    ...len(5, [...new TextEncoder().encode("future")]),
  ];
  const [decoded] = decodeTraceRequest(request(span), PROTO_TYPE);
  assert.equal(decoded.traceId, "0102030405060708090a0b0c0d0e0f10");
  assert.equal(decoded.spanId, "a0a1a2a3a4a5a6a7");
  assert.equal(decoded.name, "future");
  assert.equal(decoded.startTimeUnixNano, 0n);
  assert.deepEqual(decoded.status, { code: 0 });
});

test("protobuf: wrong-length ids, missing ids, bad wire types and bad UTF-8 are rejected", () => {
  const cases: [string, number[], RegExp][] = [
    ["15-byte traceId", [...len(1, TRACE_ID.slice(1)), ...len(2, SPAN_ID)], /traceId/],
    ["missing spanId", [...len(1, TRACE_ID)], /spanId/],
    ["all-zero traceId", [...len(1, new Array(16).fill(0)), ...len(2, SPAN_ID)], /traceId/],
    ["name as varint", [...len(1, TRACE_ID), ...len(2, SPAN_ID), ...varint(5 * 8), 1], /wire/],
    ["invalid UTF-8 name", [...len(1, TRACE_ID), ...len(2, SPAN_ID), ...len(5, [0xff])], /UTF-8/],
  ];
  for (const [label, span, message] of cases) {
    assert.throws(() => decodeTraceRequest(request(span), PROTO_TYPE), (e: unknown) => {
      assert.ok(e instanceof OtlpDecodeError, `${label}: OtlpDecodeError`);
      assert.match(e.message, message, label);
      return true;
    });
  }
});

test("an empty body is an empty request in both encodings", () => {
  assert.deepEqual(decodeTraceRequest(new Uint8Array(0), PROTO_TYPE), []);
  assert.deepEqual(decodeTraceRequest(new TextEncoder().encode("{}"), JSON_TYPE), []);
});

test("encodeTraceResponse round-trips through the SDK's response deserializers", () => {
  const partial = { rejectedSpans: 2, errorMessage: "prompt version must be an int" };
  assert.deepEqual(
    ProtobufTraceSerializer.deserializeResponse(encodeTraceResponse(partial, PROTO_TYPE)),
    { partialSuccess: partial },
  );
  // Protobuf's JSON mapping carries int64 as a decimal string; the SDK passes it through as is.
  assert.deepEqual(
    JsonTraceSerializer.deserializeResponse(encodeTraceResponse(partial, JSON_TYPE)),
    { partialSuccess: { rejectedSpans: "2", errorMessage: partial.errorMessage } },
  );
  const onlyMessage = { errorMessage: "1 span had a warning" };
  assert.deepEqual(
    ProtobufTraceSerializer.deserializeResponse(encodeTraceResponse(onlyMessage, PROTO_TYPE)),
    { partialSuccess: onlyMessage },
  );
});

test("an empty partial success encodes as {} or zero bytes", () => {
  assert.equal(new TextDecoder().decode(encodeTraceResponse(undefined, JSON_TYPE)), "{}");
  assert.equal(new TextDecoder().decode(encodeTraceResponse({}, JSON_TYPE)), "{}");
  assert.equal(encodeTraceResponse(undefined, PROTO_TYPE).length, 0);
  assert.equal(encodeTraceResponse({ rejectedSpans: 0 }, PROTO_TYPE).length, 0);
  assert.deepEqual(ProtobufTraceSerializer.deserializeResponse(new Uint8Array(0)), {});
});
