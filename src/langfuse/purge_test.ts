import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ManifestSession } from "../report/run_report.ts";
import { conversation, hexId, sendSpans } from "../../testing/otlp.ts";
import { LangfuseClient } from "./client.ts";
import { startFakeLangfuse } from "../../testing/fake_langfuse/server.ts";
import { exampleLoadReport, exampleManifest, exampleSession } from "../../testing/run_record.ts";
import { leftOver, purgePlan, type PurgeResult, purgeRun } from "./purge.ts";
import { RunRecordError } from "../run_record/read.ts";
import { openRunFile, runSessions } from "../run_record/run_file.ts";

const tmp = () => mkdtemp(join(tmpdir(), "purge-"));

const session = exampleSession;

function manifest(sessions: ManifestSession[], runId = "run_aaaaaaaaaaaa") {
  return exampleManifest(sessions, {
    runId,
    target: {
      kind: "langfuse",
      describe: "Langfuse at http://x",
      url: "http://x/api",
      protocol: "http/protobuf",
    },
  });
}

test("openRunFile() reads a replay manifest and its sessions", async () => {
  const dir = await tmp();
  const file = join(dir, "run.json");
  const sessions = [session("s-1", ["t1", "t2"])];
  await writeFile(file, JSON.stringify(manifest(sessions)));
  const run = await openRunFile(file);
  assert.equal(run.kind, "replay");
  assert.equal(run.runId, "run_aaaaaaaaaaaa");
  const read: ManifestSession[] = [];
  for await (const s of runSessions(run)) read.push(s);
  assert.deepEqual(read, sessions);
});

test("openRunFile() streams a load report's sessions file, also when moved beside the report", async () => {
  const dir = await tmp();
  const lines = [session("s-1", ["t1"]), session("s-2", ["t2", "t3"])].map((s) =>
    JSON.stringify(s)
  );
  await writeFile(join(dir, "run_b.sessions.jsonl"), lines.join("\n") + "\n\n");
  const report = exampleLoadReport({
    runId: "run_b",
    // Written relative to where load ran, which is not where this test runs.
    sessionsFile: "elsewhere/out/run_b.sessions.jsonl",
  });
  await writeFile(join(dir, "run_b.load.json"), JSON.stringify(report));
  const run = await openRunFile(join(dir, "run_b.load.json"));
  assert.equal(run.kind, "load");
  assert.deepEqual(run.sessionsFiles, [join(dir, "run_b.sessions.jsonl")]);
  const plan = await purgePlan(run);
  assert.deepEqual(plan.traceIds, ["t1", "t2", "t3"]);
  assert.deepEqual(plan.sessionIds, ["s-1", "s-2"]);
});

test("openRunFile() reads every shard's sessions file of a merged report, and an older merge's space-joined paths", async () => {
  const dir = await tmp();
  const shards = [["t1", "t2"], ["t3"], ["t4", "t5"]];
  for (const [i, ids] of shards.entries()) {
    await writeFile(
      join(dir, `run_m.shard${i + 1}of3.sessions.jsonl`),
      ids.map((id) => JSON.stringify(session(`s-${id}`, [id]))).join("\n") + "\n",
    );
  }
  const files = shards.map((_, i) => `out/run_m.shard${i + 1}of3.sessions.jsonl`);
  const { sessionsFile: _file, ...merged } = exampleLoadReport({
    runId: "run_m",
    shards: { n: 3, merged: [1, 2, 3], missing: [] },
  });
  const records = {
    "merged.json": { ...merged, recordVersion: 2, sessionsFiles: files },
    "older.merged.json": { ...merged, sessionsFile: files.join(" ") },
  };
  for (const [name, record] of Object.entries(records)) {
    await writeFile(join(dir, name), JSON.stringify(record));
    const run = await openRunFile(join(dir, name));
    assert.equal(run.sessionsFiles?.length, 3, name);
    assert.deepEqual((await purgePlan(run)).traceIds, ["t1", "t2", "t3", "t4", "t5"], name);
  }
});

test("openRunFile() and runSessions() name the file and line of what they cannot read", async () => {
  const dir = await tmp();
  const write = async (name: string, text: string) => {
    await writeFile(join(dir, name), text);
    return join(dir, name);
  };
  const cases: [string, RegExp][] = [
    [join(dir, "nope.json"), /nope\.json: cannot be read: no such file/],
    [await write("text.json", "hello"), /text\.json: is not JSON/],
    [await write("other.json", '{"tool":"k6"}'), /other\.json: is not a session-replay manifest/],
    [
      await write("nosessions.json", JSON.stringify(exampleManifest([], { sessions: undefined }))),
      /nosessions\.json: sessions is missing$/,
    ],
    [
      await write(
        "lost.load.json",
        JSON.stringify(exampleLoadReport({ sessionsFile: "gone.jsonl" })),
      ),
      /its sessions file "gone\.jsonl" cannot be found/,
    ],
  ];
  for (const [file, message] of cases) {
    await assert.rejects(openRunFile(file), (error: Error) => {
      assert.ok(error instanceof RunRecordError);
      assert.match(error.message, message);
      return true;
    });
  }
  await mkdir(join(dir, "bad"));
  await writeFile(join(dir, "bad", "s.jsonl"), `${JSON.stringify(session("s", ["t"]))}\n{oops\n`);
  await write(
    "bad.load.json",
    JSON.stringify(exampleLoadReport({ sessionsFile: join(dir, "bad", "s.jsonl") })),
  );
  const run = await openRunFile(join(dir, "bad.load.json"));
  await assert.rejects(purgePlan(run), {
    name: "RunRecordError",
    message: /s\.jsonl:2: is not a JSON/,
  });
});

