import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, stat, symlink } from "node:fs/promises";
import { startOtlpReceiver } from "../export/receiver.ts";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../main.ts";
import type { FakeLangfuse } from "../../testing/fake_langfuse/server.ts";
import type { RunReport } from "../report/run_report.ts";
import { captureIo, runCommand } from "../../testing/io.ts";
import { langfuseEnv, replayWithScores } from "../../testing/langfuse.ts";
import { withFakeLangfuse, withFakeLangfuseOnClock } from "../../testing/servers.ts";
import { relay, taskCommand } from "../../testing/cli_process.ts";
import type { Io } from "../run/io.ts";
import { PURGE_HELP, purgeCommand, type PurgeIo } from "./purge.ts";
import { COMMENTS_STAY } from "../langfuse/purge_review.ts";

/** A captured Io; `confirm` answers purge's question when given. */
const io = (env: Record<string, string>, confirm?: (question: string) => Promise<boolean>) =>
  captureIo(env, confirm ? { confirm } : {});

/** Runs purge as main does: a CliError becomes its message on stderr and its exit code. */
const purge = (args: string[], io: PurgeIo) => runCommand(purgeCommand, args, io);

const withFake = (fn: (fake: FakeLangfuse) => Promise<void>) =>
  withFakeLangfuse({ mode: "v4" }, fn);

/** Replays order-status into the fake (its session id is fixed) and sends the run's scores. */
async function replay(fake: FakeLangfuse, seed: number): Promise<{ path: string; run: RunReport }> {
  const { path, manifest } = await replayWithScores(fake, seed, [
    "conversations/order-status.yaml",
  ]);
  return { path, run: manifest };
}

const traceIdsOf = (run: RunReport) => run.sessions.flatMap((s) => s.traces.map((t) => t.traceId));

test("purge --yes deletes exactly the run's traces and their scores, not another run's", async () => {
  await withFake(async (fake) => {
    const first = await replay(fake, 21);
    const second = await replay(fake, 22);
    assert.equal(first.run.sessions[0].sessionId, second.run.sessions[0].sessionId);
    const run = io(langfuseEnv(fake));
    assert.equal(await purge([first.path, "--yes"], run.io), 0, run.err());
    assert.deepEqual(fake.deletedTraceIds, traceIdsOf(first.run));
    const left = new Set(fake.spans.map((span) => span.traceId));
    assert.deepEqual([...left].sort(), traceIdsOf(second.run).sort());
    // The first run's trace scores went with its traces; the session score, which both
    // replays of the fixed session share, stays.
    const scoreIds = (r: RunReport) => r.sessions.flatMap((s) => s.scores.map((x) => x.id));
    const kept = scoreIds(second.run);
    assert.deepEqual(fake.scores.map((score) => score.id).sort(), [...kept].sort());
    assert.ok(scoreIds(first.run).some((id) => !kept.includes(id)));
    assert.equal(
      run.out().replace(/read back in [\d.]+m?s/, "read back in T"),
      [
        `Purge ${first.run.runId} from Langfuse at ${fake.url}`,
        `  delete    3 traces in 1 session and 1 queue item`,
        `  keep      1 session score: other replays of the session share it ` +
        `(--session-scores deletes it)`,
        `  keep      1 comment: ${COMMENTS_STAY}`,
        // Prompts and score configs are shared, and Langfuse cannot delete configs.
        `  keep      2 prompt versions and 3 score configs: shared with other runs ` +
        `(Langfuse has no delete for score configs)`,
        `  sent to   ${first.run.target.describe}`,
        `Deleted 3 traces of ${first.run.runId} (1 request) and 1 queue item at ${fake.url}.`,
        // Each deleted trace was read back and is gone.
        "Confirmed gone: 3 of 3 deleted traces (read back in T).",
        `1 comment stays: ${COMMENTS_STAY}.`,
      ].join("\n"),
    );
    const all = io(langfuseEnv(fake));
    assert.equal(await purge([second.path, "--yes", "--session-scores"], all.io), 0);
    assert.deepEqual(fake.scores, []);
    // Both replays of the fixed session share its queue item: the first purge removed it.
    assert.match(
      all.out(),
      /Deleted 3 traces .* and 1 session score and 0 queue items \(1 already gone\) at/,
    );
  });
});

test("purge without --yes refuses when nobody can confirm, and deletes nothing", async () => {
  await withFake(async (fake) => {
    const { path } = await replay(fake, 23);
    const run = io(langfuseEnv(fake));
    assert.equal(await purge([path], run.io), 2);
    assert.match(run.err(), /cannot ask for confirmation here .*: pass --yes/);
    assert.equal(fake.requests.filter((r) => r.method === "DELETE").length, 0);
  });
});

