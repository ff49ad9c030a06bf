import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../main.ts";
import type { LoadReport } from "../report/load_report.ts";
import type { ManifestSession, RunReport } from "../report/run_report.ts";
import type { FakeLangfuse } from "../../testing/fake_langfuse/server.ts";
import { captureIo } from "../../testing/io.ts";
import { callFake, langfuseClientFor, langfuseEnv } from "../../testing/langfuse.ts";
import { withFakeLangfuse } from "../../testing/servers.ts";

const SCRIPT = "conversations/order-status.yaml";
const OTLP = "/api/public/otel/v1/traces";

/** Replays the reference conversation into the fake; answers the exit code, output and manifest. */
async function replay(fake: FakeLangfuse, extra: string[] = []) {
  const dir = await mkdtemp(join(tmpdir(), "resources-"));
  const run = captureIo(langfuseEnv(fake));
  const code = await main(
    ["replay", SCRIPT, "--seed", "42", "--manifest-dir", dir, "--quiet", ...extra],
    run.io,
  );
  const files = (await readdir(dir)).filter((name) => name.startsWith("run_"));
  const path = files.length > 0 ? join(dir, files[0]) : undefined;
  const manifest: RunReport | undefined = path
    ? JSON.parse(await readFile(path, "utf8"))
    : undefined;
  return { code, out: run.out(), err: run.err(), path, manifest, dir };
}

const firstSpanRequest = (fake: FakeLangfuse) =>
  fake.requests.findIndex((r) => r.method === "POST" && r.path.startsWith(OTLP));
const lastIndex = (fake: FakeLangfuse, path: string) =>
  fake.requests.findLastIndex((r) => r.method === "POST" && r.path.startsWith(path));

test("a replay into Langfuse creates its prompts and score configs before the first span, links every generation, and a re-run creates nothing", async () => {
  await withFakeLangfuse({}, async (fake) => {
    const first = await replay(fake);
    assert.equal(first.code, 0, first.err);

    // Before the first span: both prompts, both scores' configs and the review-only one.
    assert.deepEqual(fake.prompts.map((p) => `${p.name} v${p.version}`).sort(), [
      "intent-router v1",
      "support-answer v1",
    ]);
    assert.deepEqual(fake.scoreConfigs.map((c) => `${c.name} ${c.dataType}`).sort(), [
      "escalation_justified BOOLEAN",
      "resolution CATEGORICAL",
      "user_feedback BOOLEAN",
    ]);
    const spans = firstSpanRequest(fake);
    assert.ok(spans > 0, "spans were sent");
    assert.ok(
      lastIndex(fake, "/api/public/v2/prompts") < spans,
      "prompts exist before the first span",
    );
    assert.ok(
      lastIndex(fake, "/api/public/score-configs") < spans,
      "configs exist before the first span",
    );

    const resources = first.manifest!.resources!;
    assert.deepEqual(
      resources.prompts.map((p) => [p.name, p.version, p.created]).sort(),
      [["intent-router", 1, true], ["support-answer", 1, true]],
    );
    assert.deepEqual(resources.scoreConfigs.map((c) => c.created), [true, true, true]);

    // Every generation reads back linked to the version resolved; every score carries its config.
    const session = first.manifest!.sessions[0];
    const rows = await langfuseClientFor(fake).observationsBySession(session.sessionId, {
      fields: ["core", "basic", "prompt"],
    });
    const generations = rows.filter((row) => row.type === "GENERATION");
    assert.equal(generations.length, 5);
    const ids = new Map(resources.prompts.map((p) => [p.name, p.id]));
    for (const generation of generations) {
      assert.ok(generation.promptName, `${generation.name} names a prompt`);
      assert.equal(generation.promptId, ids.get(generation.promptName!), generation.name ?? "");
      assert.equal(generation.promptVersion, 1);
    }
    const configs = new Map(resources.scoreConfigs.map((c) => [c.name, c.id]));
    assert.ok(session.scores.length > 0);
    for (const score of session.scores) assert.equal(score.configId, configs.get(score.name));
    assert.equal(fake.droppedScores, 0, "every score is valid against its config");

    // verify checks the resources, the links and the configs.
    const verify = captureIo(langfuseEnv(fake));
    assert.equal(
      await main(["verify", first.path!, "--timeout", "0s"], verify.io),
      0,
      verify.out() + verify.err(),
    );
    assert.match(verify.out(), /5 prompts and score configs/);

    // A re-run finds everything: no new prompt version, no new config.
    const again = await replay(fake);
    assert.equal(again.code, 0, again.err);
    assert.equal(fake.prompts.length, 2);
    assert.equal(fake.scoreConfigs.length, 3);
    // Nor a new queue, queue item or comment (the escalated session is queued and noted once).
    assert.deepEqual(
      [fake.annotationQueues.length, fake.queueItems.length, fake.comments.length],
      [1, 1, 1],
    );
    assert.ok(again.manifest!.resources!.prompts.every((p) => !p.created && p.version === 1));
    assert.ok(again.manifest!.resources!.scoreConfigs.every((c) => !c.created));
    await rm(first.dir, { recursive: true });
    await rm(again.dir, { recursive: true });
  });
});

