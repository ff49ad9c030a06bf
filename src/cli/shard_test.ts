import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../main.ts";
import { startOtlpReceiver } from "../export/receiver.ts";
import type { LoadReport, MergedLoadReport } from "../report/load_report.ts";
import { NOW } from "../../testing/clock.ts";
import { captureIo } from "../../testing/io.ts";
import { langfuseEnv } from "../../testing/langfuse.ts";
import { withFakeLangfuse } from "../../testing/servers.ts";
import { runTask } from "../../testing/tasks.ts";
import type { ManifestSession } from "../report/run_report.ts";
import { FINDINGS } from "../script/vocabulary.ts";
import { sortedDigests } from "../../testing/spans.ts";

const SCRIPTS = ["conversations/order-status.yaml", "conversations/handoff.yaml"];
const AT = "2026-11-20T14:00:00Z";

/**
 * Runs `load` in-process into `url` (120 sessions, seed 11 and AT unless `extra` gives them);
 * returns the exit code, the report and what was said.
 */
async function load(url: string, dir: string, extra: string[]) {
  const run = captureIo({ OTEL_EXPORTER_OTLP_ENDPOINT: url });
  const reportFile = join(dir, `${extra.join("_").replaceAll("/", "of")}.load.json`);
  const code = await main([
    "load",
    ...SCRIPTS,
    ...(extra.includes("--sessions") ? [] : ["--sessions", "120"]),
    ...(extra.includes("--seed") ? [] : ["--seed", "11"]),
    ...(extra.includes("--at") ? [] : ["--at", AT]),
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

async function merge(files: string[], out: string, extra: string[] = []) {
  const run = captureIo();
  const code = await main(["report", "merge", ...files, "--out", out, ...extra], run.io);
  return { code, out: run.out(), err: run.err() };
}

/** The counts a merged report must share with the unsharded run's. */
function counts(report: LoadReport | MergedLoadReport) {
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
      const report: MergedLoadReport = JSON.parse(await readFile(out, "utf8"));
      // Requests differ: each shard fills its own batches. Everything else adds up exactly.
      assert.deepEqual(
        { ...counts(report), requests: 0 },
        { ...counts(single.report), requests: 0 },
      );
      assert.deepEqual(report.shards, { n: 3, merged: [1, 2, 3], missing: [] });
      assert.equal(report.requests.total, shards.reduce((t, s) => t + s.report.requests.total, 0));
      assert.match(merged.out, /^Load run complete: .*\n.*\n {2}shards +3 of 3 merged\n/);
      assert.deepEqual(report.sessionsFiles, shards.map((s) => s.report.sessionsFile));
    } finally {
      await whole.close();
      await sharded.close();
    }
  });

  it("report merge heads a merge with shards missing incomplete, names them, and writes it with --html", async () => {
    const receiver = await startOtlpReceiver();
    try {
      const dir = await mkdtemp(join(tmpdir(), "shard-merge-"));
      const one = await load(receiver.url, dir, ["--shard", "1/3"]);
      const two = await load(receiver.url, dir, ["--shard", "2/3"]);
      const html = join(dir, "partial.html");
      const partial = await merge(
        [one.reportFile, two.reportFile],
        join(dir, "partial.json"),
        ["--html", html],
      );
      assert.equal(partial.code, 4, "a run with shards missing is incomplete");
      assert.match(partial.err, /^Load run incomplete: /);
      assert.match(partial.err, /2 of 3 merged; INCOMPLETE: missing 3\/3/);
      const written: MergedLoadReport = JSON.parse(
        await readFile(join(dir, "partial.json"), "utf8"),
      );
      assert.deepEqual(written.shards?.missing, [3]);
      assert.equal(written.sessions, 80);
      const page = await readFile(html, "utf8");
      assert.match(page, /<span class="badge bad">incomplete<\/span>/);
      assert.match(page, /shards missing from the merge: 3\/3/);
      assert.match(page, /80<\/b><span>sessions</);

      const three = await load(receiver.url, dir, ["--shard", "3/3"]);
      const whole = await merge(
        [one.reportFile, two.reportFile, three.reportFile],
        join(dir, "whole.json"),
        ["--html", join(dir, "whole.html")],
      );
      assert.equal(whole.code, 0, whole.err);
      assert.match(await readFile(join(dir, "whole.html"), "utf8"), /badge ok">complete</);
    } finally {
      await receiver.close();
    }
  });

  it("report merge refuses shards of runs that differ, naming what differs, a shard twice, and a file that is no report", async () => {
    const receiver = await startOtlpReceiver();
    try {
      const dir = await mkdtemp(join(tmpdir(), "shard-merge-"));
      const one = await load(receiver.url, dir, ["--shard", "1/3"]);
      const other = await load(receiver.url, dir, ["--shard", "3/3", "--seed", "12"]);
      const whole = await load(receiver.url, dir, []);

      const mixed = await merge([one.reportFile, other.reportFile], join(dir, "x.json"));
      assert.equal(mixed.code, 2);
      assert.match(mixed.err, /belongs to another run than .*: seed 12, not 11; merge the shards/);
      // The case of a shard of 100 sessions merged with one of 200, headed as 100.
      const bigger = await load(receiver.url, dir, ["--shard", "2/3", "--sessions", "240"]);
      const sizes = await merge([one.reportFile, bigger.reportFile], join(dir, "x.json"));
      assert.equal(sizes.code, 2, sizes.out);
      assert.match(sizes.err, /belongs to another run than .*: --sessions 240, not 120/);
      const moved = await load(receiver.url, dir, [
        "--shard",
        "2/3",
        "--at",
        "2026-11-21T14:00:00Z",
      ]);
      const anchors = await merge([one.reportFile, moved.reportFile], join(dir, "x.json"));
      assert.equal(anchors.code, 2);
      assert.match(anchors.err, /time anchor 2026-11-21T14:00:00\.000Z, not 2026-11-20T14/);
      const older = join(dir, "older.load.json");
      const { identity: _identity, ...withoutIdentity } = bigger.report;
      await writeFile(older, JSON.stringify(withoutIdentity));
      const old = await merge([one.reportFile, older], join(dir, "x.json"));
      assert.equal(old.code, 3);
      assert.match(old.err, /older\.load\.json: not a shard's load report \(no run identity/);

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
      assert.match(bad.err, /junk\.json: is not JSON/);
    } finally {
      await receiver.close();
    }
  });

  it(
    "live shards started a moment apart share the run id and merge, anchored at the first start; a shard started a day later is another run",
    {
      timeout: 60_000,
    },
    async () => {
      const receiver = await startOtlpReceiver();
      try {
        const dir = await mkdtemp(join(tmpdir(), "shard-live-"));
        const live = async (k: number, startMs: number) => {
          const run = captureIo({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }, {
            now: () => startMs,
          });
          const reportFile = join(dir, `live-${k}-${startMs}.load.json`);
          const code = await main([
            "load",
            ...SCRIPTS,
            "--duration",
            "1s",
            "--rate",
            "6/s",
            "--time-scale",
            "200",
            "--seed",
            "5",
            "--shard",
            `${k}/2`,
            "--out-dir",
            dir,
            "--report",
            reportFile,
          ], run.io);
          assert.equal(code, 0, run.err());
          return {
            reportFile,
            report: JSON.parse(await readFile(reportFile, "utf8")) as LoadReport,
          };
        };
        const one = await live(1, NOW);
        const two = await live(2, NOW + 300);
        const late = await live(2, NOW + 86_400_000);
        assert.equal(one.report.runId, two.report.runId, "one live run, one run id");
        assert.equal(late.report.runId, one.report.runId, "the same flags: the same identity");

        const merged = await merge([two.reportFile, one.reportFile], join(dir, "live.json"));
        assert.equal(merged.code, 0, merged.err);
        const report: MergedLoadReport = JSON.parse(await readFile(join(dir, "live.json"), "utf8"));
        assert.equal(report.anchor?.ms, NOW, "the earliest shard's start");
        assert.equal(report.sessions, one.report.sessions + two.report.sessions);

        const apart = await merge([one.reportFile, late.reportFile], join(dir, "x.json"));
        assert.equal(apart.code, 2);
        assert.match(
          apart.err,
          /belongs to another run than .*: it started at .*, later than the arrival window \(1\.00s\)/,
        );
      } finally {
        await receiver.close();
      }
    },
  );

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

describe("a sharded run into Langfuse, as deploy/README.md runs it", () => {
  it("report merge, then verify, grade and purge of the merged report cover every shard's traces", {
    timeout: 180_000,
  }, async () => {
    await withFakeLangfuse({ mode: "v4" }, async (fake) => {
      const dir = await mkdtemp(join(tmpdir(), "shard-deploy-"));
      const env = langfuseEnv(fake);
      const reports: string[] = [];
      for (const k of [1, 2]) {
        reports.push(join(dir, `shard${k}.load.json`));
        const shard = await runTask("load", [
          "conversations/order-status.yaml",
          "--sessions",
          "30",
          "--seed",
          "7",
          "--at",
          AT,
          "--shard",
          `${k}/2`,
          "--workers",
          "1",
          "--review",
          "conversations/reviews/training.yaml",
          "--out-dir",
          dir,
          "--report",
          reports[k - 1],
        ], env);
        assert.equal(shard.code, 0, shard.stderr);
      }
      const mergedFile = join(dir, "run.merged.json");
      const merged = await runTask("report", ["merge", ...reports, "--out", mergedFile]);
      assert.equal(merged.code, 0, merged.stderr);
      const report: MergedLoadReport = JSON.parse(await readFile(mergedFile, "utf8"));
      // Each shard probed time to visible; the merge holds both samples, exactly.
      const shardVisible = await Promise.all(
        reports.map(async (file) => JSON.parse(await readFile(file, "utf8")).visible),
      );
      assert.equal(
        report.visible?.probed,
        shardVisible.reduce((sum, visible) => sum + visible.probed, 0),
      );
      assert.equal(report.visible?.histogram.count, report.visible?.visible);
      assert.match(merged.stdout, /visible +p50 /);
      const sessions: ManifestSession[] = [];
      for (const file of report.sessionsFiles) {
        const text = await readFile(file, "utf8");
        sessions.push(...text.split("\n").filter(Boolean).map((line) => JSON.parse(line)));
      }
      assert.equal(sessions.length, 30);
      const traceIds = sessions.flatMap((s) => s.traces.map((t) => t.traceId)).sort();
      assert.equal(traceIds.length, report.traces);

      const verify = await runTask("verify", [mergedFile, "--timeout", "20s"], env);
      assert.equal(verify.code, 0, verify.stdout + verify.stderr);
      assert.match(verify.stdout, new RegExp(`Verified: all ${report.traces} traces`));

      // A reviewer marks every finding of every queued session right, in both shards' items.
      const configs = new Map(report.resources!.scoreConfigs.map((c) => [c.name, c.id]));
      const items = report.review!.items;
      assert.ok(new Set(items.map((i) => i.queueId)).size === 1, "one queue for the run");
      for (const item of items) {
        const session = sessions.find((s) => s.sessionId === item.objectId)!;
        for (const finding of FINDINGS) {
          fake.annotate({
            reviewer: "ana",
            queueId: item.queueId,
            configId: configs.get(finding)!,
            objectType: "SESSION",
            objectId: item.objectId,
            value: (session.findings ?? []).some((f) => f.finding === finding),
          });
        }
      }
      const grade = await runTask("grade", [mergedFile, "--json"], env);
      assert.equal(grade.code, 0, grade.stderr);
      const [ana] = JSON.parse(grade.stdout).reviewers;
      assert.deepEqual(
        [ana.reviewed, ana.notReviewed, ana.overall.agreed],
        [items.length, 0, items.length * FINDINGS.length],
      );

      // In-process: `deno task purge` cannot write its purge-left file (no --allow-write).
      const purge = captureIo(env);
      assert.equal(await main(["purge", mergedFile, "--yes"], purge.io), 0, purge.err());
      assert.match(purge.out(), new RegExp(`delete +${report.traces} traces in 30 sessions`));
      assert.deepEqual([...fake.deletedTraceIds].sort(), traceIds);
    });
  });
});
