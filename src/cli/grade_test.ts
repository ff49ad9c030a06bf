import { test } from "node:test";
import assert from "node:assert/strict";
import { createReadStream } from "node:fs";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { main } from "../main.ts";
import type { ManifestSession } from "../report/run_report.ts";
import { FINDINGS } from "../script/vocabulary.ts";
import type { FakeLangfuse } from "../../testing/fake_langfuse/server.ts";
import { captureIo } from "../../testing/io.ts";
import { exampleManifest, exampleSession } from "../../testing/run_record.ts";
import { langfuseClientFor, langfuseEnv } from "../../testing/langfuse.ts";
import { withFakeLangfuse } from "../../testing/servers.ts";

const QUEUE = "cm7r0b4xq0007ad08k2m5p9zt";

/** Runs `grade` in-process against the fake; answers the exit code and the output. */
async function grade(env: Record<string, string>, args: string[]) {
  const run = captureIo(env);
  const code = await main(["grade", ...args], run.io);
  return { code, out: run.out(), err: run.err() };
}

/** A load run of order-status into the fake; answers the report's path and its sessions. */
async function loadRun(fake: FakeLangfuse, sessions: number, seed: number, extra: string[] = []) {
  const dir = await mkdtemp(join(tmpdir(), "grade-"));
  const report = join(dir, "report.json");
  const run = captureIo(langfuseEnv(fake));
  const args = ["load", "conversations/order-status.yaml", "--sessions", String(sessions)];
  const code = await main(
    [
      ...args,
      "--seed",
      String(seed),
      "--at",
      "-1h",
      "--out-dir",
      dir,
      "--report",
      report,
      ...extra,
    ],
    run.io,
  );
  assert.equal(code, 0, run.err());
  const data = JSON.parse(await readFile(report, "utf8"));
  const lines = createInterface({ input: createReadStream(resolve(dir, data.sessionsFile)) });
  const list: ManifestSession[] = [];
  for await (const line of lines) if (line.trim()) list.push(JSON.parse(line));
  return { report, data, sessions: list };
}

/** Marks every finding of the vocabulary on a session as `verdict` says, in `queueId`. */
function review(
  fake: FakeLangfuse,
  configs: Record<string, string>,
  queueId: string,
  reviewer: string,
  sessionId: string,
  verdict: (finding: string) => boolean,
): void {
  for (const finding of FINDINGS) {
    fake.annotate({
      reviewer,
      queueId,
      configId: configs[finding],
      objectType: "SESSION",
      objectId: sessionId,
      value: verdict(finding),
    });
  }
}

