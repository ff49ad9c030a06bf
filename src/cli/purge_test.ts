import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../main.ts";
import { LangfuseClient } from "../langfuse/client.ts";
import { type FakeLangfuse, startFakeLangfuse } from "../langfuse/fake_langfuse.ts";
import { scoresOf, sendScores } from "../langfuse/scores.ts";
import type { RunReport } from "../report/run_report.ts";
import { CliError } from "./exit_codes.ts";
import type { Io } from "./io.ts";
import { PURGE_HELP, purgeCommand, type PurgeIo } from "./purge.ts";

const NOW = Date.parse("2026-11-25T12:00:00Z");

function io(env: Record<string, string>, confirm?: (question: string) => Promise<boolean>) {
  const out: string[] = [];
  const err: string[] = [];
  const value: PurgeIo = {
    out: (text) => out.push(text),
    err: (text) => err.push(text),
    env,
    now: () => NOW,
    randomSeed: () => 1,
    interrupted: () => false,
    color: false,
    ...(confirm ? { confirm } : {}),
  };
  return { io: value, out: () => out.join("\n"), err: () => err.join("\n") };
}

/** Runs purge as main does: a CliError becomes its message on stderr and its exit code. */
async function purge(args: string[], io: PurgeIo): Promise<number> {
  try {
    return await purgeCommand(args, io);
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    io.err(error.message);
    return error.exitCode;
  }
}

function envFor(fake: FakeLangfuse): Record<string, string> {
  return {
    LANGFUSE_BASE_URL: fake.url,
    LANGFUSE_PUBLIC_KEY: fake.keys.publicKey,
    LANGFUSE_SECRET_KEY: fake.keys.secretKey,
  };
}

async function withFake(fn: (fake: FakeLangfuse) => Promise<void>): Promise<void> {
  const fake = await startFakeLangfuse({ mode: "v4" });
  try {
    await fn(fake);
  } finally {
    await fake.close();
  }
}

/** Replays order-status into the fake (its session id is fixed) and sends the run's scores. */
async function replay(fake: FakeLangfuse, seed: number): Promise<{ path: string; run: RunReport }> {
  const dir = await mkdtemp(join(tmpdir(), "purge-"));
  const sent = io(envFor(fake));
  const args = ["replay", "conversations/order-status.yaml", "--seed", String(seed)];
  assert.equal(await main([...args, "--manifest-dir", dir, "--quiet"], sent.io as Io), 0);
  const path = join(dir, (await readdir(dir)).find((name) => name.startsWith("run_"))!);
  const run: RunReport = JSON.parse(await readFile(path, "utf8"));
  const client = new LangfuseClient({ baseUrl: fake.url, ...fake.keys });
  assert.deepEqual((await sendScores(client, scoresOf(run.sessions))).failed, []);
  return { path, run };
}

const traceIdsOf = (run: RunReport) => run.sessions.flatMap((s) => s.traces.map((t) => t.traceId));

test("purge --yes deletes exactly the run's traces and their scores, not another run's", async () => {
  await withFake(async (fake) => {
    const first = await replay(fake, 21);
    const second = await replay(fake, 22);
    assert.equal(first.run.sessions[0].sessionId, second.run.sessions[0].sessionId);
    const run = io(envFor(fake));
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
      run.out(),
      [
        `Purge ${first.run.runId} from Langfuse at ${fake.url}`,
        `  delete    3 traces in 1 session`,
        `  keep      1 session score: other replays of the session share it ` +
        `(--session-scores deletes it)`,
        `  sent to   ${first.run.target.describe}`,
        `Deleted 3 traces of ${first.run.runId} (1 request) at ${fake.url}; ` +
        `Langfuse removes them in the background.`,
      ].join("\n"),
    );
    const all = io(envFor(fake));
    assert.equal(await purge([second.path, "--yes", "--session-scores"], all.io), 0);
    assert.deepEqual(fake.scores, []);
    assert.match(all.out(), /Deleted 3 traces .* and 1 session score at/);
  });
});

test("purge without --yes refuses when nobody can confirm, and deletes nothing", async () => {
  await withFake(async (fake) => {
    const { path } = await replay(fake, 23);
    const run = io(envFor(fake));
    assert.equal(await purge([path], run.io), 2);
    assert.match(run.err(), /cannot ask for confirmation here .*: pass --yes/);
    assert.equal(fake.requests.filter((r) => r.method === "DELETE").length, 0);
  });
});

test("purge asks first, naming the count, run and host, and deletes only on yes", async () => {
  await withFake(async (fake) => {
    const { path, run: manifest } = await replay(fake, 24);
    const questions: string[] = [];
    const no = io(envFor(fake), (question) => {
      questions.push(question);
      return Promise.resolve(false);
    });
    assert.equal(await purge([path], no.io), 0);
    assert.deepEqual(questions, [
      `Delete 3 traces of ${manifest.runId} at ${fake.url}?`,
    ]);
    assert.match(no.out(), /Not confirmed: nothing was deleted\./);
    assert.deepEqual(fake.deletedTraceIds, []);
    const yes = io(envFor(fake), () => Promise.resolve(true));
    assert.equal(await purge([path], yes.io), 0);
    assert.deepEqual(fake.deletedTraceIds, traceIdsOf(manifest));
  });
});

test("purge deletes a load run's traces from its sessions file in batches", async () => {
  await withFake(async (fake) => {
    const dir = await mkdtemp(join(tmpdir(), "purge-load-"));
    const load = io(envFor(fake));
    const args = ["load", "conversations/refund.yaml", "--sessions", "3", "--seed", "2"];
    assert.equal(await main([...args, "--out-dir", dir], load.io as Io), 0, load.err());
    const report = join(dir, (await readdir(dir)).find((name) => name.endsWith(".load.json"))!);
    const sent = new Set(fake.spans.map((span) => span.traceId));
    const run = io(envFor(fake));
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
    const run = io({ ...envFor(fake), LANGFUSE_SECRET_KEY: secret });
    assert.equal(await purge([path, "--yes"], run.io), 6);
    assert.match(run.err(), /HTTP 401\).*LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY/);
    assert.ok(!run.err().includes(secret) && !run.out().includes(secret));
    assert.deepEqual(fake.deletedTraceIds, []);
  });
});

test("purge's usage errors exit 2", async () => {
  const env = {
    LANGFUSE_BASE_URL: "http://127.0.0.1:9",
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
