import { test } from "node:test";
import assert from "node:assert/strict";
import { OBSERVATION, TRACE_METADATA_PREFIX } from "../emit/attributes.ts";
import type { ManifestScore, ManifestSession } from "../report/run_report.ts";
import type { FakeClock } from "../../testing/clock.ts";
import { callFake } from "../../testing/langfuse.ts";
import { basicAuth, conversation, sendSpans, type TestSpan } from "../../testing/otlp.ts";
import { withFakeLangfuseOnClock } from "../../testing/servers.ts";
import { LangfuseClient } from "./client.ts";
import type { FakeLangfuse, FakeLangfuseOptions } from "../../testing/fake_langfuse/server.ts";
import { verifyRun, type VerifyRunOptions } from "./verify_run.ts";

const RUN = "run_0a1b2c3d4e5f";

/** Epoch ms the fake clock starts at. */
const START = 1_800_000_000_000;

/** A fake Langfuse on a {@link FakeClock} from START. */
const withFake = (
  options: FakeLangfuseOptions,
  fn: (fake: FakeLangfuse, clock: FakeClock) => Promise<void>,
) => withFakeLangfuseOnClock(START, options, fn);

function clientFor(fake: FakeLangfuse, clock: FakeClock, readsPerSecond = 0) {
  return new LangfuseClient({
    baseUrl: fake.url,
    ...fake.keys,
    readsPerSecond,
    now: clock.now,
    sleep: clock.sleep,
    random: () => 0.5,
  });
}

/** A conversation whose every span carries this run's id. */
function runConversation(seed: number, sessionId: string, turns = 2): TestSpan[] {
  return conversation({ seed, sessionId, turns }).map((span) => ({
    ...span,
    attributes: { ...span.attributes, [`${TRACE_METADATA_PREFIX}run_id`]: RUN },
  }));
}

/** The manifest session of spans made by {@link runConversation}. */
function manifestOf(spans: TestSpan[], scores: ManifestScore[] = []): ManifestSession {
  const traceIds = [...new Set(spans.map((s) => s.traceId))];
  const first = spans[0].attributes;
  return {
    script: "order-status",
    file: "conversations/order-status.yaml",
    sessionId: String(first["langfuse.session.id"]),
    userId: "user-1",
    traceName: "support-turn",
    version: "2025.03.1",
    release: "r42",
    environment: "staging",
    tags: ["replay"],
    metadata: { workflow: "order-status", run_id: RUN },
    scores,
    traces: traceIds.map((traceId, index) => {
      const own = spans.filter((s) => s.traceId === traceId);
      const types: Record<string, number> = {};
      const usage = { input: 0, output: 0, total: 0 };
      const models = new Set<string>();
      for (const span of own) {
        const type = String(span.attributes[OBSERVATION.type]);
        types[type] = (types[type] ?? 0) + 1;
        if (span.attributes[OBSERVATION.model]) {
          models.add(String(span.attributes[OBSERVATION.model]));
        }
        const u = span.attributes[OBSERVATION.usage];
        if (typeof u === "string") {
          const parsed = JSON.parse(u);
          usage.input += parsed.input;
          usage.output += parsed.output;
          usage.total += parsed.total;
        }
      }
      return {
        traceId,
        turn: index + 1,
        kind: index === 0 ? "status" : "delay",
        outcome: "answered",
        name: "support-turn",
        startTime: new Date(Math.min(...own.map((s) => s.startMs))).toISOString(),
        endTime: new Date(Math.max(...own.map((s) => s.endMs))).toISOString(),
        spans: own.length,
        metadata: { workflow: "order-status", run_id: RUN },
        observations: { types, models: [...models].sort(), usage, costUsd: 0 },
      };
    }),
  };
}

function postScore(fake: FakeLangfuse, score: ManifestScore): Promise<Response> {
  return fetch(`${fake.url}/api/public/scores`, {
    method: "POST",
    headers: {
      authorization: basicAuth(fake.keys.publicKey, fake.keys.secretKey),
      "content-type": "application/json",
    },
    body: JSON.stringify(score),
  }).then(async (res) => {
    await res.body?.cancel();
    return res;
  });
}

async function send(fake: FakeLangfuse, spans: TestSpan[]): Promise<void> {
  const res = await sendSpans(fake, spans);
  assert.equal(res.status, 200);
  await res.body?.cancel();
}

function reads(fake: FakeLangfuse, path: string): number {
  return fake.requests.filter((r) => r.method === "GET" && r.path.startsWith(`${path}?`)).length;
}

function scoresFor(session: ManifestSession): ManifestScore[] {
  return [
    {
      id: `${session.traces[0].traceId}-feedback`,
      name: "user_feedback",
      dataType: "BOOLEAN",
      value: 1,
      traceId: session.traces[0].traceId,
    },
    {
      id: `${session.sessionId}-resolution`,
      name: "resolution",
      dataType: "CATEGORICAL",
      value: "escalated",
      comment: "Customer asked for a human",
      sessionId: session.sessionId,
    },
  ];
}

