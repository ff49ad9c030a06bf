import { test } from "node:test";
import assert from "node:assert/strict";
import { callFake } from "../langfuse.ts";
import { withFakeLangfuseOnClock } from "../servers.ts";
import { HOBBY_LIMITS } from "./server.ts";

const START = Date.UTC(2026, 11, 3, 7, 0, 0);

test("the fake passes 29 of Hobby's 30 public-API requests a minute, then answers Langfuse's 429", async () => {
  await withFakeLangfuseOnClock(START, { rateLimits: HOBBY_LIMITS }, async (fake, clock) => {
    for (let i = 0; i < 29; i++) {
      const { status, headers } = await callFake(fake, "GET", "/api/public/v3/scores");
      assert.equal(status, 200);
      assert.equal(headers.get("x-ratelimit-remaining"), null, "accepted answers carry none");
    }
    await clock.sleep(15_250);
    const refused = await callFake(fake, "GET", "/api/public/v3/scores");
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get("retry-after"), "45");
    assert.equal(refused.headers.get("x-ratelimit-limit"), "30");
    assert.equal(refused.headers.get("x-ratelimit-remaining"), "0");
    assert.equal(refused.headers.get("x-ratelimit-reset"), new Date(START + 60_000).toString());
    // Other budgets are apart: ingestion still takes requests.
    const batch = { batch: [] };
    assert.equal((await callFake(fake, "POST", "/api/public/ingestion", batch)).status, 207);
    await clock.sleep(44_750);
    assert.equal((await callFake(fake, "GET", "/api/public/v3/scores")).status, 200);
  });
});

test("the fake's trace-delete budget is a day: 49 deletes pass, the 50th is refused for 24 h", async () => {
  await withFakeLangfuseOnClock(START, { rateLimits: HOBBY_LIMITS }, async (fake) => {
    const del = (i: number) =>
      callFake(fake, "DELETE", "/api/public/traces", {
        traceIds: [i.toString(16).padStart(32, "0")],
      });
    for (let i = 1; i < 50; i++) assert.equal((await del(i)).status, 200);
    const refused = await del(50);
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get("retry-after"), "86400");
    assert.equal(fake.deletedTraceIds.length, 49);
  });
});
