import { test } from "node:test";
import assert from "node:assert/strict";
import type { ManifestScore, ManifestSession } from "../report/run_report.ts";
import { LangfuseClient } from "./client.ts";
import type { FakeLangfuse } from "../../testing/fake_langfuse/server.ts";
import { batches, scoreRequest, scoresOf, sendScores } from "./scores.ts";
import { withFakeLangfuse } from "../../testing/servers.ts";

const TRACE = "0af7651916cd43dd8448eb211c80319c";

const SCORES: ManifestScore[] = [
  { id: `${TRACE}-feedback`, name: "user_feedback", dataType: "BOOLEAN", value: 1, traceId: TRACE },
  { id: `${TRACE}-quality`, name: "quality", dataType: "NUMERIC", value: 0.8, traceId: TRACE },
  {
    id: "conv-1-resolution",
    name: "resolution",
    dataType: "CATEGORICAL",
    value: "escalated",
    comment: "Customer asked for a human",
    sessionId: "conv-1",
  },
];

const withFake = (fn: (fake: FakeLangfuse) => Promise<void>) =>
  withFakeLangfuse({ mode: "v4" }, fn);

function client(fake: FakeLangfuse, secretKey = fake.keys.secretKey): LangfuseClient {
  return new LangfuseClient({
    baseUrl: fake.url,
    publicKey: fake.keys.publicKey,
    secretKey,
    sleep: () => Promise.resolve(),
  });
}

test("scoreRequest() sends the manifest id and exactly one of traceId and sessionId", () => {
  assert.deepEqual(scoreRequest(SCORES[0]), {
    id: `${TRACE}-feedback`,
    traceId: TRACE,
    name: "user_feedback",
    value: 1,
    dataType: "BOOLEAN",
  });
  assert.deepEqual(scoreRequest({ ...SCORES[2], environment: "staging" }), {
    id: "conv-1-resolution",
    sessionId: "conv-1",
    name: "resolution",
    value: "escalated",
    dataType: "CATEGORICAL",
    comment: "Customer asked for a human",
    environment: "staging",
  });
});

test("scoresOf() files scores under their session's environment when Langfuse accepts it", () => {
  const session = (environment?: string) =>
    ({ environment, scores: [SCORES[2]] }) as unknown as ManifestSession;
  const cases: [string | undefined, string | undefined][] = [
    ["development", "development"],
    ["staging_eu-2", "staging_eu-2"],
    ["Production", undefined],
    ["langfuse-internal", undefined],
    ["x".repeat(41), undefined],
    [undefined, undefined],
  ];
  for (const [environment, filed] of cases) {
    assert.equal(scoresOf([session(environment)])[0].environment, filed, environment);
  }
  assert.deepEqual(scoresOf([{ scores: undefined } as unknown as ManifestSession]), []);
});

test("sendScores() posts every score once; sending again replaces, never duplicates", async () => {
  await withFake(async (fake) => {
    const first = await sendScores(client(fake), SCORES);
    const second = await sendScores(client(fake), SCORES);
    assert.deepEqual(first, { sent: 3, failed: [] });
    assert.deepEqual(second, { sent: 3, failed: [] });
    assert.deepEqual(fake.scores.map((s) => s.id), SCORES.map((s) => s.id));
    assert.deepEqual(fake.scores[2], scoreRequest(SCORES[2]));
  });
});

test("sendScores() returns a refused score and sends the rest", async () => {
  await withFake(async (fake) => {
    const bad = { ...SCORES[1], name: "" };
    const result = await sendScores(client(fake), [SCORES[0], bad, SCORES[2]]);
    assert.equal(result.sent, 2);
    assert.deepEqual(result.failed.map((f) => f.id), [bad.id]);
    assert.match(result.failed[0].reason, /Langfuse refused the score \(400\).*name is required/);
  });
});

test("sendScores() stops at refused keys and names the variables, never the key", async () => {
  await withFake(async (fake) => {
    const result = await sendScores(client(fake, "sk-lf-wrong-secret"), SCORES);
    assert.equal(result.sent, 0);
    assert.equal(result.failed.length, 3);
    assert.equal(
      fake.requests.filter((r) => r.method === "POST").length,
      1,
      "one refusal is enough",
    );
    for (const { reason } of result.failed) {
      assert.match(reason, /HTTP 401.*LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY/);
      assert.ok(!reason.includes("sk-lf-wrong-secret"));
    }
  });
});

function manyScores(n: number): ManifestScore[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `load-${i}-quality`,
    name: "quality",
    dataType: "NUMERIC" as const,
    value: i / n,
    sessionId: `load-${i}`,
  }));
}

test("sendScores() sends 2,500 scores in 3 ingestion requests, each landing once with its id", async () => {
  await withFake(async (fake) => {
    const scores = manyScores(2500);
    const first = await sendScores(client(fake), scores);
    assert.deepEqual(first, { sent: 2500, failed: [] });
    const posts = fake.requests.filter((r) => r.method === "POST");
    assert.deepEqual(posts.map((r) => [r.path, r.status]), [
      ["/api/public/ingestion", 207],
      ["/api/public/ingestion", 207],
      ["/api/public/ingestion", 207],
    ]);
    await sendScores(client(fake), scores);
    assert.equal(fake.scores.length, 2500, "a re-run replaces, never duplicates");
    assert.deepEqual(fake.scores.map((s) => s.id), scores.map((s) => s.id));
  });
});

test("sendScores() counts the events Langfuse refuses in its 207 as failed, with its reason", async () => {
  await withFake(async (fake) => {
    const orphan = { ...SCORES[0], traceId: undefined, sessionId: undefined } as ManifestScore;
    const result = await sendScores(client(fake), [orphan, SCORES[1], SCORES[2]]);
    assert.equal(result.sent, 2);
    assert.deepEqual(result.failed.map((f) => f.id), [orphan.id]);
    assert.match(result.failed[0].reason, /\(400\): Invalid request data: .*traceId, sessionId/);
    assert.equal(fake.requests.filter((r) => r.method === "POST").length, 1);
  });
});

test("batches() keeps every request under the byte limit as well as the event limit", () => {
  const events = manyScores(10).map((score) => ({
    id: score.id,
    timestamp: "2026-01-01T00:00:00.000Z",
    type: "score-create" as const,
    body: scoreRequest({ ...score, comment: "x".repeat(1000) }),
  }));
  const size = Math.max(...events.map((e) => JSON.stringify(e).length + 1));
  const maxBytes = JSON.stringify({ batch: [] }).length + 3 * size;
  const bySize = batches(events, { maxBytes });
  assert.deepEqual(bySize.map((b) => b.length), [3, 3, 3, 1]);
  for (const batch of bySize) assert.ok(JSON.stringify({ batch }).length <= maxBytes);
  assert.deepEqual(batches(events, { maxEvents: 4 }).map((b) => b.length), [4, 4, 2]);
});
