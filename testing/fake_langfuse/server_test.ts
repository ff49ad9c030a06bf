import { test } from "node:test";
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { TRACE } from "../../src/emit/attributes.ts";
import { OBSERVATION_FIELD_GROUPS } from "../../src/langfuse/api_types.ts";
import { callFake } from "../langfuse.ts";
import { basicAuth, conversation, hexId, otlpJson, sendSpans } from "../otlp.ts";
import { withFakeLangfuse } from "../servers.ts";

test("the v4 fake serves a session's observations in start order with every field group", async () => {
  await withFakeLangfuse({ mode: "v4" }, async (fake) => {
    await sendSpans(fake, conversation({ seed: 1, sessionId: "s-1", turns: 2 }));
    const fields = OBSERVATION_FIELD_GROUPS.join(",");
    const { status, body } = await callFake(
      fake,
      "GET",
      `/api/public/v2/observations?sessionId=s-1&limit=3&fields=${fields}`,
    );
    assert.equal(status, 200);
    const data = (body as { data: Record<string, unknown>[] }).data;
    assert.deepEqual(data.map((row) => row.type), ["GENERATION", "AGENT", "GENERATION"]);
  });
});

// The shapes of these answers are held to Langfuse's in contract_test.ts.
test("the v3 fake lists a trace's scores by id and answers 404 for an unknown session", async () => {
  await withFakeLangfuse({ mode: "v3" }, async (fake) => {
    await sendSpans(fake, conversation({ seed: 1, sessionId: "s-1", turns: 2 }));
    const traceId = hexId(1, 1, 16);
    await callFake(fake, "POST", "/api/public/scores", {
      id: "score-1",
      traceId,
      name: "resolved",
      value: 1,
      dataType: "BOOLEAN",
    });
    const traces = await callFake(fake, "GET", "/api/public/traces?sessionId=s-1");
    const first = (traces.body as { data: { id: string; scores: string[] }[] }).data
      .find((trace) => trace.id === traceId);
    assert.deepEqual(first?.scores, ["score-1"]);
    assert.equal((await callFake(fake, "GET", "/api/public/sessions/s-1")).status, 200);
    const missing = await callFake(fake, "GET", "/api/public/sessions/nope");
    assert.equal(missing.status, 404);
  });
});

test("the v3 fake's traces are Langfuse's trace record: langfuse.trace.input first, and public", async () => {
  await withFakeLangfuse({ mode: "v3" }, async (fake) => {
    const [root] = conversation({ seed: 2, sessionId: "s-2", turns: 1 });
    await sendSpans(fake, [{
      ...root,
      attributes: {
        ...root.attributes,
        [TRACE.input]: "Where is order 4411?",
        [TRACE.public]: true,
      },
    }]);
    const { body } = await callFake(fake, "GET", "/api/public/traces?sessionId=s-2");
    const [trace] = (body as { data: { input: unknown; public: boolean }[] }).data;
    assert.deepEqual([trace.input, trace.public], ["Where is order 4411?", true]);
  });
});

test("each mode answers 404 on the other generation's read routes", async () => {
  await withFakeLangfuse({ mode: "v4" }, async (fake) => {
    assert.equal((await callFake(fake, "GET", "/api/public/traces")).status, 404);
    assert.equal((await callFake(fake, "GET", "/api/public/sessions/s-1")).status, 404);
    assert.equal((await callFake(fake, "GET", "/api/public/v2/observations")).status, 200);
  });
  await withFakeLangfuse({ mode: "v3" }, async (fake) => {
    assert.equal((await callFake(fake, "GET", "/api/public/v2/observations")).status, 404);
    assert.equal((await callFake(fake, "GET", "/api/public/traces")).status, 200);
  });
});

