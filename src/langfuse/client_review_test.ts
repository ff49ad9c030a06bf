import { test } from "node:test";
import assert from "node:assert/strict";
import { LangfuseApiError, RateLimitedError } from "./api_error.ts";
import { QUEUE_PLAN_CAP_MESSAGE } from "./api_review_types.ts";
import { isQueuePlanCap, LangfuseClient, type LangfuseClientOptions } from "./client.ts";
import type { FakeLangfuse } from "../../testing/fake_langfuse/server.ts";
import { conversation, hexId, sendSpans, T0 } from "../../testing/otlp.ts";
import { withFakeLangfuse, withFakeLangfuseOnClock } from "../../testing/servers.ts";

/** A client for the fake whose waits are recorded, not slept. */
function clientFor(
  fake: FakeLangfuse,
  options: Partial<LangfuseClientOptions> = {},
): { client: LangfuseClient; sleeps: number[] } {
  const sleeps: number[] = [];
  const client = new LangfuseClient({
    baseUrl: fake.url,
    ...fake.keys,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    random: () => 0.5,
    ...options,
  });
  return { client, sleeps };
}

async function rejection(promise: Promise<unknown>): Promise<LangfuseApiError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof LangfuseApiError, String(error));
    return error;
  }
  assert.fail("expected a LangfuseApiError");
}

test("getPrompt() finds a folder-named prompt by label, version or production, and undefined on 404", async () => {
  await withFakeLangfuse({}, async (fake) => {
    const { client } = clientFor(fake);
    const name = "order-status/agent";
    assert.equal(await client.getPrompt(name), undefined);
    const v1 = await client.createPrompt({
      name,
      type: "chat",
      prompt: [{ role: "system", content: "a" }],
    });
    assert.equal(v1.version, 1);
    const v2 = await client.createPrompt({ name, prompt: "x", labels: ["production"] }).catch((e) =>
      e
    );
    assert.ok(v2 instanceof LangfuseApiError && v2.status === 400);
    assert.match(v2.message, /Previous versions have different prompt type/);
    await client.createPrompt({ name, type: "chat", prompt: [], labels: ["production"] });
    assert.equal((await client.getPrompt(name))?.version, 2);
    assert.equal((await client.getPrompt(name, { version: 1 }))?.id, v1.id);
    assert.equal((await client.getPrompt(name, { label: "latest" }))?.version, 2);
    assert.equal(await client.getPrompt(name, { label: "staging" }), undefined);
    const both = await rejection(client.getPrompt(name, { version: 1, label: "production" }));
    assert.equal(both.status, 400);
    assert.match(both.message, /Cannot specify both version and label/);
    // The stored text is what a declared prompt is compared with, never a dependency-resolved copy.
    const gets = fake.requests.filter((r) => r.method === "GET" && r.path.includes("/v2/prompts/"));
    assert.ok(gets.length >= 5 && gets.every((r) => r.path.includes("resolve=false")));
  });
});

test("allScoreConfigs() walks every page of 100 and createScoreConfig() answers the config", async () => {
  await withFakeLangfuse({}, async (fake) => {
    const { client } = clientFor(fake);
    const first = await client.createScoreConfig({ name: "resolved", dataType: "BOOLEAN" });
    assert.deepEqual(first.categories, [{ label: "True", value: 1 }, { label: "False", value: 0 }]);
    for (let i = 0; i < 100; i++) {
      await client.createScoreConfig({ name: `c${i}`, dataType: "NUMERIC" });
    }
    const all = await client.allScoreConfigs();
    assert.equal(all.length, 101);
    assert.equal(new Set(all.map((c) => c.id)).size, 101);
    const pages = fake.requests.filter((r) =>
      r.method === "GET" && r.path.startsWith("/api/public/score-configs")
    );
    assert.deepEqual(pages.map((r) => r.path), [
      "/api/public/score-configs?page=1&limit=100",
      "/api/public/score-configs?page=2&limit=100",
    ]);
    const bad = await rejection(client.createScoreConfig({ name: "a/b", dataType: "NUMERIC" }));
    assert.equal(bad.status, 400);
  });
});

test("annotation queues are created and listed, a duplicate name is Langfuse's 400", async () => {
  await withFakeLangfuse({}, async (fake) => {
    const { client } = clientFor(fake);
    const config = await client.createScoreConfig({ name: "resolved", dataType: "BOOLEAN" });
    const queue = await client.createAnnotationQueue({
      name: "review",
      scoreConfigIds: [config.id],
    });
    assert.deepEqual((await client.allAnnotationQueues()).map((q) => q.id), [queue.id]);
    const duplicate = await rejection(
      client.createAnnotationQueue({ name: "review", scoreConfigIds: [config.id] }),
    );
    assert.equal(duplicate.status, 400);
    assert.match(duplicate.message, /A queue with this name already exists\./);
    assert.equal(isQueuePlanCap(duplicate), false);
  });
});

