import { test } from "node:test";
import assert from "node:assert/strict";
import { arrivalOffsets } from "../plan/arrivals.ts";
import { SessionFactory } from "../plan/instances.ts";
import type { SessionPlan } from "../plan/types.ts";
import { countSpans } from "../plan/types.ts";
import { createPipeline, type Pipeline } from "../export/pipeline.ts";
import type { Target } from "../export/target.ts";
import { readScriptFile } from "../script/read.ts";
import { FakeClock, NOW } from "../../testing/clock.ts";
import { LiveCounts, type LiveSchedule, runLive } from "./live.ts";

const TARGET: Target = {
  kind: "file",
  path: "unused",
  headers: {},
  protocol: "http/json",
  gzip: false,
  timeoutMs: 1_000,
  describe: "memory",
};

/**
 * A pipeline whose sender acknowledges every span at once; `requestMs` advances the fake clock
 * per request, a target that takes that long to answer.
 */
function memoryPipeline(clock: FakeClock, requestMs = 0, batch = 512): Pipeline {
  return createPipeline(TARGET, {
    maxDelayMs: 0,
    maxBatchSpans: batch,
    maxInFlight: 1,
    sender: () => ({
      send: (spans) => {
        if (requestMs > 0) clock.sleep(requestMs);
        return Promise.resolve({ acknowledged: spans.length, failures: [] });
      },
      close: () => Promise.resolve(),
    }),
  });
}

async function factory(files: string[], seed = 1): Promise<SessionFactory> {
  const scripts = await Promise.all(files.map((file) => readScriptFile(file)));
  return new SessionFactory(scripts, { seed, users: 100 });
}

function live(durationMs: number, rate: number, timeScale = 1): LiveSchedule {
  return { kind: "live", phases: [{ durationMs, rate }], poisson: false, timeScale };
}

const sessionEnd = (plan: SessionPlan) => plan.turns.at(-1)?.root.endMs ?? 0;

test("20/s for 60 s with 20-50 s think times and concurrency 64 starts every arrival on time", {
  timeout: 120_000,
}, async () => {
  const clock = new FakeClock();
  const pipeline = memoryPipeline(clock);
  const sessions: SessionPlan[] = [];
  const counts = await runLive({
    factory: await factory(["conversations/order-status.yaml"]),
    pipeline,
    seed: 1,
    clock,
    concurrency: 64,
    stopped: () => false,
    onSession: (plan) => sessions.push(plan),
  }, live(60_000, 20));
  const endedAt = clock.now();
  await pipeline.close();

  const offsets = arrivalOffsets([{ durationMs: 60_000, rate: 20 }]);
  assert.equal(offsets.length, 1_200);
  assert.equal(counts.started, 1_200, "every arrival of 20/s for 60 s started");
  assert.equal(counts.dropped, 0);
  assert.equal(sessions.length, 1_200, "and every session finished");
  const starts = sessions.map((plan) => plan.turns[0].root.startMs).sort((a, b) => a - b);
  assert.deepEqual(starts, offsets.map((offset) => NOW + offset), "on their scheduled offsets");
  assert.ok(counts.peakAlive > 64, `more sessions alive (${counts.peakAlive}) than slots`);
  const longest = Math.max(
    ...sessions.map((plan) => sessionEnd(plan) - plan.turns[0].root.startMs),
  );
  assert.ok(longest > 60_000, "sessions outlive the arrivals");
  assert.ok(endedAt <= NOW + 60_000 + longest, "the run ends by duration + longest session");
  assert.equal(endedAt, Math.max(...sessions.map(sessionEnd)), "when the last turn was sent");
  const spans = sessions.reduce(
    (sum, plan) => sum + plan.turns.reduce((n, turn) => n + countSpans(turn.root), 0),
    0,
  );
  assert.equal(pipeline.stats.generated, spans, "every turn of every session was sent");
  assert.equal(pipeline.stats.acknowledged, spans);
});

test("each turn is sent when its end comes, not before and not later", async () => {
  const clock = new FakeClock();
  const pipeline = memoryPipeline(clock);
  // When each span reached the exporter, and when it ends.
  const seen = new Map<number, number>();
  const onEnd = pipeline.batcher.onEnd.bind(pipeline.batcher);
  pipeline.batcher.onEnd = (span) => {
    const endMs = span.endTime[0] * 1_000 + span.endTime[1] / 1e6;
    seen.set(clock.now(), Math.max(seen.get(clock.now()) ?? 0, endMs));
    onEnd(span);
  };
  await runLive({
    factory: await factory(["conversations/refund.yaml"]),
    pipeline,
    seed: 2,
    clock,
    stopped: () => false,
    onSession: () => {},
  }, live(10_000, 1));
  await pipeline.close();
  assert.ok(seen.size >= 10, "every session sent at least a turn");
  // The fake clock jumps while the worker is still handing over a turn, so a turn due within a
  // poll (100 ms) of another goes out at the next poll; on a real clock the worker takes it
  // right after the first. Never before its end, and the rest exactly at it.
  let exact = 0;
  for (const [at, lastEnd] of seen) {
    assert.ok(at >= lastEnd && at - lastEnd <= 100, `sent at ${at}, its last span ends ${lastEnd}`);
    if (at === lastEnd) exact++;
  }
  assert.ok(exact >= seen.size - 2, `${seen.size - exact} of ${seen.size} turns went out late`);
});