test("OTLP and reads answer 401 without or with a wrong key and 403 for a bearer token", async () => {
  await withFakeLangfuse({ mode: "v4" }, async (fake) => {
    const spans = conversation({ seed: 1, sessionId: "s-1", turns: 1 });
    assert.equal((await sendSpans(fake, spans, "")).status, 401);
    assert.equal((await sendSpans(fake, spans, basicAuth(fake.keys.publicKey, "x"))).status, 401);
    assert.equal((await sendSpans(fake, spans, `Bearer ${fake.keys.publicKey}`)).status, 403);
    const read = await fetch(`${fake.url}/api/public/v2/observations`);
    assert.equal(read.status, 401);
    await read.body?.cancel();
    assert.equal(fake.spans.length, 0);
  });
});

test("gzipped OTLP is accepted; a malformed span fails the whole request with 400", async () => {
  await withFakeLangfuse({ mode: "v4" }, async (fake) => {
    const headers = {
      authorization: basicAuth(fake.keys.publicKey, fake.keys.secretKey),
      "content-type": "application/json",
    };
    const spans = conversation({ seed: 1, sessionId: "s-1", turns: 1 });
    const gzipped = await fetch(`${fake.url}/api/public/otel/v1/traces`, {
      method: "POST",
      headers: { ...headers, "content-encoding": "gzip" },
      body: new Uint8Array(gzipSync(otlpJson(spans))),
    });
    assert.equal(gzipped.status, 200);
    await gzipped.body?.cancel();
    assert.equal(fake.spans.length, 2);
    const bad = await fetch(`${fake.url}/api/public/otel/v1/traces`, {
      method: "POST",
      headers,
      body: otlpJson([...spans, { ...spans[0], spanId: "not-hex" }]),
    });
    assert.equal(bad.status, 400);
    await bad.body?.cancel();
    assert.equal(fake.spans.length, 2);
  });
});

test("visibleAfterMs hides data until that long after it arrived", async () => {
  let now = 5_000;
  await withFakeLangfuse({ mode: "v3", visibleAfterMs: 2_000, now: () => now }, async (fake) => {
    await sendSpans(fake, conversation({ seed: 1, sessionId: "s-1", turns: 1 }));
    assert.equal((await callFake(fake, "GET", "/api/public/sessions/s-1")).status, 404);
    now += 1_999;
    assert.equal((await callFake(fake, "GET", "/api/public/sessions/s-1")).status, 404);
    now += 1;
    assert.equal((await callFake(fake, "GET", "/api/public/sessions/s-1")).status, 200);
  });
});

test("loseTrace() drops one trace silently and mutate() changes what reads show", async () => {
  await withFakeLangfuse({ mode: "v4" }, async (fake) => {
    const lostId = hexId(1, 2, 16);
    fake.loseTrace(lostId);
    const sent = await sendSpans(fake, conversation({ seed: 1, sessionId: "s-1", turns: 3 }));
    assert.equal(sent.status, 200);
    await sent.body?.cancel();
    fake.mutate((span) => {
      if (span.traceId === hexId(1, 1, 16)) span.attributes[TRACE.tags] = ["changed"];
    });
    const { body } = await callFake(
      fake,
      "GET",
      "/api/public/v2/observations?sessionId=s-1&fields=core,trace_context",
    );
    const rows = (body as { data: { traceId: string; tags: string[] }[] }).data;
    assert.equal(rows.length, 4);
    assert.ok(rows.every((row) => row.traceId !== lostId));
    const tags = Object.fromEntries(rows.map((row) => [row.traceId, row.tags]));
    assert.deepEqual(tags[hexId(1, 1, 16)], ["changed"]);
    assert.deepEqual(tags[hexId(1, 3, 16)], ["replay"]);
  });
});

test("rateLimitEvery answers every 3rd read with 429 and Retry-After", async () => {
  await withFakeLangfuse({ mode: "v3", rateLimitEvery: 3, retryAfterSeconds: 2 }, async (fake) => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const answer = await callFake(fake, "GET", "/api/public/traces");
      statuses.push(answer.status);
      if (answer.status === 429) assert.equal(answer.headers.get("retry-after"), "2");
    }
    assert.deepEqual(statuses, [200, 200, 429, 200, 200, 429]);
  });
});

