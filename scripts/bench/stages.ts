/**
 * Where a span's time goes, stage by stage, in one process and without HTTP: planning,
 * emitting (SDK spans through the baggage processor into the batcher), serialising with the
 * SDK's JSON and protobuf serialisers, and encoding with our own protobuf encoder (what the
 * senders use for protobuf; the same bytes). Prints microseconds per span for each, so a change
 * to one stage can be judged apart from the noise of a receiver and the network.
 *
 * @example
 * deno run -A scripts/bench/stages.ts --sessions 5000
 * bun scripts/bench/stages.ts --sessions 5000
 */
import process from "node:process";
import { JsonTraceSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import { emitTurn } from "../../src/emit/emit.ts";
import { createPipeline } from "../../src/export/pipeline.ts";
import type { SendResult, SpanSender } from "../../src/export/sender.ts";
import { resolveTarget } from "../../src/export/target.ts";
import { traceRequestEncoder } from "../../src/otlp/encode.ts";
import { intFlag, parseFlags, runtimeName, SessionSource } from "./_measure.ts";

/** Keeps every batch, so the serialisers can be timed on their own afterwards. */
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

function timed(fn: () => void): number {
  const started = performance.now();
  fn();
  return performance.now() - started;
}

const flags = parseFlags(process.argv.slice(2));
const sessions = intFlag(flags, "sessions", 5000);
const source = await SessionSource.load();
const sender = new CollectingSender();
const pipeline = createPipeline(resolveTarget({ target: "file" }, {}), {
  sender: () => sender,
  maxInFlight: Number.MAX_SAFE_INTEGER,
});
// Warm the JIT on sessions that are not counted.
for (let i = 0; i < 500; i++) source.next();

const plans: ReturnType<SessionSource["next"]>[] = [];
const planMs = timed(() => {
  for (let i = 0; i < sessions; i++) plans.push(source.next());
});
const started = performance.now();
const emit = { tracer: pipeline.tracer, ids: pipeline.ids };
for (const plan of plans) for (const turn of plan.turns) await emitTurn(plan, turn, emit);
await pipeline.batcher.forceFlush();
const emitMs = performance.now() - started;
const spans = sender.batches.reduce((sum, batch) => sum + batch.length, 0);
const jsonMs = timed(() => sender.batches.forEach((b) => JsonTraceSerializer.serializeRequest(b)));
const protobufMs = timed(() =>
  sender.batches.forEach((b) => ProtobufTraceSerializer.serializeRequest(b))
);
const ourProtobuf = traceRequestEncoder("http/protobuf");
const ourProtobufMs = timed(() => sender.batches.forEach((b) => ourProtobuf.encode(b)));
const perSpan = (ms: number) => `${(ms * 1000 / spans).toFixed(2)} µs`;
console.log(
  `${runtimeName()}: ${spans} spans; per span: plan ${perSpan(planMs)}, emit ${
    perSpan(emitMs)
  }, SDK serialisers: JSON ${perSpan(jsonMs)}, protobuf ${perSpan(protobufMs)}; ` +
    `our protobuf encoder ${perSpan(ourProtobufMs)}`,
);
