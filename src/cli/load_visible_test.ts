import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LoadReport } from "../report/load_report.ts";
import type { FakeLangfuseOptions } from "../../testing/fake_langfuse/server.ts";
import type { FakeLangfuse } from "../../testing/fake_langfuse/server.ts";
import { langfuseEnv } from "../../testing/langfuse.ts";
import { withFakeLangfuse } from "../../testing/servers.ts";
import { startTask } from "../../testing/tasks.ts";

/** A short live load to Langfuse whose probe reads fast (the fake has no read budget). */
const RUN = [
  "fixtures/scripts/quick.yaml",
  ...["--duration", "2s", "--rate", "5/s", "--time-scale", "20", "--seed", "7"],
  "--no-review",
];
/** The fake has no read budget: the probe may read fast. */
const FAST = ["--visible-reads", "50"];

async function loadTo(
  options: FakeLangfuseOptions,
  extra: string[] | ((dir: string) => string[]),
  check: (
    run: Awaited<ReturnType<typeof startTask>>,
    report: () => Promise<LoadReport>,
    fake: FakeLangfuse,
    dir: string,
  ) => Promise<void>,
): Promise<void> {
  await withFakeLangfuse(options, async (fake) => {
    const dir = await mkdtemp(join(tmpdir(), "load-visible-"));
    const reportFile = join(dir, "report.json");
    const run = await startTask("load", [
      ...RUN,
      ...["--out-dir", dir, "--report", reportFile],
      ...(typeof extra === "function" ? extra(dir) : extra),
    ], { env: langfuseEnv(fake), isolated: true, quiet: true, timeoutMs: 90_000 });
    await check(run, () => readFile(reportFile, "utf8").then(JSON.parse), fake, dir);
  });
}

test("a load to a Langfuse that shows traces 1.5 s late reports time to visible of about 1.5 s", {
  timeout: 120_000,
}, async () => {
  const html = (dir: string) => [...FAST, "--html", join(dir, "page.html")];
  await loadTo({ visibleAfterMs: 1_500 }, html, async (run, report, _fake, dir) => {
    assert.equal(run.code, 0, run.stderr);
    const { visible } = await report();
    assert.ok(visible, "the report has time to visible");
    assert.equal(visible.api, "v4");
    assert.ok(visible.visible >= 5, `${visible.visible} traces found`);
    assert.equal(visible.neverVisible, 0);
    assert.ok(visible.waitedMs! >= 0, "the wait after the run is said apart from its duration");
    const page = await readFile(join(dir, "page.html"), "utf8");
    assert.match(page, /<svg data-chart="visible"/, "the page charts time to visible over time");
    assert.match(page, /<span>visible p95<\/span>/);
    // Readable 1.5 s after arrival; the probe reads every 250 ms, then every tenth of the age.
    for (const q of ["p50", "p95", "p99"] as const) {
      const ms = visible.ms[q]!;
      assert.ok(ms >= 1_300 && ms <= 2_100, `${q} ${ms} ms`);
    }
    assert.match(
      run.stdout,
      /visible +p50 1\.\d\ds · p95 \d\.\d\ds · p99 \d\.\d\ds after acknowledged/,
    );
  });
});

test("traces accepted but never readable are named never visible, and never_visible<1 exits 99", {
  timeout: 120_000,
}, async () => {
  await loadTo(
    { loseShare: 0.4 },
    [
      ...FAST,
      "--visible-timeout",
      "2s",
      "--threshold",
      "never_visible<1",
      "--threshold",
      "visible_p95<1m",
    ],
    async (run, report, fake) => {
      assert.equal(run.code, 99, run.stderr);
      const { visible, thresholds } = await report();
      assert.ok(visible && visible.neverVisible > 0, JSON.stringify(visible));
      // Every trace named was lost by Langfuse, and no other.
      const lost = new Set(fake.lostTraceIds);
      for (const id of visible.neverVisibleIds) assert.ok(lost.has(id), `${id} was not lost`);
      assert.equal(visible.neverVisibleIds.length, visible.neverVisible);
      assert.ok(visible.visible > 0);
      assert.deepEqual(thresholds.checks?.map(({ expression, met }) => ({ expression, met })), [
        { expression: "never_visible<1", met: false },
        { expression: "visible_p95<1m", met: true },
      ]);
      assert.match(run.stderr, /threshold +MISSED never_visible<1: \d+ traces?/);
      assert.match(run.stderr, new RegExp(`never visible: ${visible.neverVisibleIds[0]}`));
      // The wait after sending counts the traces still undecided, not all those probed.
      const waiting = run.stdout.match(
        /Waiting up to 2\.00s \(--visible-timeout\) for the (\d+) probed (traces?) not yet visible/,
      );
      assert.ok(waiting, run.stdout);
      assert.ok(Number(waiting[1]) < visible.probed, waiting[0]);
      assert.equal(waiting[2], waiting[1] === "1" ? "trace" : "traces", waiting[0]);
    },
  );
});

test("--no-visible reads nothing back, and a visible threshold without the probe is refused", {
  timeout: 120_000,
}, async () => {
  await loadTo({}, ["--no-visible"], async (run, report, fake) => {
    assert.equal(run.code, 0, run.stderr);
    assert.equal((await report()).visible, undefined);
    const reads = fake.requests.filter((r) =>
      r.method === "GET" && /observations|traces/.test(r.path)
    );
    assert.deepEqual(reads.map((r) => r.path), []);
  });
  await loadTo({}, ["--no-visible", "--threshold", "visible_p95<1m"], (run, _, fake) => {
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /--threshold visible_p95<1m needs the time-to-visible probe/);
    assert.equal(fake.spans.length, 0, "nothing sent");
    return Promise.resolve();
  });
});

test("a probe whose reads Langfuse answers 30 s late does not slow the sending", {
  timeout: 120_000,
}, async () => {
  const startedMs = Date.now();
  await loadTo(
    { slowReadsMs: 30_000 },
    [...FAST, "--visible-timeout", "1s"],
    async (run, report) => {
      const { spans, durationMs, visible } = await report();
      // Sending took what it takes without the probe: nothing waited for a read.
      assert.equal(spans.failed, 0);
      assert.ok(durationMs < 15_000, `the run took ${durationMs} ms`);
      assert.ok(visible?.stopped, "the probe says why it stopped");
      assert.equal(visible.visible + visible.neverVisible, 0);
      assert.equal(run.code, 6, run.stderr);
      // The reads given up are aborted: the process ends, not 30 s later.
      assert.ok(Date.now() - startedMs < 25_000, `${Date.now() - startedMs} ms`);
    },
  );
});