test("scores need a name and a value; deletes take 1 to 1000 ids and remove the traces", async () => {
  await withFakeLangfuse({ mode: "v3" }, async (fake) => {
    await sendSpans(fake, conversation({ seed: 1, sessionId: "s-1", turns: 2 }));
    assert.equal((await callFake(fake, "POST", "/api/public/scores", { value: 1 })).status, 400);
    assert.equal((await callFake(fake, "POST", "/api/public/scores", { name: "x" })).status, 400);
    const tooMany = Array.from({ length: 1_001 }, (_, n) => hexId(7, n + 1, 16));
    assert.equal(
      (await callFake(fake, "DELETE", "/api/public/traces", { traceIds: tooMany })).status,
      400,
    );
    assert.equal(
      (await callFake(fake, "DELETE", "/api/public/traces", { traceIds: [] })).status,
      400,
    );
    assert.deepEqual(fake.deletedTraceIds, []);
    const gone = hexId(1, 1, 16);
    assert.equal(
      (await callFake(fake, "DELETE", "/api/public/traces", { traceIds: [gone] })).status,
      200,
    );
    assert.deepEqual(fake.deletedTraceIds, [gone]);
    const { body } = await callFake(fake, "GET", "/api/public/traces?sessionId=s-1");
    assert.deepEqual((body as { data: { id: string }[] }).data.map((t) => t.id), [hexId(1, 2, 16)]);
  });
});

test("a cursor that is not one of the server's is a 400, and limit above 1000 too", async () => {
  await withFakeLangfuse({ mode: "v4" }, async (fake) => {
    const bad = await callFake(fake, "GET", "/api/public/v2/observations?cursor=bm9wZQ");
    assert.equal(bad.status, 400);
    const big = await callFake(fake, "GET", "/api/public/v2/observations?limit=1001");
    assert.equal(big.status, 400);
  });
});

test("the fake names the keys' project, strictly and without rate limits", async () => {
  await withFakeLangfuse({ projectName: "acme-prod01", rateLimitEvery: 1 }, async (fake) => {
    const { status, body } = await callFake(fake, "GET", "/api/public/projects");
    assert.equal(status, 200, "the projects route is not rate limited");
    assert.deepEqual((body as { data: { name: string }[] }).data.map((p) => p.name), [
      "acme-prod01",
    ]);
    assert.equal((await callFake(fake, "POST", "/api/public/projects", { name: "x" })).status, 403);
    const anonymous = await fetch(`${fake.url}/api/public/projects`);
    assert.equal(anonymous.status, 401);
    await anonymous.body?.cancel();
    // Langfuse checks the method before the key.
    const put = await fetch(`${fake.url}/api/public/projects`, { method: "PUT" });
    assert.equal(put.status, 405);
    await put.body?.cancel();
  });
  await withFakeLangfuse({}, async (fake) => {
    const { body } = await callFake(fake, "GET", "/api/public/projects");
    assert.equal((body as { data: { name: string }[] }).data[0].name, "staging-demo");
  });
});

test("loseShare loses that share of traces by id: accepted, never readable, listed", async () => {
  await withFakeLangfuse({ mode: "v4", loseShare: 0.5 }, async (fake) => {
    const sent = await sendSpans(fake, conversation({ seed: 3, sessionId: "s-1", turns: 12 }));
    assert.equal(sent.status, 200);
    await sent.body?.cancel();
    const traceIds = [...new Set(fake.spans.map((span) => span.traceId))];
    const lost = fake.lostTraceIds;
    // Some of the 12 traces are lost and some are not (a half share, by id).
    assert.ok(lost.length > 0 && lost.length < traceIds.length, `${lost.length} lost`);
    for (const traceId of traceIds) {
      const { body } = await callFake(
        fake,
        "GET",
        `/api/public/v2/observations?traceId=${traceId}&fields=core`,
      );
      const rows = (body as { data: unknown[] }).data.length;
      assert.equal(rows === 0, lost.includes(traceId), traceId);
    }
  });
});
