import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../main.ts";
import { exampleManifest } from "../../testing/run_record.ts";
import { TRACE, TRACE_METADATA_PREFIX } from "../emit/attributes.ts";
import type { FakeLangfuse, FakeLangfuseOptions } from "../../testing/fake_langfuse/server.ts";
import { scoresOf, sendScores } from "../langfuse/scores.ts";
import { FakeClock, NOW } from "../../testing/clock.ts";
import { captureIo, runCommand } from "../../testing/io.ts";
import { langfuseClientFor, langfuseEnv, replayWithScores } from "../../testing/langfuse.ts";
import { conversation, sendSpans } from "../../testing/otlp.ts";
import { withFakeLangfuseOnClock } from "../../testing/servers.ts";
import type { RunReport } from "../report/run_report.ts";
import { VERIFY_HELP, verifyCommand } from "./verify.ts";

/** A captured Io whose waits run on `clock`. */
const io = (env: Record<string, string>, clock = new FakeClock(NOW)) => captureIo(env, { clock });

/** A fake Langfuse on a {@link FakeClock} from NOW. */
const withFake = (
  options: FakeLangfuseOptions,
  fn: (fake: FakeLangfuse, clock: FakeClock) => Promise<void>,
) => withFakeLangfuseOnClock(NOW, options, fn);

/** Replays scripts into the fake with the real pipeline; answers the manifest and its path. */
const replay = (
  fake: FakeLangfuse,
  seed: number,
  scripts = ["conversations/order-status.yaml", "conversations/refund.yaml"],
) => replayWithScores(fake, seed, scripts);

for (const mode of ["v4", "v3"] as const) {
  test(`verify matches a replay on ${mode}, with each score once on its trace or session`, async () => {
    await withFake({ mode }, async (fake) => {
      const { path, manifest } = await replay(fake, 11);
      const scores = scoresOf(manifest.sessions);
      assert.ok(scores.some((s) => s.sessionId) && scores.some((s) => s.traceId));
      // Sent again (replay() sent them once): ids keep it to one copy each.
      assert.deepEqual((await sendScores(langfuseClientFor(fake), scores)).failed, []);
      assert.deepEqual(
        fake.scores.map((s) => [s.id, s.traceId, s.sessionId]).sort(),
        scores.map((s) => [s.id, s.traceId, s.sessionId]).sort(),
      );
      const check = io(langfuseEnv(fake));
      assert.equal(await runCommand(verifyCommand, [path], check.io), 0, check.out() + check.err());
      const text = check.out();
      const traces = manifest.sessions.flatMap((s) => s.traces).length;
      assert.match(text, new RegExp(`\\(${mode}\\): ${traces} traces, ${scores.length} scores`));
      assert.match(
        text,
        new RegExp(`${manifest.sessions[0].traces[0].traceId} +1 +status +order-status +matched`),
      );
      assert.match(text, /resolution +session +order-status +matched/);
      assert.match(
        text,
        new RegExp(`Verified: all ${traces} traces and ${scores.length} scores match`),
      );
    });
  });
}