test(
  "grade reports exactly the agreement simulated reviewers had with a load run's planted findings",
  {
    timeout: 60_000,
  },
  async () => {
    await withFakeLangfuse({ mode: "v4" }, async (fake) => {
      const { report, data, sessions } = await loadRun(fake, 60, 7, [
        "--review",
        "conversations/reviews/training.yaml",
      ]);
      const planted = sessions.filter((s) => (s.findings ?? []).length > 0);
      const clean = sessions.filter((s) => (s.findings ?? []).length === 0);
      assert.ok(planted.length >= 2 && clean.length >= 8, `${planted.length} planted sessions`);
      // The review layer made the training queue: a BOOLEAN config per finding, and every
      // planted session plus a seeded sample of the others as SESSION items.
      assert.deepEqual(data.review.failed, {});
      const [queue] = data.review.queues;
      assert.equal(queue.name, "reviewer-training");
      const configs: Record<string, string> = {};
      for (const config of data.resources.scoreConfigs) configs[config.name] = config.id;
      for (const finding of FINDINGS) assert.ok(configs[finding], `a config for ${finding}`);
      const inQueue = new Set(data.review.items.map((i: { objectId: string }) => i.objectId));
      assert.ok(planted.every((s) => inQueue.has(s.sessionId)), "every planted session is queued");
      const queued = [
        ...planted.slice(0, 2),
        ...clean.filter((s) => inQueue.has(s.sessionId)).slice(0, 8),
      ];
      assert.equal(queued.length, 10, `${inQueue.size} queued sessions`);
      // Only these ten are reviewed: the other items stay untouched (neither misses nor graded).
      const truth = (s: ManifestSession) => (f: string) => s.findings!.some((p) => p.finding === f);

      // "ana" gets every decision right; "ben" reviews 8 of the 10 items, misses one planted
      // finding and raises one false alarm: 30 of 32 decisions.
      for (const s of queued) review(fake, configs, queue.id, "ana", s.sessionId, truth(s));
      const missed = planted[0].findings![0].finding;
      for (const [i, s] of queued.slice(0, 8).entries()) {
        review(fake, configs, queue.id, "ben", s.sessionId, (f) => {
          if (i === 0 && f === missed) return false;
          if (i === 2 && f === "unsolved") return !truth(s)(f);
          return truth(s)(f);
        });
      }
      // Scores made outside the queue are not part of the queue's review.
      fake.annotate({
        reviewer: "ana",
        configId: configs.unsolved,
        objectType: "SESSION",
        objectId: queued[0].sessionId,
        value: false,
      });

      const json = await grade(langfuseEnv(fake), [report, "--json"]);
      assert.equal(json.code, 0, json.err);
      const result = JSON.parse(json.out);
      assert.deepEqual(result.findings, [...FINDINGS]);
      const [ana, ben] = result.reviewers;
      assert.deepEqual(
        [ana.reviewer, ana.reviewed, ana.notReviewed, ana.overall.agreed, ana.overall.reviewed],
        ["ana", 10, inQueue.size - 10, 40, 40],
      );
      assert.deepEqual(
        [ben.reviewer, ben.reviewed, ben.notReviewed, ben.overall.agreed, ben.overall.reviewed],
        ["ben", 8, inQueue.size - 8, 30, 32],
      );
      assert.deepEqual([ben.overall.misses, ben.overall.falseAlarms], [1, 1]);
      assert.equal(ben.findings.find((f: { finding: string }) => f.finding === missed).misses, 1);

      const table = await grade(langfuseEnv(fake), [report]);
      assert.equal(table.code, 0, table.err);
      assert.match(
        table.out,
        new RegExp(`ben +all findings +8 +${inQueue.size - 8} +93\\.8% \\(30/32\\) +1 +1 +0`),
      );
      assert.match(
        table.out,
        new RegExp(`ana +all findings +10 +${inQueue.size - 10} +100\\.0% \\(40/40\\) +0 +0 +0`),
      );
      assert.match(
        table.out,
        /Graded 2 reviewers on 4 findings: ana 100\.0% \(40\/40\), ben 93\.8%/,
      );
      assert.ok(
        fake.requests.some((r) =>
          r.path.includes(`queueId=${queue.id}`) && r.path.includes("source=ANNOTATION") &&
          r.path.includes("fields=core%2Csubject%2Cannotation")
        ),
        fake.requests.map((r) => r.path).join("\n"),
      );
    });
  },
);

/** A hand-made replay manifest: two sessions, a finding on s1's second trace, TRACE items. */
async function traceManifest(items: unknown[] | undefined, findings = true): Promise<string> {
  const session = (n: number, planted: { finding: string; turn: number }[]) => {
    const { findings: _none, ...made } = exampleSession(`s${n}`, [`t${n}-1`, `t${n}-2`]);
    return {
      ...made,
      scores: [],
      ...(findings ? { findings: planted.map((p) => ({ ...p, traceId: `t${n}-${p.turn}` })) } : {}),
    };
  };
  const manifest = exampleManifest(
    [session(1, [{ finding: "repeated_answer", turn: 2 }]), session(2, [])],
    {
      runId: "run_0a1b2c3d4e5f",
      target: { kind: "langfuse", describe: "Langfuse", protocol: "http/protobuf" },
      ...(items ? { review: { queues: [], items, comments: [], failed: {} } } : {}),
    },
  );
  const path = join(await mkdtemp(join(tmpdir(), "grade-")), "run_0a1b2c3d4e5f.json");
  await writeFile(path, JSON.stringify(manifest));
  return path;
}

/** A training queue in the fake with a `repeated_answer` config; answers both ids. */
async function trainingQueue(fake: FakeLangfuse): Promise<{ queueId: string; configId: string }> {
  const client = langfuseClientFor(fake);
  const config = await client.createScoreConfig({ name: "repeated_answer", dataType: "BOOLEAN" });
  const queue = await client.createAnnotationQueue({
    name: "reviewer-training",
    scoreConfigIds: [config.id],
  });
  return { queueId: queue.id, configId: config.id };
}

/** The TRACE items of {@link traceManifest}, in `queueId`. */
const traceItems = (queueId: string) => TRACE_ITEMS.map((item) => ({ ...item, queueId }));

const TRACE_ITEMS = ["t1-1", "t1-2", "t2-1", "t2-2"].map((id, i) => ({
  queueId: QUEUE,
  id: `item-${i}`,
  objectType: "TRACE",
  objectId: id,
  created: true,
}));

