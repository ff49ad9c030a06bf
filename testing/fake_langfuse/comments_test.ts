import { test } from "node:test";
import assert from "node:assert/strict";
import { callFake, langfuseFixture } from "../langfuse.ts";
import { withFakeLangfuse, withFakeLangfuseOnClock } from "../servers.ts";
import { conversation, hexId, sendSpans, T0 } from "../otlp.ts";

const COMMENTS = "/api/public/comments";
const review = (name: string) => langfuseFixture(`review/${name}`);
type Row = Record<string, unknown>;

const comment = (objectType: string, objectId: string, more: Row = {}) => ({
  projectId: "whatever",
  objectType,
  objectId,
  content: "Check the escalation.",
  ...more,
});

test("a comment on a visible trace answers only its id and reads back in the key's project", async () => {
  await withFakeLangfuse({ projectId: "cm7qz1x9p0001ad08f1k3n2vb" }, async (fake) => {
    await sendSpans(fake, conversation({ seed: 1, sessionId: "s-1", turns: 1 }));
    const request = await review("comment_create_request.json") as Row;
    const traceId = hexId(1, 1, 16);
    const created = await callFake(fake, "POST", COMMENTS, {
      ...request,
      objectId: traceId,
      projectId: "other",
    });
    assert.equal(created.status, 200);
    const id = (created.body as Row).id;
    const read = await callFake(fake, "GET", `${COMMENTS}/${id}`);
    const expected = await review("comment_get.json") as Row;
    assert.deepEqual(Object.keys(read.body as Row), Object.keys(expected));
    assert.equal((read.body as Row).projectId, "cm7qz1x9p0001ad08f1k3n2vb");
    assert.equal((read.body as Row).content, request.content);
    const list = await callFake(fake, "GET", `${COMMENTS}?objectType=TRACE&objectId=${traceId}`);
    assert.equal((list.body as { data: Row[] }).data.length, 1);
    const missing = await callFake(fake, "GET", `${COMMENTS}/nope`);
    assert.deepEqual(missing.body, await review("comment_not_found.json"));
  });
});

test("a comment on an object Langfuse cannot see yet is a 404 until ingestion is visible", async () => {
  await withFakeLangfuseOnClock(T0, { visibleAfterMs: 2000 }, async (fake, clock) => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const early = await callFake(fake, "POST", COMMENTS, comment("TRACE", traceId));
    assert.equal(early.status, 404);
    assert.deepEqual(early.body, await review("comment_object_not_found.json"));
    await sendSpans(fake, conversation({ seed: 1, sessionId: "s-1", turns: 1 }));
    const sent = hexId(1, 1, 16);
    assert.equal((await callFake(fake, "POST", COMMENTS, comment("TRACE", sent))).status, 404);
    await clock.sleep(2000);
    assert.equal((await callFake(fake, "POST", COMMENTS, comment("TRACE", sent))).status, 200);
    assert.equal(fake.comments.length, 1);
  });
});

test("sessions are visible through one of their traces, observations by span id, prompts by id", async () => {
  await withFakeLangfuse({}, async (fake) => {
    const session = await callFake(fake, "POST", COMMENTS, comment("SESSION", "s-1"));
    assert.equal(session.status, 404);
    assert.match(
      (session.body as Row).message as string,
      /^Reference object, SESSION: s-1 not found/,
    );
    await sendSpans(fake, conversation({ seed: 1, sessionId: "s-1", turns: 1 }));
    assert.equal((await callFake(fake, "POST", COMMENTS, comment("SESSION", "s-1"))).status, 200);
    assert.equal((await callFake(fake, "POST", COMMENTS, comment("SESSION", "s-2"))).status, 404);
    const spanId = hexId(1, 2, 8);
    assert.equal(
      (await callFake(fake, "POST", COMMENTS, comment("OBSERVATION", spanId))).status,
      200,
    );
    assert.equal(
      (await callFake(fake, "POST", COMMENTS, comment("OBSERVATION", "ffff"))).status,
      404,
    );
    const prompt = await callFake(fake, "POST", "/api/public/v2/prompts", {
      name: "p",
      prompt: "x",
    });
    assert.equal((await callFake(fake, "POST", COMMENTS, comment("PROMPT", "p"))).status, 404);
    const promptId = (prompt.body as Row).id as string;
    assert.equal((await callFake(fake, "POST", COMMENTS, comment("PROMPT", promptId))).status, 200);
    assert.deepEqual(fake.comments.map((c) => c.objectType), ["SESSION", "OBSERVATION", "PROMPT"]);
  });
});

