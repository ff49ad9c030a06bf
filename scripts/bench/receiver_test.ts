import { test } from "node:test";
import assert from "node:assert/strict";
import { context, trace } from "@opentelemetry/api";
import { JsonTraceSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { type ReadableSpan, TracerProvider } from "@opentelemetry/sdk-trace";
import { decodeTraceRequest } from "../../src/otlp/decode.ts";
import { countSpans, startCountingReceiver } from "./receiver.ts";

/** Real SDK spans with attributes and an event: a root and `children` children. */
function sdkSpans(children: number): ReadableSpan[] {
  const ended: ReadableSpan[] = [];
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ "service.name": "bench-receiver-test" }),
    spanProcessors: [{
      onStart() {},
      onEnd: (span: ReadableSpan) => void ended.push(span),
      forceFlush: () => Promise.resolve(),
      shutdown: () => Promise.resolve(),
    }],
  });
  const tracer = provider.getTracer("bench-receiver-test");
  const root = tracer.startSpan("root", { attributes: { "langfuse.session.id": "conv_1" } });
  const ctx = trace.setSpan(context.active(), root);
  for (let i = 0; i < children; i++) {
    const child = tracer.startSpan(`child-${i}`, { attributes: { n: i, ok: true } }, ctx);
    child.addEvent("tick", { at: i });
    child.end();
  }
  root.end();
  return ended;
}

const FORMATS = [
  { name: "JSON", type: "application/json", serializer: JsonTraceSerializer },
  { name: "protobuf", type: "application/x-protobuf", serializer: ProtobufTraceSerializer },
] as const;

for (const { name, type, serializer } of FORMATS) {
  test(`countSpans() counts a ${name} request as decodeTraceRequest() does`, () => {
    const body = serializer.serializeRequest(sdkSpans(6))!;
    assert.equal(countSpans(body, type), 7);
    assert.equal(countSpans(body, type), decodeTraceRequest(body, type).length);
  });
}

test("countSpans() refuses a truncated protobuf request", () => {
  const body = ProtobufTraceSerializer.serializeRequest(sdkSpans(2))!;
  assert.throws(() => countSpans(body.subarray(0, body.length - 3), "application/x-protobuf"));
});

for (const decode of ["full", "count"] as const) {
  test(`the counting receiver (${decode}) counts spans on any …/v1/traces path, resets, and keeps none`, async () => {
    const receiver = await startCountingReceiver(0, decode);
    try {
      for (const { type, serializer } of FORMATS) {
        const response = await fetch(`${receiver.url}/api/public/otel/v1/traces`, {
          method: "POST",
          headers: { "content-type": type },
          body: serializer.serializeRequest(sdkSpans(3)) as Uint8Array<ArrayBuffer>,
        });
        assert.equal(response.status, 200);
        await response.arrayBuffer();
      }
      const counted = await (await fetch(`${receiver.url}/count`)).json();
      assert.deepEqual({ ...counted, bytes: 0, cpuMs: 0 }, {
        spans: 8,
        requests: 2,
        bytes: 0,
        rejected: 0,
        cpuMs: 0,
      });
      const missing = await fetch(`${receiver.url}/v1/logs`, { method: "POST", body: "x" });
      assert.equal(missing.status, 404);
      await missing.arrayBuffer();
      const reset = await (await fetch(`${receiver.url}/reset`, { method: "POST" })).json();
      assert.equal(reset.spans, 0);
      assert.equal(receiver.count().rejected, 0);
    } finally {
      await receiver.close();
    }
  });
}