test("purge asks first, naming the count, run and host, and deletes only on yes", async () => {
  await withFake(async (fake) => {
    const { path, run: manifest } = await replay(fake, 24);
    const questions: string[] = [];
    const no = io(langfuseEnv(fake), (question) => {
      questions.push(question);
      return Promise.resolve(false);
    });
    assert.equal(await purge([path], no.io), 0);
    assert.deepEqual(questions, [
      `Delete 3 traces and 1 queue item of ${manifest.runId} at ${fake.url}?`,
    ]);
    assert.match(no.out(), /Not confirmed: nothing was deleted\./);
    assert.deepEqual(fake.deletedTraceIds, []);
    const yes = io(langfuseEnv(fake), () => Promise.resolve(true));
    assert.equal(await purge([path], yes.io), 0);
    assert.deepEqual(fake.deletedTraceIds, traceIdsOf(manifest));
  });
});

test("purge deletes a load run's traces from its sessions file in batches", async () => {
  await withFake(async (fake) => {
    const dir = await mkdtemp(join(tmpdir(), "purge-load-"));
    const load = io(langfuseEnv(fake));
    const args = ["load", "conversations/refund.yaml", "--sessions", "3", "--seed", "2"];
    assert.equal(await main([...args, "--out-dir", dir], load.io as Io), 0, load.err());
    const report = join(dir, (await readdir(dir)).find((name) => name.endsWith(".load.json"))!);
    const sent = new Set(fake.spans.map((span) => span.traceId));
    const redundant = io(langfuseEnv(fake));
    assert.equal(await purge([report, "--yes", "--session-scores"], redundant.io), 2);
    assert.match(redundant.err(), /--session-scores applies to a replay's manifest/);
    assert.deepEqual(fake.deletedTraceIds, [], "a refused flag deletes nothing");
    const run = io(langfuseEnv(fake));
    assert.equal(await purge([report, "--yes", "--batch-size", "2"], run.io), 0, run.err());
    assert.deepEqual(new Set(fake.deletedTraceIds), sent);
    assert.equal(fake.spans.length, 0);
    const requests = fake.requests.filter((r) =>
      r.method === "DELETE" && r.path === "/api/public/traces"
    ).length;
    assert.equal(requests, Math.ceil(sent.size / 2));
    assert.match(run.out(), new RegExp(`Deleted ${sent.size} traces .*\\(${requests} requests\\)`));
  });
});

test("purge exits 6 on refused keys, naming the variables and never the values", async () => {
  await withFake(async (fake) => {
    const { path } = await replay(fake, 25);
    const secret = "sk-lf-0f9e8d7c6b5a";
    const run = io({ ...langfuseEnv(fake), LANGFUSE_SECRET_KEY: secret });
    assert.equal(await purge([path, "--yes"], run.io), 6);
    assert.match(run.err(), /HTTP 401\).*LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY/);
    assert.ok(!run.err().includes(secret) && !run.out().includes(secret));
    assert.deepEqual(fake.deletedTraceIds, []);
  });
});

test("purge refuses a run that went to an OTLP endpoint or a file with exit 2, and deletes nothing", async () => {
  const receiver = await startOtlpReceiver();
  try {
    await withFake(async (fake) => {
      const dir = await mkdtemp(join(tmpdir(), "purge-otlp-"));
      const targets: [string, Record<string, string>, string[]][] = [
        ["otlp", { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }, []],
        ["file", {}, ["--target", "file", "--out", join(dir, "spans.jsonl")]],
      ];
      for (const [kind, env, flags] of targets) {
        const report = join(dir, `${kind}.load.json`);
        const sent = io(env);
        const args = ["load", "conversations/order-status.yaml", "--sessions", "3", ...flags];
        const code = await main([...args, "--out-dir", dir, "--report", report], sent.io);
        assert.equal(code, 0, sent.err());
        const run = io(langfuseEnv(fake));
        assert.equal(await purge([report, "--yes"], run.io), 2, kind);
        assert.match(
          run.err(),
          new RegExp(
            `${kind}\\.load\\.json: run run_\\w+ was sent to ${
              kind === "otlp" ? "OTLP endpoint" : "file"
            } .*, not to Langfuse: purge deletes from Langfuse only`,
          ),
        );
        assert.equal(run.out(), "", "no plan is shown");
      }
      assert.deepEqual(fake.deletedTraceIds, []);
      assert.ok(!fake.requests.some((r) => r.method === "DELETE"), "no delete was asked");
    });
  } finally {
    await receiver.close();
  }
});

