import { test } from "node:test";
import assert from "node:assert/strict";
import { setImmediate } from "node:timers";
import { type ReadableSpan, TracerProvider } from "@opentelemetry/sdk-trace";
import { emitSession } from "../emit/emit.ts";
import { planSession } from "../plan/session.ts";
import { countSpans } from "../plan/types.ts";
import { readScriptFile } from "../script/read.ts";
import { createPipeline } from "./pipeline.ts";
import type { SendResult, SpanSender } from "./sender.ts";
import { resolveTarget } from "./target.ts";
import { LosslessBatchProcessor } from "./batcher.ts";
import { HttpSender } from "./http_sender.ts";
import { DeliveryStats } from "./stats.ts";
import { withOtlpReceiver } from "../../testing/servers.ts";

/** A sender whose requests finish only when the test says so. */
class GatedSender implements SpanSender {
  readonly batches: number[] = [];
  readonly #open: (() => void)[] = [];

  send(spans: ReadableSpan[]): Promise<SendResult> {
    const count = spans.length;
    this.batches.push(count);
    return new Promise((resolve) =>
      this.#open.push(() => resolve({ acknowledged: count, failures: [] }))
    );
  }

  /** Finishes every request sent so far; returns how many. */
  release(): number {
    const open = this.#open.splice(0);
    for (const finish of open) finish();
    return open.length;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

const turns = () => new Promise((resolve) => setImmediate(resolve));

test("a full export queue holds the producer after the turn that filled it, and nothing is lost", async () => {
  const { script, file } = await readScriptFile("conversations/order-status.yaml");
  const session = planSession(script, { seed: 3, endMs: Date.parse("2026-11-25T12:00:00Z"), file });
  const perTurn = session.turns.map((turn) => countSpans(turn.root));
  const sender = new GatedSender();
  const pipeline = createPipeline(resolveTarget({ target: "file" }, {}), {
    sender: () => sender,
    maxBatchSpans: 2,
    maxInFlight: 1,
    maxQueuedBatches: 1,
  });
  let done = false;
  const emitting = emitSession(session, {
    tracer: pipeline.tracer,
    ids: pipeline.ids,
    backpressure: () => pipeline.batcher.ready(),
  }).then(() => done = true);

  for (let i = 0; i < 5; i++) await turns();
  // One request in flight, the rest of the first turn queued: the producer waits there.
  assert.equal(pipeline.stats.generated, perTurn[0]);
  assert.deepEqual(sender.batches, [2]);
  assert.equal(done, false);

  while (!done) {
    sender.release();
    await turns();
  }
  await emitting;
  const flushed = pipeline.close();
  while (sender.release() > 0) await turns();
  await flushed;
  const total = perTurn.reduce((sum, n) => sum + n, 0);
  assert.equal(pipeline.stats.generated, total);
  assert.equal(pipeline.stats.acknowledged, total);
  assert.equal(pipeline.stats.pending, 0);
  assert.ok(sender.batches.every((size) => size <= 2), "batches keep their bound");
});

test("a span larger than the request limit is counted failed with its size; its batch's other spans go through, nothing loops", async () => {
  await withOtlpReceiver({}, async (receiver) => {
    const stats = new DeliveryStats();
    const sender = new HttpSender(
      { url: `${receiver.url}/v1/traces`, protocol: "http/json", maxRequestBytes: 50_000 },
      stats,
    );
    const batcher = new LosslessBatchProcessor(sender, stats, { maxBatchSpans: 10 });
    const tracer = new TracerProvider({ spanProcessors: [batcher] }).getTracer("test");
    for (let i = 0; i < 25; i++) {
      const span = tracer.startSpan(`span-${i}`);
      if (i === 7) span.setAttribute("langfuse.observation.input", "𠀋".repeat(20_000));
      span.end();
    }
    await batcher.forceFlush();
    assert.equal(stats.generated, 25);
    assert.equal(stats.acknowledged, 24);
    const failures = [...stats.failures.entries()];
    assert.equal(failures.length, 1);
    assert.match(
      failures[0][0],
      /^a span is 7\d\.\d+ KiB encoded, over the request limit of 48\.83 KiB$/,
    );
    assert.equal(failures[0][1], 1);
    assert.equal(receiver.spans.length, 24);
    assert.ok(!receiver.spans.some((span) => span.name === "span-7"));
    for (const request of receiver.requests) assert.ok(request.bodyBytes <= 50_000);
  });
});
