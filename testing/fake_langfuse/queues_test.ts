import { test } from "node:test";
import assert from "node:assert/strict";
import { callFake, langfuseFixture } from "../langfuse.ts";
import { withFakeLangfuse, withFakeLangfuseOnClock } from "../servers.ts";
import type { FakeLangfuse } from "./server.ts";
import { T0 } from "../otlp.ts";

const QUEUES = "/api/public/annotation-queues";
const review = (name: string) => langfuseFixture(`review/${name}`);
type Row = Record<string, unknown>;

async function config(fake: FakeLangfuse): Promise<string> {
  const answer = await callFake(fake, "POST", "/api/public/score-configs", {
    name: "ok",
    dataType: "BOOLEAN",
  });
  return (answer.body as Row).id as string;
}

test("a queue is created with existing score configs and answered with exactly its six keys", async () => {
  await withFakeLangfuse({}, async (fake) => {
    const id = await config(fake);
    const created = await callFake(fake, "POST", QUEUES, {
      name: "order-status review",
      description: "d",
      scoreConfigIds: [id],
    });
    assert.equal(created.status, 200);
    const expected = await review("annotation_queue_created.json") as Row;
    assert.deepEqual(Object.keys(created.body as Row), Object.keys(expected));
    const queueId = (created.body as Row).id as string;
    assert.deepEqual((await callFake(fake, "GET", `${QUEUES}/${queueId}`)).body, created.body);
    assert.deepEqual(fake.annotationQueues.map((q) => q.name), ["order-status review"]);
  });
});

test("a queue name is unique per project and every score config must exist", async () => {
  await withFakeLangfuse({}, async (fake) => {
    const id = await config(fake);
    await callFake(fake, "POST", QUEUES, { name: "q", scoreConfigIds: [id] });
    const duplicate = await callFake(fake, "POST", QUEUES, { name: "q", scoreConfigIds: [id] });
    assert.equal(duplicate.status, 400);
    assert.deepEqual(duplicate.body, await review("annotation_queue_duplicate_name.json"));
    const unknown = await callFake(fake, "POST", QUEUES, {
      name: "r",
      scoreConfigIds: [id, "nope"],
    });
    assert.equal(unknown.status, 400);
    assert.deepEqual(unknown.body, await review("annotation_queue_unknown_score_config.json"));
    assert.equal(fake.annotationQueues.length, 1);
  });
});

test("a queue body is strict and needs at least one score config", async () => {
  await withFakeLangfuse({}, async (fake) => {
    const bad = await callFake(fake, "POST", QUEUES, {
      name: "q",
      scoreConfigIds: [],
      isActive: true,
    });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body, await review("annotation_queue_validation_error.json"));
  });
});

test("on Cloud Hobby a second queue is refused with the plan-cap 405, before the configs are checked", async () => {
  await withFakeLangfuse({ plan: "cloud:hobby" }, async (fake) => {
    const id = await config(fake);
    assert.equal(
      (await callFake(fake, "POST", QUEUES, { name: "a", scoreConfigIds: [id] })).status,
      200,
    );
    const second = await callFake(fake, "POST", QUEUES, { name: "b", scoreConfigIds: ["nope"] });
    assert.equal(second.status, 405);
    assert.deepEqual(second.body, await review("annotation_queue_hobby_cap.json"));
  });
  await withFakeLangfuse({}, async (fake) => {
    const id = await config(fake);
    for (const name of ["a", "b"]) {
      assert.equal(
        (await callFake(fake, "POST", QUEUES, { name, scoreConfigIds: [id] })).status,
        200,
      );
    }
  });
});

test("queues have no delete, unknown ones are 404, and the list is newest first with a strict query", async () => {
  await withFakeLangfuseOnClock(T0, {}, async (fake, clock) => {
    const id = await config(fake);
    for (const name of ["order-status review", "escalations"]) {
      await callFake(fake, "POST", QUEUES, { name, scoreConfigIds: [id] });
      await clock.sleep(1000);
    }
    const list = await callFake(fake, "GET", QUEUES);
    assert.deepEqual((list.body as { data: Row[] }).data.map((q) => q.name), [
      "escalations",
      "order-status review",
    ]);
    assert.equal((await callFake(fake, "GET", `${QUEUES}?name=x`)).status, 400);
    const queueId = fake.annotationQueues[0].id;
    const deleted = await callFake(fake, "DELETE", `${QUEUES}/${queueId}`);
    assert.equal(deleted.status, 405);
    assert.deepEqual(deleted.body, await review("method_not_allowed.json"));
    const missing = await callFake(fake, "GET", `${QUEUES}/nope/items`);
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.body, await review("annotation_queue_not_found.json"));
  });
});