test("purge's usage errors exit 2", async () => {
  const env = {
    LANGFUSE_BASE_URL: "http://127.0.0.1:59",
    LANGFUSE_PUBLIC_KEY: "pk-lf-x",
    LANGFUSE_SECRET_KEY: "sk-lf-x",
  };
  const cases: [string[], Record<string, string>, RegExp][] = [
    [["out/x.json", "--yes"], {}, /purge needs LANGFUSE_BASE_URL \(or LANGFUSE_HOST\) and/],
    [["--yes"], env, /purge needs one manifest or load report/],
    [
      ["out/x.json", "--yes", "--batch-size", "5000"],
      env,
      /--batch-size must be a whole number from 1 to 1000/,
    ],
    [
      ["out/x.json", "--yes", "--confirm-timeout", "0s"],
      env,
      /--confirm-timeout must be a duration from 1ms to 1h, e\.g\. 30s or 5m, not "0s"/,
    ],
    [
      ["out/x.json", "--yes", "--no-confirm", "--confirm-timeout", "1m"],
      env,
      /--confirm-timeout and --no-confirm cannot be given together/,
    ],
    [
      ["out/does-not-exist.json", "--yes"],
      env,
      /does-not-exist\.json: cannot be read: no such file/,
    ],
  ];
  for (const [args, vars, message] of cases) {
    const run = io(vars);
    assert.equal(await purge(args, run.io), 2, args.join(" "));
    assert.match(run.err(), message);
  }
  const help = io({});
  assert.equal(await purge(["--help"], help.io), 0);
  assert.equal(help.out(), PURGE_HELP);
});

test("purge --help fits a 100-column terminal and says each thing once", async () => {
  const help = io({});
  assert.equal(await purge(["--help"], help.io), 0);
  const lines = help.out().split("\n").slice(1);
  for (const line of lines) assert.ok(line.length <= 100, `${line.length}: ${line}`);
  assert.equal(
    help.out().match(/score configs and prompts stay|Prompts and score configs/g)?.length,
    1,
  );
});

test("purge within a daily delete budget deletes what it may, keeps the rest, and resumes", async () => {
  const start = Date.UTC(2026, 11, 3, 7, 0, 0);
  const limits = { "trace-delete": { points: 3, windowMs: 86_400_000 } };
  await withFakeLangfuseOnClock(start, { mode: "v4", rateLimits: limits }, async (fake, clock) => {
    const { path, run: manifest } = await replay(fake, 23);
    const traceIds = traceIdsOf(manifest);
    assert.ok(traceIds.length >= 3 && traceIds.length <= 4, `${traceIds.length} traces`);
    const first = io(langfuseEnv(fake));
    assert.equal(await purge([path, "--yes", "--batch-size", "1"], first.io), 6);
    assert.deepEqual(fake.deletedTraceIds, traceIds.slice(0, 2), "two a day pass");
    const rest = traceIds.length - 2;
    assert.match(
      first.err(),
      new RegExp(
        `Deleted 2 of ${traceIds.length} traces of ${manifest.runId}; ${rest} left: ` +
          "Langfuse's trace-delete budget is spent until \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z; run purge again",
      ),
    );
    const left = JSON.parse(await readFile(`${path}.purge-left.json`, "utf8"));
    assert.deepEqual(left.traceIds, traceIds.slice(2));
    await clock.sleepUntil(start + 86_400_000);
    const second = io(langfuseEnv(fake));
    const code = await purge([path, "--yes", "--batch-size", "2"], second.io);
    assert.equal(code, 0, second.err());
    assert.match(
      second.out(),
      new RegExp(`Resuming an earlier purge of ${manifest.runId}: ${rest} traces? of`),
    );
    assert.deepEqual(fake.deletedTraceIds, traceIds, "each trace deleted once");
    await assert.rejects(stat(`${path}.purge-left.json`), { code: "ENOENT" });
  });
});

