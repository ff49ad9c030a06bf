import { test } from "node:test";
import assert from "node:assert/strict";
import { LangfuseApiError } from "./api_error.ts";
import { modelOf } from "./api_types.ts";
import { LangfuseClient, type LangfuseClientOptions } from "./client.ts";
import {
  FAKE_PROJECT_ID,
  type FakeLangfuse,
  startFakeLangfuse,
} from "../../testing/fake_langfuse/server.ts";
import { conversation, hexId, sendSpans } from "../../testing/otlp.ts";
import { withFakeLangfuse } from "../../testing/servers.ts";

/** A client for the fake whose waits are recorded, not slept; the clock stands still. */
function clientFor(
  fake: FakeLangfuse,
  options: Partial<LangfuseClientOptions> = {},
): { client: LangfuseClient; sleeps: number[] } {
  const sleeps: number[] = [];
  const client = new LangfuseClient({
    baseUrl: `${fake.url}/`,
    ...fake.keys,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    now: () => 1_000_000,
    random: () => 0.5,
    ...options,
  });
  return { client, sleeps };
}

function reads(fake: FakeLangfuse, path: string): number {
  return fake.requests.filter((r) => r.method === "GET" && r.path.startsWith(path)).length;
}

for (const mode of ["v4", "v3"] as const) {
  test(`detectGeneration() answers "${mode}" for a ${mode} server`, async () => {
    await withFakeLangfuse({ mode }, async (fake) => {
      assert.equal(await clientFor(fake).client.detectGeneration(), mode);
    });
  });
}

test("observationsBySession() follows cursor pages of 2 and returns only that session", async () => {
  await withFakeLangfuse({ mode: "v4" }, async (fake) => {
    await sendSpans(fake, conversation({ seed: 1, sessionId: "s-1", turns: 3 }));
    await sendSpans(fake, conversation({ seed: 2, sessionId: "s-2", turns: 2 }));
    const { client } = clientFor(fake);
    const rows = await client.observationsBySession("s-1", { limit: 2 });
    assert.equal(rows.length, 6);
    assert.equal(new Set(rows.map((row) => row.id)).size, 6);
    assert.ok(rows.every((row) => row.sessionId === "s-1" && row.tags?.includes("replay")));
    // Newest first, as Langfuse pages them.
    assert.deepEqual(
      rows.map((row) => row.startTime),
      rows.map((row) => row.startTime).sort().reverse(),
    );
    const generation = rows.find((row) => row.type === "GENERATION");
    assert.equal(generation && modelOf(generation), "gpt-4o-mini");
    assert.deepEqual(generation?.usageDetails, { input: 400, output: 40, total: 440 });
    // 6 rows in pages of 2: the last page has no cursor, so exactly 3 requests.
    assert.equal(reads(fake, "/api/public/v2/observations"), 3);
  });
});

test("allTraces() walks page paging with limit 2 and session() lists the traces", async () => {
  await withFakeLangfuse({ mode: "v3" }, async (fake) => {
    await sendSpans(fake, conversation({ seed: 1, sessionId: "s-1", turns: 5 }));
    await sendSpans(fake, conversation({ seed: 2, sessionId: "s-2", turns: 1 }));
    const { client } = clientFor(fake);
    const traces = await client.allTraces({ sessionId: "s-1", limit: 2 });
    assert.deepEqual(
      traces.map((trace) => trace.id).sort(),
      [1, 2, 3, 4, 5].map((n) => hexId(1, n, 16)),
    );
    assert.equal(reads(fake, "/api/public/traces"), 3);
    const page = await client.traces({ sessionId: "s-1", page: 3, limit: 2 });
    assert.deepEqual(page.meta, { page: 3, limit: 2, totalItems: 5, totalPages: 3 });
    assert.equal(page.data.length, 1);
    const session = await client.session("s-1");
    assert.equal(session?.traces.length, 5);
    assert.equal(await client.session("no-such-session"), undefined);
  });
});

test("a 429 is retried after its Retry-After", async () => {
  await withFakeLangfuse({ mode: "v4", rateLimitEvery: 2, retryAfterSeconds: 3 }, async (fake) => {
    await sendSpans(fake, conversation({ seed: 1, sessionId: "s-1", turns: 1 }));
    const { client, sleeps } = clientFor(fake);
    assert.equal(await client.detectGeneration(), "v4");
    const rows = await client.observationsBySession("s-1");
    assert.equal(rows.length, 2);
    assert.deepEqual(sleeps, [3_000]);
    assert.deepEqual(fake.requests.filter((r) => r.method === "GET").map((r) => r.status), [
      200,
      429,
      200,
    ]);
  });
});

test("readsPerSecond spaces GET requests without sleeping for real", async () => {
  await withFakeLangfuse({ mode: "v3" }, async (fake) => {
    const { client, sleeps } = clientFor(fake, { readsPerSecond: 2 });
    await client.traces();
    await client.traces();
    await client.traces();
    assert.deepEqual(sleeps, [500, 1_000]);
  });
});

