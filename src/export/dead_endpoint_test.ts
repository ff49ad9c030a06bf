import { test } from "node:test";
import assert from "node:assert/strict";
import { TracerProvider } from "@opentelemetry/sdk-trace";
import { LosslessBatchProcessor } from "./batcher.ts";
import { HttpSender } from "./http_sender.ts";
import { type OtlpReceiver, startOtlpReceiver } from "./receiver.ts";
import { DeliveryStats } from "./stats.ts";

const DEAD = "the endpoint refused every connection for 5s (is the server running? " +
  "check OTEL_EXPORTER_OTLP_ENDPOINT)";

/** A batcher into an HttpSender at `url` with the default 60 s retry deadline. */
function exporter(url: string) {
  const stats = new DeliveryStats();
  const sender = new HttpSender({
    url: `${url}/v1/traces`,
    protocol: "http/json",
    urlHint: "OTEL_EXPORTER_OTLP_ENDPOINT",
  }, stats);
  const batcher = new LosslessBatchProcessor(sender, stats, { maxBatchSpans: 50, maxDelayMs: 0 });
  const tracer = new TracerProvider({ spanProcessors: [batcher] }).getTracer("test");
  /** Ends `count` spans, waiting for the batcher like the emitter does; stops when fatal. */
  const produce = async (count: number) => {
    for (let i = 0; i < count && !batcher.fatal; i++) {
      tracer.startSpan(`span-${i}`).end();
      await batcher.ready();
    }
  };
  return { stats, batcher, produce };
}

test("an endpoint that dies mid-run ends the run within seconds, every span failed with why", {
  timeout: 30_000,
}, async () => {
  const receiver = await startOtlpReceiver();
  const { stats, batcher, produce } = exporter(receiver.url);
  try {
    await produce(500);
    await receiver.waitForSpans(100);
    await receiver.close();
    const closed = performance.now();
    // Far more than gets through before the breaker trips: the producer stops on `fatal`.
    await produce(100_000);
    await batcher.forceFlush();
    const elapsed = performance.now() - closed;
    assert.ok(elapsed < 15_000, `gave up after ${Math.round(elapsed)}ms, not per 60s deadline`);
    assert.equal(batcher.fatal, DEAD);
    assert.equal(stats.pending, 0);
    assert.equal(stats.generated, stats.acknowledged + stats.failed);
    assert.equal(stats.acknowledged, receiver.spans.length, "acknowledged means received");
    assert.ok((stats.failures.get(DEAD) ?? 0) > 0, JSON.stringify([...stats.failures]));
    assert.ok(stats.generated < 100_000, "new spans stopped once the endpoint was dead");
  } finally {
    await receiver.close();
  }
});

test("a server that goes away for a second and comes back gets every span", {
  timeout: 30_000,
}, async () => {
  const first = await startOtlpReceiver();
  const port = Number(new URL(first.url).port);
  const { stats, batcher, produce } = exporter(first.url);
  let second: OtlpReceiver | undefined;
  try {
    await produce(200);
    await first.waitForSpans(200);
    await first.close();
    const restarted = new Promise<void>((resolve, reject) =>
      setTimeout(() =>
        startOtlpReceiver({ port }).then((receiver) => {
          second = receiver;
          resolve();
        }, reject), 1_000)
    );
    await produce(300);
    await batcher.forceFlush();
    await restarted;
    assert.equal(batcher.fatal, undefined);
    assert.deepEqual(Object.fromEntries(stats.failures), {});
    assert.equal(stats.generated, 500);
    assert.equal(stats.acknowledged, 500);
    assert.equal(first.spans.length + second!.spans.length, 500);
    assert.ok(stats.byStatus.get("network")! > 0, "the restart was seen as refusals");
  } finally {
    await first.close();
    await second?.close();
  }
});