test("items take any object id, may repeat, and are listed newest first with a status filter", async () => {
  await withFakeLangfuseOnClock(T0, {}, async (fake, clock) => {
    const queue = await callFake(fake, "POST", QUEUES, {
      name: "q",
      scoreConfigIds: [await config(fake)],
    });
    const items = `${QUEUES}/${(queue.body as Row).id}/items`;
    const request = await review("annotation_queue_item_create_request.json");
    const created = await callFake(fake, "POST", items, request);
    assert.equal(created.status, 200);
    const expected = await review("annotation_queue_item_created.json") as Row;
    assert.deepEqual(Object.keys(created.body as Row), Object.keys(expected));
    assert.equal((created.body as Row).status, "PENDING");
    assert.equal((created.body as Row).completedAt, null);
    await clock.sleep(1000);
    assert.equal((await callFake(fake, "POST", items, request)).status, 200);
    await clock.sleep(1000);
    const done = await callFake(fake, "POST", items, {
      objectId: "never-sent",
      objectType: "SESSION",
      status: "COMPLETED",
    });
    assert.equal((done.body as Row).completedAt, new Date(T0 + 2000).toISOString());
    const list = await callFake(fake, "GET", items);
    assert.deepEqual((list.body as { data: Row[] }).data.map((i) => i.objectId), [
      "never-sent",
      "4bf92f3577b34da6a3ce929d0e0e4736",
      "4bf92f3577b34da6a3ce929d0e0e4736",
    ]);
    const pending = await callFake(fake, "GET", `${items}?status=PENDING`);
    assert.equal((pending.body as { data: Row[] }).data.length, 2);
    assert.equal((await callFake(fake, "GET", `${items}?objectId=x`)).status, 400);
    const lower = await callFake(fake, "POST", items, { objectId: "x", objectType: "trace" });
    assert.equal(lower.status, 400);
    const extra = await callFake(fake, "POST", items, {
      objectId: "x",
      objectType: "TRACE",
      note: "n",
    });
    assert.equal(extra.status, 400);
    assert.equal(fake.queueItems.length, 3);
  });
});

test("an item is completed by PATCH, keeps completedAt when set back to PENDING, and is deleted", async () => {
  await withFakeLangfuseOnClock(T0, {}, async (fake, clock) => {
    const queue = await callFake(fake, "POST", QUEUES, {
      name: "q",
      scoreConfigIds: [await config(fake)],
    });
    const items = `${QUEUES}/${(queue.body as Row).id}/items`;
    const item = await callFake(fake, "POST", items, { objectId: "t", objectType: "TRACE" });
    const path = `${items}/${(item.body as Row).id}`;
    await clock.sleep(1000);
    const completed = await callFake(fake, "PATCH", path, { status: "COMPLETED" });
    const at = new Date(T0 + 1000).toISOString();
    assert.equal((completed.body as Row).completedAt, at);
    await clock.sleep(1000);
    const back = await callFake(fake, "PATCH", path, { status: "PENDING" });
    assert.equal((back.body as Row).status, "PENDING");
    assert.equal((back.body as Row).completedAt, at);
    const deleted = await callFake(fake, "DELETE", path);
    assert.deepEqual(deleted.body, await review("annotation_queue_item_deleted.json"));
    const again = await callFake(fake, "DELETE", path);
    assert.equal(again.status, 404);
    assert.deepEqual(again.body, await review("annotation_queue_item_not_found.json"));
    assert.equal(fake.queueItems.length, 0);
  });
});

test("assignments need a project member and deleting one always succeeds", async () => {
  await withFakeLangfuse({ members: ["cm6v8n2ta0000ab12c3d4e5f6"] }, async (fake) => {
    const queue = await callFake(fake, "POST", QUEUES, {
      name: "q",
      scoreConfigIds: [await config(fake)],
    });
    const path = `${QUEUES}/${(queue.body as Row).id}/assignments`;
    const userId = "cm6v8n2ta0000ab12c3d4e5f6";
    assert.equal((await callFake(fake, "POST", path, { userId })).status, 200);
    const stranger = await callFake(fake, "POST", path, { userId: "someone" });
    assert.equal(stranger.status, 404);
    assert.deepEqual(
      stranger.body,
      await review("annotation_queue_assignment_user_not_found.json"),
    );
    for (let i = 0; i < 2; i++) {
      const gone = await callFake(fake, "DELETE", path, { userId });
      assert.deepEqual(gone.body, await review("annotation_queue_assignment_deleted.json"));
    }
  });
});

test("queue routes count against the annotation-queues budget, not public-api", async () => {
  const rateLimits = {
    "annotation-queues": { points: 3, windowMs: 60_000 },
    "public-api": { points: 3, windowMs: 60_000 },
  };
  await withFakeLangfuse({ rateLimits }, async (fake) => {
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await callFake(fake, "GET", QUEUES)).status);
    assert.deepEqual(statuses, [200, 200, 429]);
    assert.equal((await callFake(fake, "GET", "/api/public/score-configs")).status, 200);
  });
});

test("the every-Nth-read switch also answers review reads with 429", async () => {
  await withFakeLangfuse({ rateLimitEvery: 2 }, async (fake) => {
    const statuses = [];
    for (let i = 0; i < 2; i++) statuses.push((await callFake(fake, "GET", QUEUES)).status);
    assert.deepEqual(statuses, [200, 429]);
  });
});
