import { test } from "node:test";
import assert from "node:assert/strict";
import { callFake, langfuseClientFor } from "../langfuse.ts";
import { withFakeLangfuse } from "../servers.ts";
import type { FakeLangfuse } from "./server.ts";

const QUEUE = "cm7r0b4xq0007ad08k2m5p9zt";
const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

type Row = Record<string, unknown>;

/** Three annotations by two reviewers in one queue, one outside it, and one API score. */
async function seed(fake: FakeLangfuse): Promise<void> {
  const common = { queueId: QUEUE, objectType: "TRACE" as const, objectId: TRACE };
  fake.annotate({
    ...common,
    reviewer: "rev-a",
    configId: "cfg-res",
    name: "resolution",
    value: "resolved",
    comment: "ok",
  });
  fake.annotate({
    ...common,
    reviewer: "rev-a",
    configId: "cfg-help",
    name: "helpfulness",
    value: 4,
    dataType: "NUMERIC",
  });
  fake.annotate({
    ...common,
    reviewer: "rev-b",
    configId: "cfg-rep",
    name: "repeated_answer",
    value: true,
  });
  fake.annotate({
    reviewer: "rev-b",
    configId: "cfg-rep",
    name: "repeated_answer",
    objectType: "SESSION",
    objectId: "sess-1",
    value: false,
  });
  const api = await callFake(fake, "POST", "/api/public/scores", {
    traceId: TRACE,
    name: "resolution",
    value: "escalated",
    dataType: "CATEGORICAL",
  });
  assert.equal(api.status, 200);
}

test("a reviewer's annotations in a queue read back from v3 scores with their author, queue and value", async () => {
  await withFakeLangfuse({ mode: "v4" }, async (fake) => {
    await seed(fake);
    const { status, body } = await callFake(
      fake,
      "GET",
      `/api/public/v3/scores?queueId=${QUEUE}&source=ANNOTATION&fields=core,details,subject,annotation`,
    );
    assert.equal(status, 200);
    const { data, meta } = body as { data: Row[]; meta: Row };
    assert.deepEqual(meta, { limit: 50 });
    assert.deepEqual(
      data.map((row) => [row.name, row.authorUserId, row.queueId, row.source, row.value]).sort(),
      [
        ["helpfulness", "rev-a", QUEUE, "ANNOTATION", 4],
        ["repeated_answer", "rev-b", QUEUE, "ANNOTATION", true],
        ["resolution", "rev-a", QUEUE, "ANNOTATION", "resolved"],
      ],
    );
    assert.deepEqual(data.find((row) => row.name === "resolution")?.subject, {
      kind: "trace",
      id: TRACE,
    });
  });
});

test("v3 scores filter by author, config, source and session, and return only the groups asked for", async () => {
  await withFakeLangfuse({ mode: "v4" }, async (fake) => {
    await seed(fake);
    const client = langfuseClientFor(fake);
    const byB = await client.allScoresV3({ authorUserIds: ["rev-b"], fields: ["core", "subject"] });
    assert.deepEqual(
      byB.map((s) => [s.subject?.kind, s.value]).sort(),
      [["session", false], ["trace", true]],
    );
    assert.equal("authorUserId" in byB[0], false, "annotation group not asked for");
    const both = await client.allScoresV3({
      authorUserIds: ["rev-a", "rev-b"],
      configIds: ["cfg-rep"],
    });
    assert.equal(both.length, 2);
    const bySession = await client.allScoresV3({ sessionIds: ["sess-1"], sources: ["ANNOTATION"] });
    assert.deepEqual(bySession.map((s) => s.name), ["repeated_answer"]);
    const apiOnly = await client.allScoresV3({ sources: ["API"] });
    assert.deepEqual(apiOnly.map((s) => [s.source, s.value]), [["API", "escalated"]]);
    const lower = await callFake(fake, "GET", "/api/public/v3/scores?source=annotation");
    assert.equal((lower.body as { data: Row[] }).data.length, 4, "source is case-insensitive");
  });
});

