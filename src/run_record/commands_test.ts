/**
 * Every command that reads a run record refuses a wrong one through the reader, as a user runs
 * it (`deno task …` / `bun run …`): the message names the file and the field, the exit code is
 * the command's for bad input, and nothing is asked of Langfuse. Replay and load write records
 * the reader reads.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTask } from "../../testing/tasks.ts";
import { exampleLoadReport, V1, v1Json } from "../../testing/run_record.ts";
import { readRunRecord } from "./read.ts";
import { openRunFile, runSessions } from "./run_file.ts";

/** Langfuse variables that point at nothing: a command that got as far as asking would fail. */
const ENV = {
  LANGFUSE_BASE_URL: "http://127.0.0.1:39999",
  LANGFUSE_PUBLIC_KEY: "pk-lf-run-record",
  LANGFUSE_SECRET_KEY: "sk-lf-run-record",
};

/** The v1 manifest with its second trace's `turn` a string, written to a temporary file. */
async function wrongManifest(): Promise<string> {
  const manifest = v1Json(V1.manifest) as { sessions: { traces: Record<string, unknown>[] }[] };
  manifest.sessions[0].traces[1].turn = "2";
  const path = join(await mkdtemp(join(tmpdir(), "run-record-cmd-")), "run_bad.json");
  await writeFile(path, JSON.stringify(manifest));
  return path;
}

const FIELD = /run_bad\.json: sessions\[0\]\.traces\[1\]\.turn must be a number, not a string/;

const commands: [string, string[], number][] = [
  ["verify", [], 2],
  ["purge", ["--yes"], 2],
  ["grade", [], 3],
];

for (const [command, args, code] of commands) {
  test(`${command} given a manifest with a wrong field exits ${code}, naming file and field`, {
    timeout: 60_000,
  }, async () => {
    const path = await wrongManifest();
    const result = await startTask(command, [path, ...args], { env: ENV, isolated: true });
    assert.equal(result.code, code, result.stderr);
    assert.match(result.stderr, FIELD);
    assert.doesNotMatch(result.stderr, /Internal error/);
  });
}

test("report merge given a shard report of a newer record version exits 3, naming it", {
  timeout: 60_000,
}, async () => {
  const dir = await mkdtemp(join(tmpdir(), "run-record-cmd-"));
  const path = join(dir, "run_x.shard1of2.load.json");
  await writeFile(path, JSON.stringify(exampleLoadReport({ recordVersion: 3 })));
  const result = await startTask(
    "report",
    ["merge", path, "--out", join(dir, "merged.json")],
    { env: ENV, isolated: true },
  );
  assert.equal(result.code, 3, result.stderr);
  assert.match(
    result.stderr,
    /run_x\.shard1of2\.load\.json: record version 3 is newer than this session-replay reads \(up to 2\)/,
  );
});

test("replay and load write version-2 records that their readers read back", {
  timeout: 90_000,
}, async () => {
  const dir = await mkdtemp(join(tmpdir(), "run-record-cmd-"));
  const common = ["conversations/order-status.yaml", "--target", "file", "--seed", "42"];
  const replay = await startTask("replay", [
    ...common,
    "--out",
    join(dir, "replay.otlp.jsonl"),
    "--manifest-dir",
    dir,
  ], { env: ENV, isolated: true });
  assert.equal(replay.code, 0, replay.stderr);
  const load = await startTask("load", [
    ...common,
    "--sessions",
    "3",
    "--out",
    join(dir, "load.otlp.jsonl"),
    "--out-dir",
    dir,
  ], { env: ENV, isolated: true });
  assert.equal(load.code, 0, load.stderr);
  const names = await readdir(dir);
  const manifest = join(dir, names.find((n) => /^run_[0-9a-f]+\.json$/.test(n))!);
  const report = join(dir, names.find((n) => n.endsWith(".load.json"))!);
  for (const file of [manifest, report]) {
    assert.equal(JSON.parse(await readFile(file, "utf8")).recordVersion, 2, file);
  }
  assert.equal((await readRunRecord(manifest)).kind, "replay");
  const run = await openRunFile(report);
  const sessions: string[] = [];
  for await (const session of runSessions(run)) sessions.push(session.sessionId);
  assert.equal(sessions.length, 3);
  const [line] = (await readFile(run.sessionsFiles![0], "utf8")).split("\n");
  assert.match(line, /^\{"recordVersion":2,/);
});
