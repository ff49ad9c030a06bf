import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../main.ts";
import type { LoadReport } from "../report/load_report.ts";
import { captureIo } from "../../testing/io.ts";
import { langfuseEnv } from "../../testing/langfuse.ts";
import { withFakeLangfuse } from "../../testing/servers.ts";
import { until } from "../../testing/cli_process.ts";

const SCRIPTS = ["conversations/order-status.yaml", "conversations/refund.yaml"];

async function loadInto(env: Record<string, string>, dir: string): Promise<LoadReport> {
  const run = captureIo(env);
  const args = [
    "load",
    ...SCRIPTS,
    "--sessions",
    "2000",
    "--seed",
    "3",
    "--at",
    "-1h",
    "--no-review",
  ];
  const code = await main(
    [...args, "--out-dir", dir, "--report", join(dir, "report.json")],
    run.io,
  );
  assert.equal(code, 0, run.err());
  return JSON.parse(await readFile(join(dir, "report.json"), "utf8"));
}

test("a load run sends its scores in ingestion batches of 1,000, and a seeded re-run adds none", {
  // Two 2,000-session runs: past bun test's 5 s default on a busy 2-core machine.
  timeout: 60_000,
}, async () => {
  await withFakeLangfuse({}, async (fake) => {
    const dir = await mkdtemp(join(tmpdir(), "load-scores-"));
    const report = await loadInto(langfuseEnv(fake), dir);
    const planned = report.scores!.planned;
    assert.ok(planned > 1000, `enough scores to need several batches (${planned})`);
    assert.equal(report.scores!.sent, planned);
    assert.deepEqual(report.scores!.failed, {});
    const posts = () => fake.requests.filter((r) => r.path.startsWith("/api/public/ingestion"));
    assert.equal(posts().length, Math.ceil(planned / 1000), "one request per 1,000 scores");
    assert.equal(
      fake.requests.filter((r) => r.path.startsWith("/api/public/scores")).length,
      0,
      "no request per score",
    );
    assert.equal(fake.scores.length, planned, "every score landed once");

    // The same seed and the remembered anchor: the same score ids, so nothing is added.
    const again = await loadInto(langfuseEnv(fake), dir);
    assert.equal(again.runId, report.runId);
    assert.equal(fake.scores.length, planned, "a seeded re-run replaces its scores");
  });
});

test(
  "Ctrl-C during a live load to Langfuse reports the scores and review as not sent, with counts, and counts the sessions in progress",
  {
    timeout: 90_000,
  },
  async () => {
    await withFakeLangfuse({}, async (fake) => {
      const dir = await mkdtemp(join(tmpdir(), "load-stopped-"));
      let stop = false;
      const run = captureIo(langfuseEnv(fake), { now: () => Date.now(), interrupted: () => stop });
      const done = main([
        "load",
        "conversations/order-status.yaml",
        ...["--duration", "60s", "--rate", "20/s", "--time-scale", "20", "--seed", "4"],
        ...["--out-dir", dir, "--report", join(dir, "report.json")],
      ], run.io);
      // Sessions take seconds at this time scale: many are between turns when Ctrl-C comes.
      await until(() => fake.spans.length >= 150);
      stop = true;
      assert.equal(await done, 130, run.err());
      const report: LoadReport = JSON.parse(await readFile(join(dir, "report.json"), "utf8"));
      const why = "the run was interrupted (Ctrl-C)";
      assert.equal(report.stopped, "interrupted (Ctrl-C)");
      assert.equal(report.spans.generated, report.spans.acknowledged + report.spans.failed);

      assert.ok(report.scores!.planned > 0, "the delivered sessions planned scores");
      assert.equal(report.scores!.sent, 0);
      assert.equal(report.scores!.skipped, why);
      assert.equal(fake.scores.length, 0, "none were sent");
      assert.equal(report.review?.notMade?.reason, why);
      assert.equal(report.review?.items.length, 0);

      const cut = report.population.stoppedInProgress!;
      assert.ok(cut.sessions > 0, "sessions were in progress");
      assert.ok(cut.spansNotSent > cut.turnsNotSent && cut.turnsNotSent >= cut.sessions);
      // A session cut short before its first turn is counted only as in progress.
      assert.ok(report.arrivals!.started > report.sessions, "some had sent nothing yet");
      assert.ok(report.arrivals!.started - report.sessions <= cut.sessions);
      const summary = run.err();
      assert.match(
        summary,
        new RegExp(
          `scores +${report.scores!.planned} planned, not sent: ${why.replace(/[()]/g, "\\$&")}`,
        ),
      );
      assert.match(
        summary,
        new RegExp(
          `in progress +${cut.sessions} sessions? cut short by the stop: ${cut.turnsNotSent} turns? \\(${cut.spansNotSent} spans?\\) not sent`,
        ),
      );
      assert.match(
        run.out(),
        /review +not made: \d+ queue items? and \d+ comments? selected, not sent: the run was interrupted/,
      );
    });
  },
);