test("--time-scale 10 makes a session ten times shorter in wall-clock time", async () => {
  const lengths: number[] = [];
  for (const scale of [1, 10]) {
    const clock = new FakeClock();
    const pipeline = memoryPipeline(clock);
    await runLive({
      factory: await factory(["conversations/handoff.yaml"]),
      pipeline,
      seed: 4,
      clock,
      stopped: () => false,
      onSession: () => {},
    }, live(1_000, 1, scale));
    lengths.push(clock.now() - NOW);
    await pipeline.close();
  }
  const [real, fast] = lengths;
  assert.ok(real > 60_000, `a handoff session takes minutes (${real} ms)`);
  assert.ok(Math.abs(fast - real / 10) <= 5, `${fast} ms is a tenth of ${real} ms`);
});

test("a target too slow for the rate makes arrivals late: they are dropped and counted", async () => {
  const clock = new FakeClock();
  // Each request takes 3 s of fake time; a span per request, one request at a time.
  const pipeline = memoryPipeline(clock, 3_000, 1);
  const sessions: SessionPlan[] = [];
  const counts = new LiveCounts();
  await runLive({
    factory: await factory(["fixtures/scripts/quick.yaml"]),
    pipeline,
    seed: 1,
    clock,
    concurrency: 1,
    counts,
    stopped: () => false,
    onSession: (plan) => sessions.push(plan),
  }, live(10_000, 10));
  await pipeline.close();
  assert.equal(counts.scheduled, 100, "10/s for 10 s");
  assert.ok(counts.droppedLate > 50, `${counts.droppedLate} arrivals dropped late`);
  assert.equal(counts.started + counts.dropped, counts.scheduled, "each arrival counted once");
  assert.equal(sessions.length, counts.started, "started sessions still finish");
  assert.ok(counts.maxLagMs > 1_000);
  assert.equal(pipeline.stats.failed, 0);
  assert.equal(pipeline.stats.acknowledged, pipeline.stats.generated, "what started is delivered");
});

test("arrivals beyond the sessions-alive bound are dropped, not queued", async () => {
  const clock = new FakeClock();
  const pipeline = memoryPipeline(clock);
  const counts = await runLive({
    factory: await factory(["conversations/order-status.yaml"]),
    pipeline,
    seed: 1,
    clock,
    maxAlive: 50,
    stopped: () => false,
    onSession: () => {},
  }, live(30_000, 20));
  await pipeline.close();
  assert.equal(counts.scheduled, 600);
  assert.equal(counts.peakAlive, 50);
  assert.ok(counts.droppedAlive > 0, `${counts.droppedAlive} dropped at the bound`);
  assert.equal(counts.droppedLate, 0, "none was late");
  assert.equal(counts.started + counts.droppedAlive, 600);
});

test("stopping ends the run at once and reports each started session with the turns sent", async () => {
  const clock = new FakeClock();
  const pipeline = memoryPipeline(clock);
  const sessions: SessionPlan[] = [];
  const counts = await runLive({
    factory: await factory(["conversations/order-status.yaml"]),
    pipeline,
    seed: 1,
    clock,
    stopped: () => clock.now() >= NOW + 30_000,
    onSession: (plan) => sessions.push(plan),
  }, live(600_000, 20));
  await pipeline.close();
  assert.ok(clock.now() < NOW + 30_200, "stopped within a poll");
  assert.ok(counts.started >= 590 && counts.started <= 602, `${counts.started} started`);
  assert.equal(sessions.length, counts.started, "every started session is reported");
  const sentTurns = sessions.reduce((sum, plan) => sum + plan.turns.length, 0);
  assert.ok(sessions.some((plan) => plan.turns.length === 0), "some had sent nothing yet");
  const spans = sessions.reduce(
    (sum, plan) => sum + plan.turns.reduce((n, turn) => n + countSpans(turn.root), 0),
    0,
  );
  assert.ok(sentTurns > 0);
  assert.equal(pipeline.stats.generated, spans, "reported turns are exactly those sent");
});