test("v3 scores refuse unknown parameters, unknown field groups and the userId filter with 400", async () => {
  await withFakeLangfuse({ mode: "v4" }, async (fake) => {
    for (
      const query of ["authorId=rev-a", "fields=core,annotations", "userId=u-1", "source=HUMAN"]
    ) {
      const answer = await callFake(fake, "GET", `/api/public/v3/scores?${query}`);
      assert.equal(answer.status, 400, query);
      assert.match((answer.body as { message: string }).message, /Invalid request data/, query);
    }
    const unknown = await callFake(fake, "GET", "/api/public/v3/scores?authorId=rev-a");
    assert.deepEqual((unknown.body as { error: unknown }).error, [
      {
        code: "unrecognized_keys",
        keys: ["authorId"],
        path: [],
        message: 'Unrecognized key: "authorId"',
      },
    ]);
    const both = await callFake(fake, "GET", "/api/public/v3/scores?traceId=t&sessionId=s");
    assert.equal(both.status, 400);
    assert.match(JSON.stringify(both.body), /At most one of traceId, sessionId, experimentId/);
  });
});

test("v2 scores on a v3 server filter by queue and source but ignore authorUserId, as Langfuse does", async () => {
  await withFakeLangfuse({ mode: "v3" }, async (fake) => {
    await seed(fake);
    const { status, body } = await callFake(
      fake,
      "GET",
      `/api/public/v2/scores?queueId=${QUEUE}&source=ANNOTATION&authorUserId=rev-a`,
    );
    assert.equal(status, 200);
    const rows = (body as { data: Row[] }).data;
    assert.deepEqual(
      rows.map((r) => [r.name, r.authorUserId, r.configId, r.stringValue]).sort(),
      [
        ["helpfulness", "rev-a", "cfg-help", null],
        ["repeated_answer", "rev-b", "cfg-rep", "True"],
        ["resolution", "rev-a", "cfg-res", "resolved"],
      ],
    );
    const all = await langfuseClientFor(fake).allScoresV2({ source: "ANNOTATION" });
    assert.equal(all.length, 4);
    const bad = await callFake(fake, "GET", "/api/public/v2/scores?source=annotation");
    assert.equal(bad.status, 400, "v2's source is an exact enum");
  });
});

test("annotate names the score after its config and needs a name when the fake has no such config", async () => {
  await withFakeLangfuse({ mode: "v4" }, async (fake) => {
    assert.throws(
      () =>
        fake.annotate({
          reviewer: "r",
          configId: "cfg-x",
          objectType: "TRACE",
          objectId: TRACE,
          value: 1,
        }),
      /no score config cfg-x/,
    );
    const stored = fake.annotate({
      reviewer: "r",
      configId: "cfg-x",
      name: "lost_state",
      objectType: "OBSERVATION",
      objectId: "a3ce929d0e0e4736",
      traceId: TRACE,
      value: 0,
    });
    assert.equal(stored.dataType, "BOOLEAN");
    const [row] = await langfuseClientFor(fake).allScoresV3({ fields: ["subject"] });
    assert.deepEqual(row.subject, { kind: "observation", id: "a3ce929d0e0e4736", traceId: TRACE });
    assert.equal(row.value, false);
  });
});

test("annotate takes the name and type of a score config the fake holds, and refuses a value that does not fit it", async () => {
  await withFakeLangfuse({ mode: "v4" }, async (fake) => {
    const created = await callFake(fake, "POST", "/api/public/score-configs", {
      name: "repeated_answer",
      dataType: "BOOLEAN",
    });
    assert.equal(created.status, 200);
    const configId = (created.body as { id: string }).id;
    const stored = fake.annotate({
      reviewer: "r",
      queueId: QUEUE,
      configId,
      name: "a stale name",
      objectType: "SESSION",
      objectId: "sess-1",
      value: true,
    });
    assert.deepEqual([stored.name, stored.dataType, stored.value], [
      "repeated_answer",
      "BOOLEAN",
      1,
    ]);
    assert.throws(
      () =>
        fake.annotate({
          reviewer: "r",
          configId,
          objectType: "SESSION",
          objectId: "sess-1",
          value: 2,
        }),
      /BOOLEAN value is not 0 or 1/,
    );
    const [row] = await langfuseClientFor(fake).allScoresV3({
      queueIds: [QUEUE],
      fields: ["details", "annotation"],
    });
    assert.deepEqual([row.name, row.configId, row.value], ["repeated_answer", configId, true]);
  });
});
