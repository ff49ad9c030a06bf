import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../main.ts";
import type { LoadReport } from "../report/load_report.ts";
import { captureIo } from "../testing/io.ts";
import { langfuseEnv } from "../testing/langfuse.ts";
import { withFakeLangfuse } from "../testing/servers.ts";

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