test("a comment body is strict: trimmed 1-5000 character content and an uppercase object type", async () => {
  await withFakeLangfuse({}, async (fake) => {
    await sendSpans(fake, conversation({ seed: 1, sessionId: "s-1", turns: 1 }));
    const traceId = hexId(1, 1, 16);
    const blank = await callFake(
      fake,
      "POST",
      COMMENTS,
      comment("trace", traceId, { content: "   " }),
    );
    assert.equal(blank.status, 400);
    assert.deepEqual(blank.body, await review("comment_validation_error.json"));
    const long = await callFake(
      fake,
      "POST",
      COMMENTS,
      comment("TRACE", traceId, { content: "x".repeat(5001) }),
    );
    assert.equal(long.status, 400);
    const extra = await callFake(fake, "POST", COMMENTS, comment("TRACE", traceId, { note: "n" }));
    assert.equal(extra.status, 400);
    const padded = await callFake(
      fake,
      "POST",
      COMMENTS,
      comment("TRACE", traceId, { content: "  ok  " }),
    );
    assert.equal(padded.status, 200);
    assert.deepEqual(fake.comments.map((c) => c.content), ["ok"]);
  });
});

test("an author outside the organisation is refused before visibility is checked", async () => {
  await withFakeLangfuse({ members: ["member-1"] }, async (fake) => {
    const stranger = await callFake(
      fake,
      "POST",
      COMMENTS,
      comment("TRACE", "t", { authorUserId: "someone" }),
    );
    assert.equal(stranger.status, 400);
    assert.deepEqual(stranger.body, await review("comment_author_not_member.json"));
    await sendSpans(fake, conversation({ seed: 1, sessionId: "s-1", turns: 1 }));
    const member = await callFake(
      fake,
      "POST",
      COMMENTS,
      comment("TRACE", hexId(1, 1, 16), { authorUserId: "member-1" }),
    );
    assert.equal(member.status, 200);
    const byAuthor = await callFake(fake, "GET", `${COMMENTS}?authorUserId=member-1`);
    assert.equal((byAuthor.body as { data: Row[] }).data.length, 1);
  });
});

test("the comment list has a strict query and needs objectType with objectId", async () => {
  await withFakeLangfuse({}, async (fake) => {
    const noType = await callFake(fake, "GET", `${COMMENTS}?objectId=t`);
    assert.equal(noType.status, 400);
    const issues = (noType.body as { error: Row[] }).error;
    assert.deepEqual(issues.map((i) => [i.path, i.message]), [
      [["objectType"], "objectType is required when objectId is provided"],
    ]);
    assert.equal((await callFake(fake, "GET", `${COMMENTS}?sort=asc`)).status, 400);
    const list = await callFake(fake, "GET", COMMENTS);
    assert.deepEqual((list.body as { meta: Row }).meta, {
      page: 1,
      limit: 50,
      totalItems: 0,
      totalPages: 0,
    });
  });
});

test("comments are listed in the order they were made and count against the public-api budget", async () => {
  const rateLimits = { "public-api": { points: 4, windowMs: 60_000 } };
  await withFakeLangfuseOnClock(T0, { rateLimits }, async (fake, clock) => {
    await sendSpans(fake, conversation({ seed: 1, sessionId: "s-1", turns: 1 }));
    const traceId = hexId(1, 1, 16);
    for (const content of ["first", "second"]) {
      assert.equal(
        (await callFake(fake, "POST", COMMENTS, comment("TRACE", traceId, { content }))).status,
        200,
      );
      await clock.sleep(1000);
    }
    const list = await callFake(fake, "GET", COMMENTS);
    assert.deepEqual((list.body as { data: Row[] }).data.map((c) => c.content), [
      "first",
      "second",
    ]);
    assert.equal((await callFake(fake, "GET", COMMENTS)).status, 429);
  });
});
