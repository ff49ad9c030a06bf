import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../main.ts";
import { startOtlpReceiver } from "../export/receiver.ts";
import type { LoadReport } from "../report/load_report.ts";
import { captureIo } from "../testing/io.ts";
import { sortedDigests } from "../testing/spans.ts";

const SCRIPTS = ["conversations/order-status.yaml", "conversations/handoff.yaml"];
const AT = "2026-11-20T14:00:00Z";

/** Runs `load` in-process into `url`; returns the exit code, the report and what was said. */
async function load(url: string, dir: string, extra: string[]) {
  const run = captureIo({ OTEL_EXPORTER_OTLP_ENDPOINT: url });
  const reportFile = join(dir, `${extra.join("_").replaceAll("/", "of")}.load.json`);
  const code = await main([
    "load",
    ...SCRIPTS,
    "--sessions",
    "120",
    ...(extra.includes("--seed") ? [] : ["--seed", "11"]),
    "--at",
    AT,
    "--batch-size",
    "64",
    "--out-dir",
    dir,
    "--report",
    reportFile,
    ...extra,
  ], run.io);
  const report: LoadReport = JSON.parse(await readFile(reportFile, "utf8"));
  return { code, report, reportFile, out: run.out(), err: run.err() };
}

async function merge(files: string[], out: string) {
  const run = captureIo();
  const code = await main(["report", "merge", ...files, "--out", out], run.io);
  return { code, out: run.out(), err: run.err() };
}

/** The counts a merged report must share with the unsharded run's. */
function counts(report: LoadReport) {
  return {
    runId: report.runId,
    seed: report.seed,
    anchor: report.anchor?.ms,
    sessions: report.sessions,
    users: report.users,
    traces: report.traces,
    spans: report.spans,
    population: report.population,
    sessionIds: report.sessionIds,
    requests: report.requests.total,
  };
}

describe("load --shard K/N", () => {
  it("three shards against one receiver send exactly the unsharded run, span for span, and their merged report has its counts", async () => {
    const whole = await startOtlpReceiver();
    const sharded = await startOtlpReceiver();
    try {
      const dir = await mkdtemp(join(tmpdir(), "shard-"));
      const single = await load(whole.url, dir, []);
      assert.equal(single.code, 0, single.err);
      const shards = [];
      for (const k of [1, 2, 3]) shards.push(await load(sharded.url, dir, ["--shard", `${k}/3`]));
      for (const shard of shards) assert.equal(shard.code, 0, shard.err);

      assert.equal(sharded.spans.length, whole.spans.length);
      assert.deepEqual(sortedDigests(sharded.spans), sortedDigests(whole.spans));
      const sessionsOf = shards.map((s) => s.report.sessions);
      assert.deepEqual(sessionsOf, [40, 40, 40], "round-robin: each shard a third");
      assert.ok(shards.every((s) => s.report.runId === single.report.runId), "one run id");
      assert.deepEqual(shards.map((s) => s.report.shard?.k), [1, 2, 3]);
      assert.match(shards[1].out, /shard 2\/3/, "the summary says which shard");

      const out = join(dir, "merged.json");
      const merged = await merge(shards.map((s) => s.reportFile).reverse(), out);
      assert.equal(merged.code, 0, merged.err);
      const report: LoadReport = JSON.parse(await readFile(out, "utf8"));
      // Requests differ: each shard fills its own batches. Everything else adds up exactly.
      assert.deepEqual(
        { ...counts(report), requests: 0 },
        { ...counts(single.report), requests: 0 },
      );
      assert.deepEqual(report.shards, { n: 3, merged: [1, 2, 3], missing: [] });
      assert.equal(report.requests.total, shards.reduce((t, s) => t + s.report.requests.total, 0));
      assert.match(merged.out, /3 of 3 merged/);
    } finally {
      await whole.close();
      await sharded.close();
    }
  });

  it("report merge names missing shards, refuses another run's shard or a shard twice, and a file that is no report", async () => {
    const receiver = await startOtlpReceiver();
    try {
      const dir = await mkdtemp(join(tmpdir(), "shard-merge-"));
      const one = await load(receiver.url, dir, ["--shard", "1/3"]);
      const two = await load(receiver.url, dir, ["--shard", "2/3"]);
      const other = await load(receiver.url, dir, ["--shard", "3/3", "--seed", "12"]);
      const whole = await load(receiver.url, dir, []);

      const partial = await merge([one.reportFile, two.reportFile], join(dir, "partial.json"));
      assert.equal(partial.code, 4, "a run with shards missing is incomplete");
      assert.match(partial.err, /2 of 3 merged; missing 3\/3/);
      const written: LoadReport = JSON.parse(await readFile(join(dir, "partial.json"), "utf8"));
      assert.deepEqual(written.shards?.missing, [3]);
      assert.equal(written.sessions, 80);

      const mixed = await merge([one.reportFile, other.reportFile], join(dir, "x.json"));
      assert.equal(mixed.code, 2);
      assert.match(mixed.err, /belongs to another run than .*: run run_\w+, not run_\w+/);

      const twice = await merge([one.reportFile, one.reportFile], join(dir, "x.json"));
      assert.equal(twice.code, 2);
      assert.match(twice.err, /are both shard 1\/3: give each shard once/);

      const unsharded = await merge([whole.reportFile], join(dir, "x.json"));
      assert.equal(unsharded.code, 2);
      assert.match(unsharded.err, /the report of a whole run \(no --shard\)/);

      const junk = join(dir, "junk.json");
      await writeFile(junk, "{ not json");
      const bad = await merge([one.reportFile, junk], join(dir, "x.json"));
      assert.equal(bad.code, 3);
      assert.match(bad.err, /junk\.json: not JSON/);
    } finally {
      await receiver.close();
    }
  });

  it("--shard is checked before anything is sent: K from 1 to N, with --seed and an absolute --at", async () => {
    const receiver = await startOtlpReceiver();
    try {
      const dir = await mkdtemp(join(tmpdir(), "shard-flags-"));
      const cases: [string[], RegExp][] = [
        [
          ["--shard", "0/3"],
          /--shard must look like K\/N with K from 1 to N, e\.g\. 2\/4, not "0\/3"/,
        ],
        [["--shard", "4/3"], /--shard K must be from 1 to N \(3\), not 4/],
        [["--shard", "two"], /--shard must look like K\/N/],
        [["--workers", "0"], /--workers must be a whole number of at least 1, not "0"/],
      ];
      for (const [flags, message] of cases) {
        const run = captureIo({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
        const code = await main(
          [
            "load",
            ...SCRIPTS,
            "--sessions",
            "5",
            "--seed",
            "1",
            "--at",
            AT,
            "--out-dir",
            dir,
            ...flags,
          ],
          run.io,
        );
        assert.equal(code, 2, flags.join(" "));
        assert.match(run.err(), message);
      }
      const noSeed = captureIo({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
      assert.equal(
        await main(["load", ...SCRIPTS, "--sessions", "5", "--shard", "1/2"], noSeed.io),
        2,
      );
      assert.match(noSeed.err(), /--shard 1\/2 needs --seed/);
      const noAt = captureIo({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
      assert.equal(
        await main(
          ["load", ...SCRIPTS, "--sessions", "5", "--seed", "1", "--shard", "1/2"],
          noAt.io,
        ),
        2,
      );
      assert.match(noAt.err(), /--shard 1\/2 needs --at with an absolute time/);
      assert.equal(receiver.requests.length, 0, "nothing was sent");
    } finally {
      await receiver.close();
    }
  });
});