test("grade reads a v3 server's v2 scores and keys TRACE items by the trace a finding was planted on", async () => {
  await withFakeLangfuse({ mode: "v3" }, async (fake) => {
    const { queueId, configId } = await trainingQueue(fake);
    const path = await traceManifest(traceItems(queueId));
    const mark = (objectId: string, value: boolean) =>
      fake.annotate({
        reviewer: "cleo",
        queueId,
        configId,
        name: "repeated_answer",
        objectType: "TRACE",
        objectId,
        value,
      });
    // Right on t1-2 (planted) and t2-1, a false alarm on t1-1, t2-2 not reviewed.
    mark("t1-2", true);
    mark("t2-1", false);
    mark("t1-1", true);
    const { code, out, err } = await grade(langfuseEnv(fake), [path, "--json"]);
    assert.equal(code, 0, err);
    const result = JSON.parse(out);
    assert.equal(result.generation, "v3");
    const [cleo] = result.reviewers;
    assert.deepEqual(
      [cleo.reviewed, cleo.notReviewed, cleo.overall.agreed, cleo.overall.falseAlarms],
      [3, 1, 2, 1],
    );
    assert.ok(fake.requests.some((r) => r.path.startsWith("/api/public/v2/scores?")));
  });
});

test("grade says so when no reviewer has annotated yet, and exits 0", async () => {
  await withFakeLangfuse({ mode: "v4" }, async (fake) => {
    const { queueId } = await trainingQueue(fake);
    const path = await traceManifest(traceItems(queueId));
    const { code, out, err } = await grade(langfuseEnv(fake), [path]);
    assert.equal(code, 0, err);
    assert.match(out, /1 finding planted in 1 of 2 sessions/);
    assert.match(out, /No reviewer has marked a finding on the run's queue items yet/);
    assert.equal(err, "", "a training queue gets no warning");
  });
});

test("grade refuses a project that does not hold the run's queues, instead of saying nobody reviewed", async () => {
  await withFakeLangfuse({ mode: "v4" }, async (fake) => {
    const path = await traceManifest(TRACE_ITEMS);
    const { code, err } = await grade(langfuseEnv(fake), [path]);
    assert.equal(code, 2);
    assert.match(
      err,
      new RegExp(`queue ${QUEUE} is not in the Langfuse project at .*LANGFUSE_BASE_URL`),
    );
  });
});

test("grade warns when the run's queue offers reviewers no finding to mark", async () => {
  await withFakeLangfuse({ mode: "v4" }, async (fake) => {
    const client = langfuseClientFor(fake);
    const config = await client.createScoreConfig({ name: "resolution", dataType: "BOOLEAN" });
    const queue = await client.createAnnotationQueue({
      name: "order-status-escalations",
      scoreConfigIds: [config.id],
    });
    const { code, err } = await grade(langfuseEnv(fake), [
      await traceManifest(traceItems(queue.id)),
    ]);
    assert.equal(code, 0, err);
    assert.match(
      err,
      /Queue "order-status-escalations" offers no finding score config .*--review conversations\/reviews\/training\.yaml/,
    );
  });
});

test("grade exits 3 without an answer key or queue items, and for a file that is not a manifest", async () => {
  await withFakeLangfuse({ mode: "v4" }, async (fake) => {
    const noKey = await grade(langfuseEnv(fake), [await traceManifest(TRACE_ITEMS, false)]);
    assert.equal(noKey.code, 3);
    assert.match(noKey.err, /run_0a1b2c3d4e5f\.json: has no answer key/);
    const noItems = await grade(langfuseEnv(fake), [await traceManifest(undefined)]);
    assert.equal(noItems.code, 3);
    assert.match(noItems.err, /put nothing in an annotation queue/);
    const notJson = join(await mkdtemp(join(tmpdir(), "grade-")), "x.json");
    await writeFile(notJson, "hello");
    const bad = await grade(langfuseEnv(fake), [notJson]);
    assert.equal(bad.code, 3);
    assert.match(bad.err, /x\.json: is not JSON/);
    assert.equal(fake.requests.length, 0, "nothing asked of Langfuse");
  });
});

test("grade exits 6 on refused keys without showing them, and 2 for a wrong command line", async () => {
  await withFakeLangfuse({ mode: "v4" }, async (fake) => {
    const path = await traceManifest(TRACE_ITEMS);
    const env = { ...langfuseEnv(fake), LANGFUSE_SECRET_KEY: "sk-lf-wrong-secret" };
    const refused = await grade(env, [path]);
    assert.equal(refused.code, 6);
    assert.match(refused.err, /401/);
    assert.doesNotMatch(refused.out + refused.err, /sk-lf-wrong-secret|pk-lf-fake/);
    assert.equal((await grade(langfuseEnv(fake), [])).code, 2);
    assert.equal((await grade(langfuseEnv(fake), [path, "--jsn"])).code, 2);
    assert.equal((await grade({}, [path])).code, 2);
    const help = await grade({}, ["--help"]);
    assert.equal(help.code, 0);
    assert.match(help.out, /Exit codes: 0 graded/);
  });
});