test("verify reads again with growing pauses until late data shows", async () => {
  await withFake({ mode: "v3", visibleAfterMs: 20_000 }, async (fake, clock) => {
    const { path } = await replay(fake, 12, ["conversations/handoff.yaml"]);
    const check = io(langfuseEnv(fake), clock);
    assert.equal(
      await runCommand(verifyCommand, [path, "--timeout", "1m"], check.io),
      0,
      check.out(),
    );
    assert.match(
      check.progress(),
      /verify: read 1: 0\/\d+ traces, 0\/\d+ scores match; reading again in 1\.00s/,
    );
    assert.match(check.out(), /Verified: .* \(\d reads in /);
  });
});

test("verify names the lost trace by turn, kind and script, and exits 5", async () => {
  await withFake({ mode: "v4" }, async (fake, clock) => {
    const { path, manifest } = await replay(fake, 13);
    const lost = manifest.sessions[0].traces[1];
    fake.loseTrace(lost.traceId);
    const check = io(langfuseEnv(fake), clock);
    assert.equal(await runCommand(verifyCommand, [path, "--timeout", "10s"], check.io), 5);
    assert.match(
      check.out(),
      new RegExp(`${lost.traceId} +2 +${lost.kind} +order-status +missing`),
    );
    assert.match(
      check.out(),
      /Verification failed: 1 of \d+ traces missing \(\d+ reads in .*, timed out\)/,
    );
  });
});

test("verify shows a changed tag as field: sent → found, and exits 5", async () => {
  await withFake({ mode: "v4" }, async (fake, clock) => {
    const { path, manifest } = await replay(fake, 14);
    const changed = manifest.sessions[1].traces[0];
    fake.mutate((span) => {
      if (span.traceId === changed.traceId) span.attributes[TRACE.tags] = ["changed"];
    });
    const check = io(langfuseEnv(fake), clock);
    assert.equal(await runCommand(verifyCommand, [path, "--timeout", "5s"], check.io), 5);
    const tags = [...manifest.sessions[1].tags].sort().join(", ");
    assert.ok(
      check.out().includes(
        `${changed.traceId}  1     ${
          changed.kind.padEnd(10)
        }  refund        differs  tags: [${tags}] → [changed]`,
      ),
      check.out(),
    );
    assert.match(check.out(), /Verification failed: 1 of \d+ traces differ/);
  });
});

test("traces of another run in the same session are information, this run's extras a mismatch", async () => {
  await withFake({ mode: "v4" }, async (fake, clock) => {
    const first = await replay(fake, 15, ["conversations/order-status.yaml"]);
    await replay(fake, 16, ["conversations/order-status.yaml"]);
    const check = io(langfuseEnv(fake), clock);
    assert.equal(await runCommand(verifyCommand, [first.path], check.io), 0, check.out());
    assert.match(
      check.out(),
      /info {6}3 other traces in these sessions \(run_\w+\): from other runs/,
    );

    // A trace carrying the first run's id that the run did not send.
    const session = first.manifest.sessions[0];
    const stray = conversation({
      seed: 9,
      sessionId: session.sessionId,
      turns: 1,
      startMs: Date.parse(session.traces[0].startTime),
    }).map((span) => ({
      ...span,
      attributes: { ...span.attributes, [`${TRACE_METADATA_PREFIX}run_id`]: first.manifest.runId },
    }));
    await (await sendSpans(fake, stray)).body?.cancel();
    const again = io(langfuseEnv(fake), clock);
    assert.equal(await runCommand(verifyCommand, [first.path, "--timeout", "0s"], again.io), 5);
    assert.match(again.out(), new RegExp(`extra +${stray[0].traceId} .*carries this run's id`));
    assert.match(again.out(), /Verification failed: 1 extra traces of this run/);
  });
});

/** Runs `load` with `args` into the fake and sends the run's scores; answers the report's path and its sessions. */
async function loadInto(fake: FakeLangfuse, clock: FakeClock, args: string[]) {
  const dir = await mkdtemp(join(tmpdir(), "verify-load-"));
  const load = io(langfuseEnv(fake), clock);
  assert.equal(await main(["load", ...args, "--out-dir", dir], load.io), 0, load.err());
  const report = join(dir, (await readdir(dir)).find((name) => name.endsWith(".load.json"))!);
  // Load runs leave sending scores to the caller for now.
  const sessions = (await readFile(
    JSON.parse(await readFile(report, "utf8")).sessionsFile,
    "utf8",
  )).trim().split("\n").map((line) => JSON.parse(line) as RunReport["sessions"][number]);
  await sendScores(langfuseClientFor(fake), scoresOf(sessions));
  return { report, sessions };
}

/** Loads order-status with a review file (a queue of every session, a comment on every trace and every answer); answers the report's path and its sessions. */
async function loadWithReview(fake: FakeLangfuse, clock: FakeClock, sessions: number) {
  const review = join(await mkdtemp(join(tmpdir(), "verify-review-")), "review.yaml");
  await writeFile(
    review,
    [
      "queues:",
      "  - name: every-session",
      "    objectType: SESSION",
      "    scoreConfigs: [resolution]",
      "comments:",
      "  - on: trace",
      "    content: Seen by the verify test.",
      "  - on: observation",
      "    step: compose-answer",
      "    content: Answer seen by the verify test.",
      "",
    ].join("\n"),
  );
  return await loadInto(fake, clock, [
    "conversations/order-status.yaml",
    "--sessions",
    String(sessions),
    "--seed",
    "5",
    "--review",
    review,
  ]);
}

/** GET requests to the fake since `from` whose path starts with `prefix`. */
function reads(fake: FakeLangfuse, from: number, prefix: RegExp): number {
  return fake.requests.slice(from).filter((r) => r.method === "GET" && prefix.test(r.path))
    .length;
}

test("verify checks a load run through its sessions file, or a sample of it", async () => {
  await withFake({ mode: "v4" }, async (fake, clock) => {
    const { report, sessions } = await loadInto(fake, clock, [
      "conversations/order-status.yaml",
      "conversations/refund.yaml",
      "--sessions",
      "6",
      "--seed",
      "3",
    ]);
    const all = io(langfuseEnv(fake), clock);
    assert.equal(await runCommand(verifyCommand, [report], all.io), 0, all.out());
    const traces = sessions.flatMap((s) => s.traces).length;
    assert.match(all.out(), new RegExp(`Verified: all ${traces} traces`));
    const sample = io(langfuseEnv(fake), clock);
    assert.equal(
      await runCommand(verifyCommand, [report, "--sample", "2"], sample.io),
      0,
      sample.out(),
    );
    assert.match(sample.out(), /a sample of the run's sessions/);
    const sampled = sessions[0].traces.length + sessions[3].traces.length;
    assert.match(sample.out(), new RegExp(`Verified: all ${sampled} traces`));
  });
});

test("verify --sample reads only its sessions' queue items and comments, in few requests", async () => {
  await withFake({ mode: "v4" }, async (fake, clock) => {
    const { report, sessions } = await loadWithReview(fake, clock, 20);
    // Other comments in the project: 11 pages of comments on traces.
    const client = langfuseClientFor(fake);
    const { id: projectId } = await client.project();
    const elsewhere = sessions[1].traces[0].traceId;
    for (let i = 0; i < 1_000; i += 50) {
      await Promise.all(Array.from({ length: 50 }, (_, j) =>
        client.createComment({
          projectId,
          objectType: "TRACE",
          objectId: elsewhere,
          content: `Another reviewer's note ${i + j}.`,
        })));
    }
    const made = JSON.parse(await readFile(report, "utf8")).review.comments.length;
    const before = fake.requests.length;
    const check = io(langfuseEnv(fake), clock);
    assert.equal(
      await runCommand(verifyCommand, [report, "--sample", "2"], check.io),
      0,
      check.out() + check.err(),
    );
    // The first session of each half: sessions[0] and sessions[10].
    const turns = sessions[0].traces.length + sessions[10].traces.length;
    assert.match(
      check.out(),
      new RegExp(`Review verified: 1 queue, 2 queue items, ${2 * turns} comments`),
    );
    const comments = reads(fake, before, /^\/api\/public\/comments/);
    // At most one read per sampled object, and one first page per object type.
    assert.ok(comments <= 2 * turns + 2, `${comments} comment reads for ${made} comments`);
    const items = reads(fake, before, /^\/api\/public\/annotation-queues\/[^/?]+\/items/);
    assert.ok(items <= 3, `${items} queue item reads`);
  });
});

test("verify tells the progress of long reads on stderr, and nothing with --quiet", async () => {
  await withFake({ mode: "v4" }, async (fake, clock) => {
    const { report, sessions } = await loadWithReview(fake, clock, 12);
    const check = io(langfuseEnv(fake), clock);
    assert.equal(
      await runCommand(verifyCommand, [report, "--reads-per-second", "2"], check.io),
      0,
      check.out() + check.err(),
    );
    // 12 sessions at 2 reads a second: 6 s of reading sessions.
    assert.match(check.progress(), /^verify: reading sessions \d+\/12$/m);
    assert.match(
      check.progress(),
      new RegExp(`^verify: reading sessions ${sessions.length}/12$`, "m"),
    );
    const quiet = io(langfuseEnv(fake), clock);
    assert.equal(
      await runCommand(verifyCommand, [report, "--reads-per-second", "2", "--quiet"], quiet.io),
      0,
    );
    assert.equal(quiet.progress(), "");
    assert.match(quiet.out(), /Verified: all \d+ traces/);
  });
});

test("refused keys exit 6 naming the variables, never the values", async () => {
  await withFake({ mode: "v4" }, async (fake) => {
    const { path } = await replay(fake, 17, ["conversations/handoff.yaml"]);
    const secret = "sk-lf-0f9e8d7c6b5a";
    const check = io({ ...langfuseEnv(fake), LANGFUSE_SECRET_KEY: secret });
    assert.equal(await runCommand(verifyCommand, [path], check.io), 6);
    assert.match(
      check.err(),
      /rejected the API keys \(HTTP 401\).*LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY/,
    );
    for (const text of [check.out(), check.err()]) {
      assert.ok(!text.includes(secret) && !text.includes(fake.keys.publicKey), text);
    }
  });
});

test("verify's usage errors exit 2 and name what is missing, never a value", async () => {
  const dir = await mkdtemp(join(tmpdir(), "verify-usage-"));
  const fileRun = join(dir, "file-run.json");
  await writeFile(
    fileRun,
    JSON.stringify(exampleManifest([], {
      runId: "run_f",
      target: { kind: "file", describe: "file out/spans.otlp.jsonl", protocol: "http/json" },
    })),
  );
  const env = {
    LANGFUSE_BASE_URL: "http://127.0.0.1:59",
    LANGFUSE_PUBLIC_KEY: "pk-lf-secretish",
    LANGFUSE_SECRET_KEY: "sk-lf-secretish",
  };
  const cases: [string[], Record<string, string>, RegExp][] = [
    [
      [fileRun],
      { LANGFUSE_PUBLIC_KEY: "pk-lf-secretish" },
      /verify needs LANGFUSE_BASE_URL \(or LANGFUSE_HOST\) and LANGFUSE_SECRET_KEY to be set/,
    ],
    [[], env, /verify needs one manifest or load report/],
    [[fileRun, "--timeout", "soon"], env, /--timeout must be a duration like 30s/],
    [[fileRun, "--reads-per-second", "0"], env, /--reads-per-second must be a number above 0/],
    [[fileRun, "--bogus"], env, /Unknown option '--bogus'/],
    [[join(dir, "nope.json")], env, /nope\.json: cannot be read: no such file/],
    [[fileRun], env, /was sent to file out\/spans\.otlp\.jsonl, not to Langfuse/],
  ];
  for (const [args, vars, message] of cases) {
    const check = io(vars);
    assert.equal(await runCommand(verifyCommand, args, check.io), 2, args.join(" "));
    assert.match(check.err(), message);
    assert.ok(!check.err().includes("secretish"));
  }
  const help = io({});
  assert.equal(await runCommand(verifyCommand, ["--help"], help.io), 0);
  assert.equal(help.out(), VERIFY_HELP);
  for (const word of ["--timeout", "--reads-per-second", "LANGFUSE_BASE_URL", "Exit codes"]) {
    assert.ok(VERIFY_HELP.includes(word), word);
  }
});