test("purgePlan() lists each trace and session once, and session scores only when asked", async () => {
  const dir = await tmp();
  const file = join(dir, "run.json");
  await writeFile(
    file,
    JSON.stringify(manifest([
      session("s-1", ["t1", "t2"], true),
      session("s-1", ["t3"]),
      session("s-2", ["t2"], true),
    ])),
  );
  const run = await openRunFile(file);
  assert.deepEqual(await purgePlan(run, { sessionScores: true }), {
    runId: "run_aaaaaaaaaaaa",
    traceIds: ["t1", "t2", "t3"],
    sessionIds: ["s-1", "s-2"],
    sessionScoreIds: ["s-1-res", "s-2-res"],
    keptSessionScoreIds: [],
  });
  // A replay's session may be fixed in its script and scored by every replay of it.
  const replay = await purgePlan(run);
  assert.deepEqual(replay.sessionScoreIds, []);
  assert.deepEqual(replay.keptSessionScoreIds, ["s-1-res", "s-2-res"]);
});

test("purgeRun() deletes exactly the plan's traces in batches, with their scores", async () => {
  const fake = await startFakeLangfuse({ mode: "v3" });
  try {
    const ours = conversation({ seed: 1, sessionId: "s-1", turns: 5 });
    const theirs = conversation({ seed: 2, sessionId: "s-1", turns: 2 });
    const res = await sendSpans(fake, [...ours, ...theirs]);
    await res.body?.cancel();
    const client = new LangfuseClient({ baseUrl: fake.url, ...fake.keys });
    const traceIds = [1, 2, 3, 4, 5].map((n) => hexId(1, n, 16));
    await client.createScore({ id: "trace-score", traceId: traceIds[0], name: "fb", value: 1 });
    await client.createScore({ id: "s-1-res", sessionId: "s-1", name: "res", value: "ok" });
    const result = await purgeRun(client, {
      runId: "r",
      traceIds,
      sessionIds: ["s-1"],
      sessionScoreIds: ["s-1-res", "never-sent"],
      keptSessionScoreIds: [],
    }, { batchSize: 2 });
    // Langfuse accepts a score delete without looking the score up, so "never-sent" counts.
    assert.deepEqual(result, { traceIds, failed: [], requests: 3, sessionScores: 2 });
    assert.deepEqual(fake.deletedTraceIds, traceIds);
    assert.deepEqual(fake.scores, [], "the trace score went with its trace");
    const left = new Set(fake.spans.map((span) => span.traceId));
    assert.deepEqual([...left].sort(), [hexId(2, 1, 16), hexId(2, 2, 16)]);
  } finally {
    await fake.close();
  }
});

test("purgeRun() sends at most 50 trace ids per DELETE by default, as Langfuse advises", async () => {
  const fake = await startFakeLangfuse({ mode: "v4" });
  try {
    const client = new LangfuseClient({ baseUrl: fake.url, ...fake.keys });
    const traceIds = Array.from({ length: 120 }, (_, n) => hexId(9, n + 1, 16));
    const plan = { runId: "r", traceIds, sessionIds: [], sessionScoreIds: [] };
    const result = await purgeRun(client, { ...plan, keptSessionScoreIds: [] });
    assert.equal(result.requests, 3);
    assert.deepEqual(fake.deletedTraceIds, traceIds);
    const deletes = fake.requests.filter((r) => r.method === "DELETE");
    assert.equal(deletes.length, 3, "50 + 50 + 20");
  } finally {
    await fake.close();
  }
});

test("leftOver() keeps every trace not confirmed gone: failed, still visible, unread, over budget", () => {
  const result: PurgeResult = {
    traceIds: ["a", "b", "c", "d"],
    failed: [{ traceIds: ["e"], reason: "Langfuse answered HTTP 500" }],
    requests: 3,
    sessionScores: 0,
  };
  assert.equal(leftOver("r", { ...result, failed: [] }, { visible: [], unchecked: [] }), undefined);
  assert.deepEqual(leftOver("r", result, { visible: ["b"], unchecked: ["d"] }), {
    runId: "r",
    traceIds: ["e", "b", "d"],
    sessionScoreIds: [],
    stillVisible: ["b"],
    unchecked: ["d"],
    failed: [{ traceIds: ["e"], reason: "Langfuse answered HTTP 500" }],
  });
  const budget = {
    runId: "r",
    traceIds: ["f"],
    sessionScoreIds: ["s"],
    resource: "trace-delete",
    until: "2026-12-04T07:00:00.000Z",
  };
  assert.deepEqual(leftOver("r", { ...result, failed: [], left: budget }), budget);
});