test("a 401 names the key variables and never the key values", async () => {
  await withFakeLangfuse({ mode: "v4" }, async (fake) => {
    const secretKey = "sk-lf-wrong-4711";
    const { client } = clientFor(fake, { secretKey });
    const error = await client.detectGeneration().then(
      () => assert.fail("expected a LangfuseApiError"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof LangfuseApiError);
    assert.equal(error.name, "LangfuseApiError");
    assert.equal(error.status, 401);
    assert.equal(error.endpoint, "GET /api/public/v2/observations");
    assert.match(error.message, /LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY/);
    assert.ok(!error.message.includes(secretKey));
    assert.ok(!error.message.includes(fake.keys.publicKey));
    assert.ok(!error.message.includes(btoa(`${fake.keys.publicKey}:${secretKey}`)));
    // Credentials do not get better by asking again.
    assert.equal(fake.requests.length, 1);
  });
});

test("deleteTraces() sends 2500 ids as 3 requests of at most 1000", async () => {
  await withFakeLangfuse({ mode: "v4" }, async (fake) => {
    const ids = Array.from({ length: 2_500 }, (_, n) => hexId(9, n + 1, 16));
    const { client } = clientFor(fake);
    assert.deepEqual(await client.deleteTraces(ids), { requests: 3, traceIds: 2_500 });
    const deletes = fake.requests.filter((r) => r.method === "DELETE");
    assert.deepEqual(deletes.map((r) => r.status), [200, 200, 200]);
    assert.deepEqual(fake.deletedTraceIds, ids);
    assert.deepEqual(await client.deleteTraces([]), { requests: 0, traceIds: 0 });
  });
});

test("createScore() with a chosen id replaces instead of duplicating", async () => {
  await withFakeLangfuse({ mode: "v3" }, async (fake) => {
    const { client } = clientFor(fake);
    const body = { id: "score-1", traceId: hexId(1, 1, 16), name: "resolved", value: 0 };
    assert.deepEqual(await client.createScore(body), { id: "score-1" });
    assert.deepEqual(await client.createScore({ ...body, value: 1 }), { id: "score-1" });
    assert.deepEqual(fake.scores, [{ ...body, value: 1 }]);
    const generated = await client.createScore({ sessionId: "s-1", name: "csat", value: 4 });
    assert.notEqual(generated.id, "score-1");
    assert.equal(fake.scores.length, 2);
  });
});

test("an unreachable server fails with status 0 once the retry deadline is spent", async () => {
  const fake = await startFakeLangfuse();
  const url = fake.url;
  await fake.close();
  const client = new LangfuseClient({
    baseUrl: url,
    publicKey: "pk-lf-x",
    secretKey: "sk-lf-x",
    retry: { deadlineMs: 0 },
    sleep: () => Promise.resolve(),
  });
  await assert.rejects(client.traces(), {
    name: "LangfuseApiError",
    status: 0,
    endpoint: "GET /api/public/traces",
  });
});

test("project() names the project the keys belong to, or fails naming the key variables", async () => {
  await withFakeLangfuse({ projectName: "Support Production" }, async (fake) => {
    const { client } = clientFor(fake);
    const project = await client.project();
    assert.equal(project.name, "Support Production");
    assert.equal(project.id, FAKE_PROJECT_ID);
    assert.deepEqual((await client.projects()).map((p) => p.name), ["Support Production"]);
    const { client: refused } = clientFor(fake, { secretKey: "sk-lf-wrong" });
    await assert.rejects(refused.project(), {
      name: "LangfuseApiError",
      status: 401,
      endpoint: "GET /api/public/projects",
      message: /LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY/,
    });
  });
});

test("withReadRate() shares the client's pacing: a budget a 429 closed is waited out before the reading client sends", async () => {
  await withFakeLangfuse({ rateLimitEvery: 2, retryAfterSeconds: 30 }, async (fake) => {
    // The clock stands still, so the public-api budget stays closed until waited out.
    const { client, sleeps } = clientFor(fake, { maxRateLimitWaitMs: 0 });
    assert.equal(await client.detectGeneration(), "v4");
    await assert.rejects(client.observations({ sessionId: "s-1" }), {
      status: 429,
      resource: "public-api",
    });
    assert.deepEqual(sleeps, []);
    const reading = client.withReadRate(1000);
    assert.equal(await reading.detectGeneration(), "v4");
    assert.deepEqual(sleeps, [30_000], "the reading client waited out the closed budget first");
    assert.equal(reads(fake, "/api/public/"), 3);
  });
});

test("a client's signal aborts a read under way at once, unretried, and the ones after it", async () => {
  await withFakeLangfuse({ slowReadsMs: 5_000 }, async (fake) => {
    const reads = new AbortController();
    const { client } = clientFor(fake);
    const probe = client.withReadRate(0, reads.signal);
    const started = Date.now();
    const read = probe.traceVisible(hexId(1, 1, 16), "v4");
    setTimeout(() => reads.abort(new Error("given up")), 100);
    await assert.rejects(read, { message: "given up" });
    assert.ok(Date.now() - started < 2_000, `${Date.now() - started} ms`);
    await assert.rejects(probe.traceVisible(hexId(1, 2, 16), "v4"), { message: "given up" });
    assert.equal(fake.requests.length, 0, "the fake never answered; nothing was retried");
  });
});