test("isQueuePlanCap() recognises the Hobby one-queue 405 and not a wrong-method 405", async () => {
  await withFakeLangfuse({ plan: "cloud:hobby" }, async (fake) => {
    const { client } = clientFor(fake);
    const config = await client.createScoreConfig({ name: "resolved", dataType: "BOOLEAN" });
    await client.createAnnotationQueue({ name: "a", scoreConfigIds: [config.id] });
    const capped = await rejection(
      client.createAnnotationQueue({ name: "b", scoreConfigIds: [config.id] }),
    );
    assert.equal(capped.status, 405);
    assert.ok(capped.message.includes(QUEUE_PLAN_CAP_MESSAGE));
    assert.equal(isQueuePlanCap(capped), true);
  });
  const wrongMethod = new LangfuseApiError(
    405,
    "DELETE /api/public/annotation-queues/q",
    "Langfuse answered HTTP 405 for DELETE /api/public/annotation-queues/q: Method not allowed",
  );
  assert.equal(isQueuePlanCap(wrongMethod), false);
  assert.equal(isQueuePlanCap(new Error(QUEUE_PLAN_CAP_MESSAGE)), false);
});

test("queue items are added, listed by status and deleted, and a second delete answers false", async () => {
  await withFakeLangfuse({}, async (fake) => {
    const { client } = clientFor(fake);
    const config = await client.createScoreConfig({ name: "resolved", dataType: "BOOLEAN" });
    const queue = await client.createAnnotationQueue({ name: "q", scoreConfigIds: [config.id] });
    const item = await client.createQueueItem(queue.id, {
      objectId: "sess-1",
      objectType: "SESSION",
    });
    await client.createQueueItem(queue.id, {
      objectId: "t-1",
      objectType: "TRACE",
      status: "COMPLETED",
    });
    assert.equal((await client.allQueueItems(queue.id)).length, 2);
    assert.deepEqual(
      (await client.allQueueItems(queue.id, { status: "PENDING" })).map((i) => i.id),
      [item.id],
    );
    assert.equal(await client.deleteQueueItem(queue.id, item.id), true);
    assert.equal(await client.deleteQueueItem(queue.id, item.id), false);
    const missing = await rejection(client.allQueueItems("nope"));
    assert.equal(missing.status, 404);
    assert.match(missing.message, /Annotation queue not found/);
  });
});

test("createComment() is refused with 404 until the trace is visible, then listed by object", async () => {
  await withFakeLangfuseOnClock(T0, { visibleAfterMs: 1000 }, async (fake, clock) => {
    const { client } = clientFor(fake, { now: clock.now });
    const { id: projectId } = await client.project();
    await sendSpans(fake, conversation({ seed: 1, sessionId: "s-1", turns: 1 }));
    const traceId = hexId(1, 1, 16);
    const body = { projectId, objectType: "TRACE" as const, objectId: traceId, content: "note" };
    const early = await rejection(client.createComment(body));
    assert.equal(early.status, 404);
    assert.match(early.message, /Reference object, TRACE: .* not found/);
    await clock.sleep(1000);
    const { id } = await client.createComment(body);
    await client.createComment({ ...body, objectType: "SESSION", objectId: "s-1" });
    const onTrace = await client.allComments({ objectType: "TRACE", objectId: traceId });
    assert.deepEqual(onTrace.map((c) => [c.id, c.content, c.projectId]), [[id, "note", projectId]]);
    assert.equal((await client.allComments()).length, 2);
  });
});

test("prompts and queues are not held back by a spent public-api budget", async () => {
  const rateLimits = {
    "public-api": { points: 2, windowMs: 60_000 },
    "annotation-queues": { points: 2, windowMs: 60_000 },
  };
  await withFakeLangfuseOnClock(T0, { rateLimits }, async (fake, clock) => {
    const { client, sleeps } = clientFor(fake, { now: clock.now, maxRateLimitWaitMs: 0 });
    await client.allScoreConfigs();
    const spent = await rejection(client.allScoreConfigs());
    assert.ok(spent instanceof RateLimitedError);
    assert.equal(spent.resource, "public-api");
    assert.equal(await client.getPrompt("p"), undefined);
    await client.allAnnotationQueues();
    assert.deepEqual(sleeps, []);
    const queues = await rejection(client.allAnnotationQueues());
    assert.ok(queues instanceof RateLimitedError);
    assert.equal(queues.resource, "annotation-queues");
  });
});
