import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../main.ts";
import { startOtlpReceiver } from "../export/receiver.ts";
import { captureIo } from "../../testing/io.ts";
import { relay, taskCommand } from "../../testing/cli_process.ts";

const SCRIPT = "fixtures/scripts/quick.yaml";
/** A device every write to fails with ENOSPC, as a full disk does (Linux). */
const FULL = "/dev/full";
const skip = !existsSync(FULL) && `${FULL} is Linux only`;

const tmp = () => mkdtemp(join(tmpdir(), "output-paths-"));

async function run(args: string[], env: Record<string, string> = {}) {
  const io = captureIo(env);
  const code = await main(args, io.io);
  return { code, out: io.out(), err: io.err() };
}

/** Runs both shards of one seeded backfill to files in `dir`; answers their reports' paths. */
async function twoShards(dir: string): Promise<string[]> {
  const shards: string[] = [];
  for (const shard of ["1/2", "2/2"]) {
    const file = join(dir, `shard${shard[0]}.load.json`);
    const sent = await run([
      ...["load", SCRIPT, "--sessions", "10", "--seed", "5", "--at", "2026-11-20T14:00:00Z"],
      ...["--shard", shard, "--target", "file", "--out", join(dir, `s${shard[0]}.jsonl`)],
      ...["--out-dir", dir, "--report", file],
    ]);
    assert.equal(sent.code, 0, sent.err);
    shards.push(file);
  }
  return shards;
}

/** The summary was printed, the failed file named in the tool's words, and nothing else broke. */
function assertNamed(result: { code: number; err: string }, flag: string, summary: RegExp) {
  assert.equal(result.code, 2, result.err);
  assert.match(result.err, summary);
  assert.match(
    result.err,
    new RegExp(`^${flag}: cannot write ${FULL}.*: no space left on the device`, "m"),
  );
  assert.doesNotMatch(result.err, /Internal error|ENOSPC|\n\s+at /);
}

describe("an output file that fails when written at the end (a full disk)", { skip }, () => {
  it("load --report and --html: the summary is printed, the file named, exit 2", async () => {
    const receiver = await startOtlpReceiver();
    try {
      const dir = await tmp();
      const env = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url };
      const load = ["load", SCRIPT, "--sessions", "20", "--seed", "2", "--out-dir", dir];
      const report = await run([...load, "--report", FULL], env);
      assertNamed(report, "--report", /Load run complete.*\n.*\n.*\n {2}spans {6}\d+ generated/);
      assert.doesNotMatch(report.err, /report {5}/, "the summary does not claim the report");
      assert.ok(receiver.spans.length > 0, "the run was sent before the write failed");

      const html = await run([...load, "--html", FULL], env);
      assertNamed(html, "--html", /Load run complete/);
      assert.match(html.err, /report {5}.*\.load\.json/, "the JSON report was still written");
    } finally {
      await receiver.close();
    }
  });

  it("load's sessions file in --out-dir: the summary is printed, the file named, exit 2", async () => {
    const dir = await tmp();
    const load = [
      ...["load", SCRIPT, "--sessions", "20", "--seed", "6", "--at", "2026-11-20T14:00:00Z"],
      ...["--target", "file", "--out", join(dir, "spans.jsonl"), "--out-dir", dir],
    ];
    const first = await run([...load, "--report", join(dir, "first.json")]);
    assert.equal(first.code, 0, first.err);
    // The same seed and time make the same run id, so the same sessions file name: make it
    // lead to the full device.
    const { sessionsFile } = JSON.parse(await readFile(join(dir, "first.json"), "utf8"));
    await rm(sessionsFile);
    await symlink(FULL, sessionsFile);
    const again = await run([...load, "--report", join(dir, "again.json")]);
    assert.equal(again.code, 2, again.err);
    assert.match(again.err, /Load run complete/);
    assert.match(
      again.err,
      new RegExp(`^--out-dir: cannot write ${sessionsFile}: no space left on the device$`, "m"),
    );
    assert.doesNotMatch(again.err, /Internal error|ENOSPC/);
    const report = JSON.parse(await readFile(join(dir, "again.json"), "utf8"));
    assert.equal(report.spans.acknowledged, report.spans.generated, "the spans were sent");
  });

  it("replay --html: the summary is printed, the manifest written, exit 2", async () => {
    const dir = await tmp();
    const result = await run(["replay", SCRIPT, "--manifest-dir", dir, "--html", FULL]);
    assertNamed(
      result,
      "--html",
      /Replayed: local preview.*\n(.*\n)* {2}spans {5}5 generated, 5 acknowledged/,
    );
    assert.equal((await readdir(dir)).length, 1, "the manifest was written");
  });

  it("report merge --out: the merged summary is printed, the file named, exit 2", async () => {
    const dir = await tmp();
    const shards = await twoShards(dir);
    const merged = await run(["report", "merge", ...shards, "--out", FULL]);
    assertNamed(merged, "--out", /Load run complete.*\n.*\n {2}shards {5}2 of 2 merged/);
  });
});

