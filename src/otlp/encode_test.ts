import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { Buffer } from "node:buffer";
import {
  createTraceState,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
} from "@opentelemetry/api";
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import { emitSession } from "../emit/emit.ts";
import { planSession } from "../plan/session.ts";
import { readScriptFile } from "../script/read.ts";
import { createPipeline } from "../export/pipeline.ts";
import type { SendResult, SpanSender } from "../export/sender.ts";
import { resolveTarget } from "../export/target.ts";
import { ProtobufSpanEncoder } from "./encode_proto.ts";

const END_MS = Date.parse("2026-11-25T12:00:00Z");

/** Keeps every batch the pipeline sends. */
class CollectingSender implements SpanSender {
  readonly batches: ReadableSpan[][] = [];
  send(spans: ReadableSpan[]): Promise<SendResult> {
    this.batches.push(spans);
    return Promise.resolve({ acknowledged: spans.length, failures: [] });
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** The batches a run of `sessions` sessions of `file` sends (seeds 0, 1, …), as replay makes them. */
async function batchesOf(file: string, sessions: number): Promise<ReadableSpan[][]> {
  const { script } = await readScriptFile(file);
  const sender = new CollectingSender();
  const pipeline = createPipeline(resolveTarget({ target: "file" }, {}), {
    sender: () => sender,
    maxBatchSpans: 128,
  });
  const emit = { tracer: pipeline.tracer, ids: pipeline.ids };
  for (let seed = 0; seed < sessions; seed++) {
    await emitSession(planSession(script, { seed, endMs: END_MS, file }), emit);
  }
  await pipeline.close();
  return sender.batches;
}

// Which length-delimited fields of each OTLP message are messages themselves (the rest are
// strings or bytes), so a body decodes into a tree of every field in wire order.
const MESSAGES: Record<string, Record<number, string>> = {
  request: { 1: "resourceSpans" },
  resourceSpans: { 1: "resource", 2: "scopeSpans" },
  resource: { 1: "keyValue" },
  scopeSpans: { 1: "scope", 2: "span" },
  scope: { 3: "keyValue" },
  span: { 9: "keyValue", 11: "event", 13: "link", 15: "status" },
  event: { 3: "keyValue" },
  link: { 4: "keyValue" },
  status: {},
  keyValue: { 2: "anyValue" },
  anyValue: { 5: "arrayValue", 6: "keyValueList" },
  arrayValue: { 1: "anyValue" },
  keyValueList: { 1: "keyValue" },
};

type Field = [field: number, wire: number, value: string | Field[]];

/** Every field of a protobuf message, in wire order; sub-messages decoded, scalars as hex. */
function protoTree(bytes: Uint8Array, type = "request"): Field[] {
  const fields: Field[] = [];
  let pos = 0;
  const varint = (): number => {
    let result = 0;
    let scale = 1;
    for (;;) {
      const b = bytes[pos++];
      assert.ok(b !== undefined, `truncated ${type}`);
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 128;
    }
  };
  const hex = (from: number, to: number) => Buffer.from(bytes.subarray(from, to)).toString("hex");
  while (pos < bytes.length) {
    const tag = varint();
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    const from = pos;
    if (wire === 0) {
      varint();
      fields.push([field, wire, hex(from, pos)]);
    } else if (wire === 1 || wire === 5) {
      pos += wire === 1 ? 8 : 4;
      fields.push([field, wire, hex(from, pos)]);
    } else {
      assert.equal(wire, 2, `wire type ${wire} in ${type}`);
      const length = varint();
      const body = bytes.subarray(pos, pos + length);
      pos += length;
      const sub = MESSAGES[type][field];
      fields.push([field, wire, sub ? protoTree(body, sub) : Buffer.from(body).toString("hex")]);
    }
  }
  return fields;
}

/** Asserts the encoder gives what the OpenTelemetry serialiser gives, field by field and byte by byte. */
function assertSameBodies(batches: ReadableSpan[][], proto = new ProtobufSpanEncoder()): void {
  assert.ok(batches.length > 0);
  for (const [i, batch] of batches.entries()) {
    const theirs = ProtobufTraceSerializer.serializeRequest(batch)!;
    const ours = proto.encode(batch);
    assert.deepEqual(protoTree(ours), protoTree(theirs), `protobuf batch ${i}`);
    assert.deepEqual(ours, theirs, `protobuf batch ${i}, bytes`);
  }
}

describe("the protobuf encoder writes what the OpenTelemetry serialiser writes", () => {
  const scripts = readdirSync("conversations").filter((name) => name.endsWith(".yaml")).sort();

  it("finds the shipped scripts", () => {
    assert.ok(scripts.length >= 3, scripts.join(", "));
  });

  for (const name of scripts) {
    it(`for conversations/${name}, 5 sessions`, async () => {
      assertSameBodies(await batchesOf(`conversations/${name}`, 5));
    });
  }

  it("for a load sample: 200 sessions of order-status, seeds 0 to 199, one encoder reused", async () => {
    const batches = await batchesOf("conversations/order-status.yaml", 200);
    assert.equal(batches.reduce((sum, batch) => sum + batch.length, 0), 4000);
    assertSameBodies(batches);
  });

  it("for spans with every value type, events, links, trace state, kinds and two resources", () => {
    const exporter = new InMemorySpanExporter();
    const providers = [
      resourceFromAttributes({ "service.name": "a", n: 1 }),
      resourceFromAttributes({ "service.name": "b" }),
    ].map((resource) =>
      new TracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor({ exporter })] })
    );
    const long = "x".repeat(200) + "é".repeat(20_000) + "😀";
    const remote = {
      traceId: "0af7651916cd43dd8448eb211c80319c",
      spanId: "b7ad6b7169203331",
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
      traceState: createTraceState("vendor=value,other=1"),
    };
    for (const [p, provider] of providers.entries()) {
      for (const scope of ["one", "two"]) {
        const tracer = provider.getTracer(scope, p === 0 ? "1.0" : undefined);
        for (let i = 0; i < 3; i++) {
          const span = tracer.startSpan(`span ${i} ünïcode`, {
            kind: i === 0 ? SpanKind.SERVER : SpanKind.CLIENT,
            links: [{ context: remote, attributes: { why: "because" } }],
            attributes: {
              same: "repeated",
              tags: ["a", "b"],
              changing: `value ${i}`,
              int: -5 - i,
              big: 2 ** 40 + i,
              double: 1.5,
              yes: true,
              long,
              mixed: [1, 2.5, null, undefined],
              empty: "",
            },
          }, i === 2 ? ROOT_CONTEXT : trace.setSpanContext(ROOT_CONTEXT, remote));
          span.addEvent("checkpoint", { step: i, note: "é" });
          span.addEvent("bare");
          span.setStatus(
            i === 1
              ? { code: SpanStatusCode.ERROR, message: "failed ✗" }
              : { code: SpanStatusCode.OK },
          );
          span.end();
        }
      }
    }
    assertSameBodies([exporter.getFinishedSpans()]);
  });
});