test("verifyRun() matches a v4 run at once, one read per session and scores, spaced 2 a second", async () => {
  await withFake({ mode: "v4" }, async (fake, clock) => {
    const a = runConversation(1, "s-1");
    const b = runConversation(2, "s-2", 3);
    await send(fake, [...a, ...b]);
    const sessions = [manifestOf(a), manifestOf(b)];
    sessions[0].scores = scoresFor(sessions[0]);
    for (const score of sessions[0].scores) await postScore(fake, score);
    const progress: number[] = [];
    const outcome = await verifyRun(clientFor(fake, clock, 2), sessions, {
      now: clock.now,
      sleep: clock.sleep,
      progress: (p) => progress.push(p.attempt),
    });
    assert.equal(outcome.result.ok, true, JSON.stringify(outcome.result, null, 1));
    assert.equal(outcome.generation, "v4");
    assert.equal(outcome.attempts, 1);
    assert.deepEqual(progress, [1]);
    assert.equal(outcome.result.summary.matched, 5);
    assert.equal(outcome.result.summary.scoresMatched, 2);
    assert.equal(reads(fake, "/api/public/v2/observations"), 3, "the probe and one per session");
    assert.equal(reads(fake, "/api/public/v3/scores"), 2, "trace scores, then session scores");
    // Detect, two sessions, two score reads: five reads, 500 ms apart.
    assert.deepEqual(clock.sleeps, [500, 500, 500, 500]);
  });
});

for (const mode of ["v4", "v3"] as const) {
  test(`verifyRun() on ${mode} polls with doubling pauses until late data shows, paging by 2`, async () => {
    await withFake({ mode, visibleAfterMs: 5_000 }, async (fake, clock) => {
      const spans = runConversation(3, "s-late", 3);
      await send(fake, spans);
      const session = manifestOf(spans);
      session.scores = scoresFor(session);
      for (const score of session.scores) await postScore(fake, score);
      const waits: (number | undefined)[] = [];
      const outcome = await verifyRun(clientFor(fake, clock), [session], {
        now: clock.now,
        sleep: clock.sleep,
        pageSize: 2,
        progress: (p) => waits.push(p.nextDelayMs),
      });
      assert.equal(outcome.result.ok, true, JSON.stringify(outcome.result.traces));
      assert.equal(outcome.generation, mode);
      // Reads at 0, 1 s, 3 s, then 7 s: visible from 5 s.
      assert.equal(outcome.attempts, 4);
      assert.deepEqual(waits, [1_000, 2_000, 4_000, undefined]);
      assert.equal(outcome.elapsedMs, 7_000);
      assert.equal(outcome.timedOut, false);
      const traceRead = mode === "v4" ? "/api/public/v2/observations" : "/api/public/traces";
      // 6 rows (v4) or 3 traces (v3) in pages of 2 on the last read.
      const requests = fake.requests.filter((r) => r.path.startsWith(`${traceRead}?`));
      assert.ok(
        requests.some((r) => /[?&]limit=2(&|$)/.test(r.path)),
        "small pages were asked for",
      );
      if (mode === "v3") {
        assert.ok(reads(fake, "/api/public/observations") >= 4, "v1 observations read per poll");
        assert.ok(reads(fake, "/api/public/v2/scores") >= 4);
      }
    });
  });
}

test("verifyRun() gives up after timeoutMs and reports the lost trace as missing", async () => {
  await withFake({ mode: "v4" }, async (fake, clock) => {
    const spans = runConversation(4, "s-lost", 3);
    fake.loseTrace(spans[2].traceId);
    await send(fake, spans);
    const outcome = await verifyRun(clientFor(fake, clock), [manifestOf(spans)], {
      now: clock.now,
      sleep: clock.sleep,
      timeoutMs: 10_000,
    });
    assert.equal(outcome.timedOut, true);
    assert.equal(outcome.result.ok, false);
    assert.deepEqual(clock.sleeps, [1_000, 2_000, 4_000], "the next pause would pass 10 s");
    assert.deepEqual(
      outcome.result.traces.map((t) => [t.turn, t.status]),
      [[1, "matched"], [2, "missing"], [3, "matched"]],
    );
  });
});