describe("one path named for two outputs", () => {
  /** Refused before anything is sent, naming both flags; the path is left as it was. */
  function assertRefused(result: { code: number; err: string }, first: string, second: string) {
    assert.equal(result.code, 2, result.err);
    assert.match(
      result.err,
      new RegExp(`^${first} and ${second} name the same file .*: give each its own`, "m"),
    );
    assert.doesNotMatch(result.err, /Internal error|\n\s+at /);
  }

  it("load --out and --report: refused before the first span, the spans file not overwritten", async () => {
    const dir = await tmp();
    const same = join(dir, "run.json");
    const result = await run([
      ...["load", SCRIPT, "--sessions", "5", "--seed", "2", "--target", "file", "--out", same],
      ...["--out-dir", dir, "--report", same],
    ]);
    assertRefused(result, "--report", "--out");
    assert.deepEqual(await readdir(dir), [], "nothing was written");
  });

  it("load --report and --html, and --out and the sessions file in --out-dir, are refused", async () => {
    const dir = await tmp();
    const load = [
      ...["load", SCRIPT, "--sessions", "5", "--seed", "2", "--at", "2026-11-20T14:00:00Z"],
      ...["--target", "file", "--out-dir", dir],
    ];
    const report = join(dir, "r.json");
    const both = await run([
      ...load,
      "--out",
      join(dir, "x.jsonl"),
      "--report",
      report,
      "--html",
      report,
    ]);
    assertRefused(both, "--report", "--html");
    assert.deepEqual(await readdir(dir), [], "nothing was written");
    // The same seeded run again: its sessions file is where the first run put it.
    const first = await run([...load, "--out", join(dir, "x.jsonl")]);
    assert.equal(first.code, 0, first.err);
    const sessions = (await readdir(dir)).find((name) => name.endsWith(".sessions.jsonl"))!;
    const clash = await run([...load, "--out", join(dir, sessions)]);
    assertRefused(clash, "--out-dir", "--out");
  });

  it("replay --out and --html: refused before the first span", async () => {
    const dir = await tmp();
    const same = join(dir, "spans.jsonl");
    const result = await run([
      ...["replay", SCRIPT, "--target", "file", "--out", same, "--html", same],
      ...["--manifest-dir", dir],
    ]);
    assertRefused(result, "--out", "--html");
    assert.deepEqual(await readdir(dir), [], "nothing was written");
  });

  it("report merge --out naming a shard's own report: refused, the shard left whole", async () => {
    const dir = await tmp();
    const shards = await twoShards(dir);
    const before = await readFile(shards[0], "utf8");
    const out = await run(["report", "merge", ...shards, "--out", shards[0]]);
    assertRefused(out, "report merge's input", "--out");
    const html = await run([
      "report",
      "merge",
      ...shards,
      "--html",
      join(dir, ".", "shard2.load.json"),
    ]);
    assertRefused(html, "report merge's input", "--html");
    assert.equal(await readFile(shards[0], "utf8"), before, "the shard's report is unchanged");
  });
});

describe("an output path Deno's permissions do not reach", { skip }, () => {
  it("is refused before anything is sent, in the tool's words, through the load task", {
    timeout: 60_000,
  }, async () => {
    const receiver = await startOtlpReceiver();
    try {
      const dir = await tmp();
      const { code, stderr } = await relay(
        taskCommand("load", [SCRIPT, "--sessions", "5", "--out-dir", dir, "--report", FULL]),
        { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url },
      ).exited;
      assert.equal(code, 2, stderr);
      assert.doesNotMatch(stderr, /Internal error|NotCapable|ENOSPC/);
      if ("Deno" in globalThis) {
        // The load task grants file access, which does not cover devices: refused up front.
        assert.match(
          stderr,
          /--report: cannot write \/dev\/full: Deno was not given all access \(--allow-all\), which a device file such as \/dev\/full needs/,
        );
        assert.equal(receiver.spans.length, 0, "nothing was sent");
      } else {
        assert.match(stderr, /--report: cannot write \/dev\/full: no space left on the device/);
        assert.match(stderr, /Load run complete/);
      }
    } finally {
      await receiver.close();
    }
  });
});