test("purge that cannot keep its left-over list says so in its own words after the deletes", async () => {
  const start = Date.UTC(2026, 11, 3, 7, 0, 0);
  const limits = { "trace-delete": { points: 3, windowMs: 86_400_000 } };
  await withFakeLangfuseOnClock(start, { mode: "v4", rateLimits: limits }, async (fake) => {
    const { path, run: manifest } = await replay(fake, 24);
    // The left-over file leads into a directory that does not exist: writing it fails.
    await symlink(join(path, "..", "no-such-dir", "left.json"), `${path}.purge-left.json`);
    const run = io(langfuseEnv(fake));
    assert.equal(await purge([path, "--yes", "--batch-size", "1"], run.io), 6);
    assert.equal(fake.deletedTraceIds.length, 2, "the deletes were sent");
    assert.match(
      run.err(),
      new RegExp(
        `Deleted 2 of \\d traces of ${manifest.runId}; \\d left: .*; run purge again after it; ` +
          `the list of what is left was not kept \\(cannot write ${path}\\.purge-left\\.json: ` +
          "no such file or directory\\), so it plans from the manifest again",
      ),
    );
    assert.doesNotMatch(run.err(), /Internal error|ENOENT/);
  });
});

/** Runs `deno task purge` / `bun run purge` (the runtime running the tests) against the fake. */
const purgeTask = (fake: FakeLangfuse, args: string[]) =>
  relay(taskCommand("purge", args), langfuseEnv(fake)).exited;

test("purge reads deleted traces back until Langfuse's queued deletes take effect, then says all are gone", async () => {
  await withFakeLangfuse({ mode: "v4", deleteAfterMs: 1_500 }, async (fake) => {
    const { path, run: manifest } = await replay(fake, 31);
    const traceIds = traceIdsOf(manifest);
    const done = await purgeTask(fake, [path, "--yes"]);
    assert.equal(done.code, 0, done.stderr);
    assert.match(
      done.stdout,
      new RegExp(
        `Deleted ${traceIds.length} traces of ${manifest.runId} \\(1 request\\).*\\.\\n` +
          `Confirmed gone: ${traceIds.length} of ${traceIds.length} deleted traces ` +
          "\\(read back in [\\d.]+s\\)\\.",
      ),
    );
    assert.deepEqual(fake.spans, [], "the deletes took effect");
    // The first pass found them still there (the delete was queued), a later one gone.
    const reads = fake.requests.filter((r) => r.path.startsWith("/api/public/v2/observations?"));
    assert.ok(reads.length > traceIds.length, `${reads.length} reads`);
    await assert.rejects(stat(`${path}.purge-left.json`), { code: "ENOENT" });
  });
});

test("purge names the trace Langfuse answered 200 for but never deleted, keeps it, exits 5, and a re-run retries only it", async () => {
  await withFakeLangfuse({ mode: "v3" }, async (fake) => {
    const { path, run: manifest } = await replay(fake, 32);
    const traceIds = traceIdsOf(manifest);
    const stuck = traceIds[1];
    fake.ignoreDeletes(stuck);
    // Long enough to read all three back at 2 reads a second on a busy machine: the stuck one
    // is then named still visible, not "not read back".
    const first = await purgeTask(fake, [path, "--yes", "--confirm-timeout", "8s"]);
    assert.equal(first.code, 5, first.stderr);
    assert.match(
      first.stderr,
      new RegExp(
        `${traceIds.length - 1} of ${traceIds.length} traces of ${manifest.runId} confirmed ` +
          `gone; 1 still visible after [\\d.]+s, though Langfuse answered their delete: ${stuck}; ` +
          `run purge again to delete what is left \\(what is left is listed in .*purge-left\\.json\\)`,
      ),
    );
    const left = JSON.parse(await readFile(`${path}.purge-left.json`, "utf8"));
    assert.deepEqual(left.traceIds, [stuck]);
    assert.deepEqual(left.stillVisible, [stuck]);
    const shown = [...new Set(fake.spans.map((span) => span.traceId))];
    assert.deepEqual(shown, [stuck], "the others are gone");
    const again = await purgeTask(fake, [path, "--yes", "--confirm-timeout", "1s"]);
    assert.equal(again.code, 5, again.stderr);
    assert.match(again.stdout, /Resuming an earlier purge of .*: 1 trace of/);
    assert.match(again.stderr, new RegExp(`1 still visible .*: ${stuck};`));
    assert.deepEqual(fake.deletedTraceIds, [...traceIds, stuck], "only the stuck one again");
  });
});

test("purge --no-confirm sends the deletes and reads nothing back", async () => {
  await withFake(async (fake) => {
    const { path } = await replay(fake, 33);
    const run = io(langfuseEnv(fake));
    assert.equal(await purge([path, "--yes", "--no-confirm"], run.io), 0, run.err());
    assert.match(run.out(), /Deleted 3 traces .*; Langfuse removes them in the background\.$/m);
    assert.doesNotMatch(run.out(), /Confirmed gone/);
    assert.ok(!fake.requests.some((r) => r.path.startsWith("/api/public/v2/observations?traceId")));
  });
});