test("verifyRun() rereads only the sessions and scores that did not match yet", async () => {
  await withFake({ mode: "v4" }, async (fake, clock) => {
    const a = runConversation(5, "s-a");
    const b = runConversation(6, "s-b");
    await send(fake, a);
    const sessions = [manifestOf(a), manifestOf(b)];
    sessions[0].scores = scoresFor(sessions[0]);
    let slept = 0;
    const outcome = await verifyRun(clientFor(fake, clock), sessions, {
      now: clock.now,
      sleep: async (ms) => {
        // Session b and the scores arrive while verify waits.
        if (slept++ === 0) {
          await send(fake, b);
          for (const score of sessions[0].scores) await postScore(fake, score);
        }
        await clock.sleep(ms);
      },
    });
    assert.equal(outcome.result.ok, true);
    assert.equal(outcome.attempts, 2);
    const sessionReads = (id: string) =>
      fake.requests.filter((r) =>
        r.path.startsWith("/api/public/v2/observations?") && r.path.includes(`sessionId=${id}&`)
      ).length;
    assert.equal(sessionReads("s-a"), 1, "matched on the first read");
    assert.equal(sessionReads("s-b"), 2);
  });
});

test("verifyRun() reads on through 429s", async () => {
  await withFake({ mode: "v3", rateLimitEvery: 2, retryAfterSeconds: 1 }, async (fake, clock) => {
    const spans = runConversation(7, "s-429", 2);
    await send(fake, spans);
    const outcome = await verifyRun(clientFor(fake, clock), [manifestOf(spans)], {
      now: clock.now,
      sleep: clock.sleep,
    });
    assert.equal(outcome.result.ok, true);
    assert.ok(fake.requests.some((r) => r.status === 429));
    assert.ok(clock.sleeps.includes(1_000), "waited out Retry-After");
  });
});

test("verifyRun() on v3 without observations compares only their count", async () => {
  await withFake({ mode: "v3" }, async (fake, clock) => {
    const spans = runConversation(8, "s-count", 2);
    await send(fake, spans);
    const options: VerifyRunOptions = { now: clock.now, sleep: clock.sleep, observations: false };
    const session = manifestOf(spans);
    const outcome = await verifyRun(clientFor(fake, clock), [session], options);
    assert.equal(outcome.result.ok, true);
    assert.equal(reads(fake, "/api/public/observations"), 0);
    session.traces[0].observations.types.tool = 1;
    const off = await verifyRun(clientFor(fake, clock), [session], { ...options, timeoutMs: 0 });
    assert.deepEqual(off.result.traces[0].diffs, [{
      field: "observations",
      sent: "3",
      found: "2",
    }]);
  });
});

// ---- The fake's read endpoints verify uses (their shapes: fake_langfuse/contract_test.ts) ----

test("the fake's v2 scores read back by id and v3 scores page by cursor with the groups asked for", async () => {
  const spans = runConversation(9, "s-shape", 2);
  const session = manifestOf(spans);
  const [trace, sess] = scoresFor(session);
  const categorical = { ...trace, id: "cat", name: "resolution", dataType: "CATEGORICAL" as const };
  await withFake({ mode: "v3" }, async (fake) => {
    await send(fake, spans);
    for (const score of [trace, { ...categorical, value: "escalated", comment: "c" }]) {
      await postScore(fake, score);
    }
    const obs = await callFake(fake, "GET", `/api/public/observations?traceId=${spans[0].traceId}`);
    assert.equal(obs.status, 200);
    const v2 = await callFake(fake, "GET", `/api/public/v2/scores?scoreIds=${trace.id},cat`);
    const rows = (v2.body as { data: { id: string; stringValue: string }[] }).data;
    assert.deepEqual(rows.map((r) => [r.id, r.stringValue]).sort(), [
      [trace.id, "True"],
      ["cat", "escalated"],
    ]);
    assert.equal((await callFake(fake, "GET", "/api/public/v3/scores")).status, 404);
  });
  await withFake({ mode: "v4" }, async (fake) => {
    for (const score of [{ ...categorical, value: "escalated" }, sess]) {
      await postScore(fake, score);
    }
    const page = await callFake(
      fake,
      "GET",
      `/api/public/v3/scores?fields=details,subject&limit=1`,
    );
    const cursor = (page.body as { meta: { cursor: string } }).meta.cursor;
    const next = await callFake(
      fake,
      "GET",
      `/api/public/v3/scores?fields=subject&limit=1&cursor=${cursor}`,
    );
    const body = next.body as { data: Record<string, unknown>[]; meta: Record<string, unknown> };
    assert.deepEqual(body.meta, { limit: 1 });
    assert.equal(body.data.length, 1);
    assert.equal("comment" in body.data[0], false, "comment only with the details group");
    const both = await callFake(fake, "GET", `/api/public/v3/scores?traceId=x&sessionId=y`);
    assert.equal(both.status, 400);
    for (const path of ["/api/public/observations", "/api/public/v2/scores"]) {
      assert.equal(
        (await callFake(fake, "GET", path)).status,
        404,
        `${path} on an events-only server`,
      );
    }
  });
});
