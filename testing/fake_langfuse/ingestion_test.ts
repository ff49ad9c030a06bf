import { test } from "node:test";
import assert from "node:assert/strict";
import { callFake } from "../langfuse.ts";
import { withFakeLangfuse } from "../servers.ts";

const AT = "2026-01-01T00:00:00.000Z";

test("the fake's ingestion answers 207 per event, storing only valid scores", async () => {
  await withFakeLangfuse({ mode: "v4" }, async (fake) => {
    const batch = [
      {
        id: "s-ok",
        timestamp: AT,
        type: "score-create",
        body: { id: "s-ok", sessionId: "c-1", name: "q", value: 1 },
      },
      {
        id: "s-orphan",
        timestamp: AT,
        type: "score-create",
        body: { id: "s-orphan", name: "q", value: 1 },
      },
      { id: "t-1", timestamp: AT, type: "trace-create", body: { id: "t-1" } },
    ];
    const { status, body } = await callFake(fake, "POST", "/api/public/ingestion", { batch });
    assert.equal(status, 207);
    const answer = body as {
      successes: { id: string }[];
      errors: { id: string; message: string }[];
    };
    assert.deepEqual(answer.successes.map((s) => s.id), ["s-ok"]);
    assert.deepEqual(answer.errors.map((e) => [e.id, e.message]), [
      ["s-orphan", "Invalid request data"],
      ["t-1", "Event type not accepted"],
    ]);
    assert.deepEqual(fake.scores.map((s) => s.id), ["s-ok"]);
  });
});

test("the fake's ingestion refuses a body without a batch (400) and one over 4.5 MiB (413)", async () => {
  await withFakeLangfuse({ mode: "v4" }, async (fake) => {
    assert.equal(
      (await callFake(fake, "POST", "/api/public/ingestion", { events: [] })).status,
      400,
    );
    const big = {
      batch: [{ id: "x", timestamp: AT, type: "sdk-log", body: { log: "x".repeat(5_000_000) } }],
    };
    assert.equal((await callFake(fake, "POST", "/api/public/ingestion", big)).status, 413);
    assert.deepEqual(fake.scores, []);
  });
});
