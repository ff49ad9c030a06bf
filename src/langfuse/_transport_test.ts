import { test } from "node:test";
import assert from "node:assert/strict";
import { RateLimitedError } from "./api_error.ts";
import { LangfuseClient } from "./client.ts";
import type { FakeLangfuse, FakeLangfuseOptions } from "../../testing/fake_langfuse/server.ts";
import { scoresOf, sendScores } from "./scores.ts";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { FakeClock } from "../../testing/clock.ts";
import { withFakeLangfuseOnClock, withFloodingServer } from "../../testing/servers.ts";
import type { ManifestSession } from "../report/run_report.ts";

/** Not on a whole second, as Langfuse's Reset (Date#toString) is. */
const START = Date.UTC(2026, 11, 3, 7, 0, 0) + 123;

function withLimitedFake(
  options: FakeLangfuseOptions,
  fn: (fake: FakeLangfuse, client: LangfuseClient, clock: FakeClock) => Promise<void>,
): Promise<void> {
  return withFakeLangfuseOnClock(START, { mode: "v4", ...options }, (fake, clock) =>
    fn(
      fake,
      new LangfuseClient({
        baseUrl: fake.url,
        publicKey: fake.keys.publicKey,
        secretKey: fake.keys.secretKey,
        now: clock.now,
        // Concurrent waits overlap: each ends `ms` after it began, they do not add up.
        sleep: (ms) => clock.sleepUntil(clock.now() + ms),
      }),
      clock,
    ));
}

const refusals = (fake: FakeLangfuse) => fake.requests.filter((r) => r.status === 429).length;

const score = (i: number) => ({
  id: `s-${i}`,
  sessionId: `conv-${i}`,
  name: "quality",
  value: i,
  dataType: "NUMERIC" as const,
});

test("a spent per-minute budget is waited out: 20 scores on 5 a minute all land, one 429 a window", async () => {
  const limits = { "public-api": { points: 5, windowMs: 60_000 } };
  await withLimitedFake({ rateLimits: limits }, async (fake, client, clock) => {
    for (let i = 0; i < 20; i++) await client.createScore(score(i));
    assert.equal(fake.scores.length, 20);
    // Langfuse passes points - 1 a window and says nothing before its 429: one per window.
    assert.equal(refusals(fake), 4);
    const elapsed = clock.now() - START;
    assert.ok(elapsed >= 4 * 60_000 && elapsed < 5 * 60_000, `${elapsed} ms`);
  });
});

test("when answers announce Remaining 0 the client waits for Reset and gets no 429 at all", async () => {
  const limits = { "public-api": { points: 5, windowMs: 60_000 } };
  await withLimitedFake({ rateLimits: limits, announceRateLimits: true }, async (fake, client) => {
    for (let i = 0; i < 20; i++) await client.createScore(score(i));
    assert.equal(fake.scores.length, 20);
    assert.equal(refusals(fake), 0);
  });
});

test("3,000 scores go through ingestion in 3 requests on a budget of 3 a minute", async () => {
  const limits = { ingestion: { points: 3, windowMs: 60_000 } };
  await withLimitedFake({ rateLimits: limits }, async (fake, client, clock) => {
    const sessions = Array.from({ length: 3000 }, (_, i) => ({
      scores: [score(i)],
    })) as unknown as ManifestSession[];
    const result = await sendScores(client, scoresOf(sessions), { now: clock.now });
    assert.deepEqual(result, { sent: 3000, failed: [] });
    const ingestion = fake.requests.filter((r) => r.path === "/api/public/ingestion");
    assert.deepEqual(ingestion.map((r) => r.status), [207, 207, 429, 207]);
    assert.equal(new Set(fake.scores.map((s) => s.id)).size, 3000);
  });
});

test("a budget spent for longer than the client waits fails, saying when it opens again", async () => {
  const limits = { "trace-delete": { points: 2, windowMs: 86_400_000 } };
  await withLimitedFake({ rateLimits: limits }, async (fake, client) => {
    await client.deleteTraces(["a".repeat(32)]);
    const error = await client.deleteTraces(["b".repeat(32)]).then(() => undefined, (e) => e);
    assert.ok(error instanceof RateLimitedError);
    assert.equal(error.resource, "trace-delete");
    assert.equal(error.untilMs, START + 86_400_000);
    assert.match(error.message, /trace-delete budget is spent until 2026-12-04T07:00:00\.123Z/);
    assert.deepEqual(fake.deletedTraceIds, ["a".repeat(32)]);
  });
});

test("a Langfuse that refuses every connection fails a request after 5 s of refusals, not at the 60 s deadline", async () => {
  // A port nothing listens on: every attempt is refused.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const clock = new FakeClock(START);
  let attempts = 0;
  const client = new LangfuseClient({
    baseUrl: `http://127.0.0.1:${port}`,
    publicKey: "pk-lf-test",
    secretKey: "sk-lf-test",
    now: clock.now,
    sleep: (ms) => {
      attempts++;
      return clock.sleepUntil(clock.now() + ms);
    },
  });
  await assert.rejects(client.projects(), (error: Error) => {
    assert.match(error.message, /connection refused on every attempt for 5s/);
    assert.match(error.message, /check LANGFUSE_BASE_URL/);
    return true;
  });
  const waited = clock.now() - START;
  assert.ok(waited >= 5_000 && waited <= 6_000, `gave up after ${waited} ms of refusals`);
  assert.ok(attempts >= 5, `probed at least every second (${attempts} waits)`);
});

test("a Langfuse answering more than 256 MiB, sized or endless, fails the request with a LangfuseApiError, not out of memory", async () => {
  for (const bytes of [300 * 1024 * 1024, undefined]) {
    await withFloodingServer({ bytes }, async (server) => {
      const client = new LangfuseClient({
        baseUrl: server.url,
        publicKey: "pk-lf-test",
        secretKey: "sk-lf-test",
      });
      await assert.rejects(client.traces(), {
        name: "LangfuseApiError",
        status: 200,
        message: "Langfuse answered GET /api/public/traces with more than 256 MiB, more than " +
          "any page it sends: check LANGFUSE_BASE_URL",
      });
      assert.equal(server.requests(), 1, "not retried");
      await server.waitForHangUps(1);
    });
  }
});
