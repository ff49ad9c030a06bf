import { test } from "node:test";
import assert from "node:assert/strict";
import { systemClock } from "../load/clock.ts";
import { langfuseClientFor } from "../../testing/langfuse.ts";
import { conversation, sendSpans } from "../../testing/otlp.ts";
import { withFakeLangfuse } from "../../testing/servers.ts";
import { VisibleProbe } from "./visible_probe.ts";

for (const mode of ["v4", "v3"] as const) {
  test(`the probe measures a ${mode} Langfuse's ingestion delay and names the lost trace`, async () => {
    await withFakeLangfuse({ mode, visibleAfterMs: 400 }, async (fake) => {
      const spans = conversation({ seed: 5, sessionId: "s-1", turns: 4 });
      const traceIds = [...new Set(spans.map((span) => span.traceId))];
      fake.loseTrace(traceIds[1]);
      const probe = new VisibleProbe({
        client: langfuseClientFor(fake).withReadRate(100),
        seed: 1,
        timeoutMs: 1_500,
        // Four young traces read every 50 ms: 80 reads a second.
        readsPerSecond: 100,
        pollMs: 50,
        clock: systemClock,
        stopped: () => false,
      });
      const sent = await sendSpans(fake, spans);
      await sent.body?.cancel();
      probe.acknowledged(traceIds, Date.now());
      const field = await probe.finish();
      assert.equal(field.api, mode);
      assert.equal(field.probed, 4);
      assert.equal(field.visible, 3);
      assert.deepEqual(field.neverVisibleIds, [traceIds[1]]);
      // Visible 400 ms after arrival; read every 50 ms (a tenth of the age later on).
      assert.ok(field.ms.p50! >= 390 && field.ms.p50! <= 600, `p50 ${field.ms.p50}`);
      assert.ok(field.ms.p99! <= 600, `p99 ${field.ms.p99}`);
    });
  });
}

test("acknowledged() never waits for a read, and a stop leaves the rest undecided", async () => {
  let reads = 0;
  // Reads that never answer: the send path must not notice.
  const hanging = {
    detectGeneration: () => Promise.resolve("v4" as const),
    traceVisible: () => {
      reads++;
      return new Promise<boolean>(() => {});
    },
  };
  let stopped = false;
  const probe = new VisibleProbe({
    client: hanging,
    seed: 1,
    timeoutMs: 60_000,
    readsPerSecond: 1_000,
    pollMs: 10,
    clock: systemClock,
    stopped: () => stopped,
  });
  const ids = Array.from({ length: 200 }, (_, i) => i.toString(16).padStart(32, "0"));
  const returned = probe.acknowledged(ids, Date.now());
  assert.equal(returned, undefined);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(reads, 1, "one read in flight, never answered");
  probe.acknowledged(["f".repeat(32)], Date.now());
  assert.ok(probe.watching > 1);
  const watching = probe.watching;
  stopped = true;
  // A stop (Ctrl-C) does not wait for the read in flight either.
  const field = await Promise.race([
    probe.finish(),
    new Promise<"hung">((resolve) => setTimeout(() => resolve("hung"), 2_000)),
  ]);
  assert.notEqual(field, "hung");
  if (field === "hung") return;
  assert.equal(field.undecided, watching);
  assert.equal(field.probed, watching);
  assert.equal(field.visible + field.neverVisible, 0);
});

test("the read budget caps the traces watched; the ones left out are counted", async () => {
  const probe = new VisibleProbe({
    client: {
      detectGeneration: () => Promise.resolve("v4" as const),
      traceVisible: () => Promise.resolve(true),
    },
    seed: 1,
    timeoutMs: 60_000,
    // Four young traces, each read every second, fill four reads a second.
    readsPerSecond: 4,
    pollMs: 1_000,
    clock: systemClock,
    stopped: () => false,
  });
  const ids = Array.from({ length: 10 }, (_, i) => i.toString(16).padStart(32, "0"));
  probe.acknowledged(ids, Date.now());
  assert.equal(probe.watching, 4);
  const field = await probe.finish();
  assert.equal(field.probed, 4);
  assert.equal(field.skipped, 6);
  assert.equal(field.visible, 4);
});

test("a read that never answers holds the run at most a little past the timeout", async () => {
  const probe = new VisibleProbe({
    client: {
      detectGeneration: () => Promise.resolve("v4" as const),
      traceVisible: () => new Promise<boolean>(() => {}),
    },
    seed: 1,
    timeoutMs: 200,
    lateMs: 100,
    readsPerSecond: 100,
    pollMs: 50,
    clock: systemClock,
    stopped: () => false,
  });
  const started = Date.now();
  probe.acknowledged(["a".repeat(32)], started);
  const field = await probe.finish();
  assert.ok(Date.now() - started < 1_000, `${Date.now() - started} ms`);
  assert.equal(field.undecided, 1);
  assert.match(field.stopped!, /a read was still waiting \(Langfuse's rate limit\?\) 100ms past/);
});

test("a probe that saw no trace finishes at once, with nothing probed", async () => {
  const probe = new VisibleProbe({
    client: {
      detectGeneration: () => Promise.resolve("v3" as const),
      traceVisible: () => Promise.resolve(true),
    },
    seed: 1,
    timeoutMs: 600_000,
    readsPerSecond: 1,
    clock: systemClock,
    stopped: () => false,
  });
  const field = await probe.finish();
  assert.equal(field.probed, 0);
  assert.equal(field.stopped, undefined);
  assert.deepEqual(field.ms, {});
});

test("a clock that answers at once (a test's, or one that jumps) never starves the run's I/O: idle, the probe lets timers run, and finish() waits for a read under way", async () => {
  const { FakeClock } = await import("../../testing/clock.ts");
  const clock = new FakeClock();
  // A read that answers after 20 ms of real time, as an HTTP read does.
  const slow = {
    detectGeneration: () => Promise.resolve("v4" as const),
    traceVisible: () => new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 20)),
  };
  const probe = new VisibleProbe({
    client: slow,
    seed: 1,
    timeoutMs: 60_000,
    readsPerSecond: 1_000,
    pollMs: 10,
    clock,
    stopped: () => false,
  });
  // Idle: a timer of the sending side still fires (a loop of instant sleeps would starve it).
  const fired = await Promise.race([
    new Promise<"fired">((resolve) => setTimeout(() => resolve("fired"), 30)),
    new Promise<"starved">((resolve) =>
      queueMicrotask(() => setTimeout(() => resolve("starved"), 2_000))
    ),
  ]);
  assert.equal(fired, "fired");
  probe.acknowledged(["a".repeat(32)], clock.now());
  const field = await probe.finish();
  assert.equal(field.visible, 1, JSON.stringify(field));
  assert.equal(field.stopped, undefined);
});