test("verify fails, naming the config, when a score config the run used was archived", async () => {
  await withFakeLangfuse({}, async (fake) => {
    const run = await replay(fake);
    assert.equal(run.code, 0, run.err);
    const config = run.manifest!.resources!.scoreConfigs.find((c) => c.name === "resolution")!;
    const archived = await callFake(fake, "PATCH", `/api/public/score-configs/${config.id}`, {
      isArchived: true,
    });
    assert.equal(archived.status, 200);
    const verify = captureIo(langfuseEnv(fake));
    assert.equal(await main(["verify", run.path!, "--timeout", "0s"], verify.io), 5);
    assert.match(verify.out(), new RegExp(`score config\\s+resolution\\s+${config.id}\\s+differs`));
    assert.match(verify.out(), /isArchived: false → true/);
    assert.match(verify.out(), /1 of 5 prompts and score configs missing or wrong/);
  });
});

test("a declared prompt is found in an older version when a newer one has other content", async () => {
  await withFakeLangfuse({}, async (fake) => {
    assert.equal((await replay(fake)).code, 0);
    // Someone edits support-answer in Langfuse: v2 with other content takes `latest`.
    const edited = await callFake(fake, "POST", "/api/public/v2/prompts", {
      name: "support-answer",
      type: "chat",
      prompt: [{ role: "system", content: "Be terse." }],
    });
    assert.equal(edited.status, 201);
    const again = await replay(fake);
    assert.equal(again.code, 0, again.err);
    const answer = again.manifest!.resources!.prompts.find((p) => p.name === "support-answer")!;
    assert.deepEqual([answer.version, answer.created], [1, false]);
    assert.equal(fake.prompts.length, 3, "nothing created");
  });
});

test("a prompt Langfuse refuses stops the run before any span, with Langfuse's reason", async () => {
  await withFakeLangfuse({}, async (fake) => {
    // The name already holds text versions: Langfuse refuses a chat version of it.
    const text = await callFake(fake, "POST", "/api/public/v2/prompts", {
      name: "intent-router",
      prompt: "Classify {{message}}",
    });
    assert.equal(text.status, 201);
    const run = await replay(fake);
    assert.equal(run.code, 6, run.err);
    assert.match(run.err, /prompt "intent-router".*Previous versions have different prompt type/);
    assert.match(run.err, /Nothing was sent/);
    assert.equal(firstSpanRequest(fake), -1, "no span was sent");
    assert.equal(run.manifest, undefined, "no manifest for a run that sent nothing");
    assert.ok(!run.err.includes(fake.keys.secretKey));
  });
});

test("a score config of the same name that does not fit stops the run instead of adding a duplicate", async () => {
  await withFakeLangfuse({}, async (fake) => {
    const numeric = await callFake(fake, "POST", "/api/public/score-configs", {
      name: "resolution",
      dataType: "NUMERIC",
    });
    assert.equal(numeric.status, 200);
    const run = await replay(fake);
    assert.equal(run.code, 6, run.err);
    assert.match(
      run.err,
      /score "resolution".*is NUMERIC, not CATEGORICAL.*cannot delete score configs/,
    );
    assert.equal(fake.scoreConfigs.filter((c) => c.name === "resolution").length, 1);
    assert.equal(firstSpanRequest(fake), -1, "no span was sent");
  });
});

test("other targets make no API call and send declared prompts without a link", async () => {
  await withFakeLangfuse({}, async (fake) => {
    const dir = await mkdtemp(join(tmpdir(), "resources-file-"));
    const run = captureIo(langfuseEnv(fake));
    const out = join(dir, "spans.jsonl");
    const code = await main(
      ["replay", SCRIPT, "--target", "file", "--out", out, "--seed", "42", "--no-manifest"],
      run.io,
    );
    assert.equal(code, 0, run.err());
    assert.equal(fake.requests.filter((r) => !r.path.startsWith("/api/public/projects")).length, 0);
    assert.match(
      run.out(),
      /\n {2}prompts {3}intent-router, support-answer: not linked here \(Langfuse numbers their versions;/,
    );
    assert.ok(!(await readFile(out, "utf8")).includes("langfuse.observation.prompt"));
  });
});

test("a load run links its sessions to the same resources and every score lands under its config", async () => {
  await withFakeLangfuse({}, async (fake) => {
    const dir = await mkdtemp(join(tmpdir(), "resources-load-"));
    const run = captureIo(langfuseEnv(fake));
    const code = await main(
      [
        "load",
        SCRIPT,
        "--sessions",
        "40",
        "--seed",
        "5",
        "--out-dir",
        dir,
        "--report",
        join(dir, "r.json"),
      ],
      run.io,
    );
    assert.equal(code, 0, run.err());
    const report: LoadReport = JSON.parse(await readFile(join(dir, "r.json"), "utf8"));
    assert.deepEqual(report.resources!.prompts.map((p) => p.name).sort(), [
      "intent-router",
      "support-answer",
    ]);
    const lines = (await readFile(report.sessionsFile, "utf8")).trim().split("\n");
    const sessions: ManifestSession[] = lines.map((line) => JSON.parse(line));
    const scores = sessions.flatMap((s) => s.scores);
    assert.ok(scores.length > 0);
    assert.ok(scores.every((s) => s.configId !== undefined));
    assert.ok(sessions.flatMap((s) => s.traces).every((t) => (t.prompts ?? []).length > 0));
    assert.equal(fake.droppedScores, 0);
    assert.equal(report.scores!.sent, scores.length);
  });
});
