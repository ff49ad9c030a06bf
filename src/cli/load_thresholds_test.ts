import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type OtlpReceiver, type ReceiverOptions, startOtlpReceiver } from "../export/receiver.ts";
import type { LoadReport } from "../report/load_report.ts";
import { startTask } from "../../testing/tasks.ts";

const RUN = [
  "fixtures/scripts/quick.yaml",
  "--time-scale",
  "20",
  "--seed",
  "7",
  "--batch-size",
  "4",
];

/** Runs `fn` with a loopback OTLP receiver set up by `options` and a fresh directory. */
async function withReceiver(
  options: ReceiverOptions,
  fn: (receiver: OtlpReceiver, dir: string) => Promise<void>,
): Promise<void> {
  const receiver = await startOtlpReceiver(options);
  try {
    await fn(receiver, await mkdtemp(join(tmpdir(), "thresholds-")));
  } finally {
    await receiver.close();
  }
}

async function loadInto(dir: string, extra: string[], url: string) {
  const reportFile = join(dir, "report.json");
  const result = await startTask("load", [
    ...RUN,
    "--out-dir",
    dir,
    "--report",
    reportFile,
    ...extra,
  ], { env: { OTEL_EXPORTER_OTLP_ENDPOINT: url }, isolated: true, quiet: true });
  return {
    ...result,
    report: (): Promise<LoadReport> => readFile(reportFile, "utf8").then(JSON.parse),
  };
}

test("a --threshold missed against a slow receiver is listed as missed and exits 99", {
  timeout: 60_000,
}, async () => {
  // Every export takes 20 ms: a p95 under 1 ms cannot be met, one under 5 s is.
  await withReceiver({ respond: () => ({ delayMs: 20 }) }, async (receiver, dir) => {
    const run = await loadInto(dir, [
      "--duration",
      "2s",
      "--rate",
      "5/s",
      "--threshold",
      "export_p95<1ms",
      "--threshold",
      "export_p99<5s",
      "--threshold",
      "failed_rate<=0%",
    ], receiver.url);
    assert.equal(run.code, 99, run.stderr);
    assert.match(run.stderr, /Load run incomplete/);
    assert.match(run.stderr, /threshold +MISSED export_p95<1ms: \d+(\.\d)?ms/);
    assert.match(run.stderr, /threshold +met +export_p99<5s: \d+(\.\d)?ms/);
    assert.match(run.stderr, /threshold +met +failed_rate<=0%: 0%/);
    const report = await run.report();
    assert.equal(report.thresholds.met, false);
    assert.deepEqual(
      report.thresholds.checks!.map(({ expression, met }) => ({ expression, met })),
      [
        { expression: "export_p95<1ms", met: false },
        { expression: "export_p99<5s", met: true },
        { expression: "failed_rate<=0%", met: true },
      ],
    );
    assert.ok(report.thresholds.checks![0].observed! >= 20, "the latency observed is reported");
    assert.equal(report.spans.acknowledged, receiver.spans.length, "every span delivered");
    assert.equal(report.stopped, undefined);
  });
});

test("--abort-on-fail stops the run early once a threshold is missed, report written, exit 99", {
  timeout: 60_000,
}, async () => {
  await withReceiver({ respond: () => ({ delayMs: 20 }) }, async (receiver, dir) => {
    const run = await loadInto(dir, [
      "--duration",
      "60s",
      "--rate",
      "5/s",
      "--threshold",
      "export_p95<1ms",
      "--abort-on-fail",
      "--abort-delay",
      "1s",
    ], receiver.url);
    assert.equal(run.code, 99, run.stderr);
    const report = await run.report();
    assert.match(
      report.stopped ?? "",
      /^threshold export_p95<1ms: \d+(\.\d)?ms missed \(--abort-on-fail\)$/,
    );
    assert.ok(report.durationMs < 20_000, `stopped early, after ${report.durationMs} ms`);
    assert.ok(report.arrivals!.scheduled < 300, "no new sessions after the stop");
    assert.equal(report.spans.failed, 0);
    assert.equal(report.spans.generated, report.spans.acknowledged, "every span accounted");
    assert.equal(report.spans.acknowledged, receiver.spans.length);
    assert.match(run.stderr, /stopped +threshold export_p95<1ms/);
  });
});

test("a bad threshold, in a flag or a profile, is refused naming it and nothing is sent", {
  timeout: 60_000,
}, async () => {
  await withReceiver({}, async (receiver, dir) => {
    const flag = await loadInto(dir, [
      "--duration",
      "2s",
      "--rate",
      "5/s",
      "--threshold",
      "export_p95<2",
    ], receiver.url);
    assert.equal(flag.code, 2, flag.stderr);
    assert.match(flag.stderr, /--threshold: threshold "export_p95<2": export_p95 needs a duration/);

    const visible = await loadInto(dir, [
      "--duration",
      "2s",
      "--rate",
      "5/s",
      "--threshold",
      "visible_p95<60s",
    ], receiver.url);
    assert.equal(visible.code, 2, visible.stderr);
    // Time to visible is read back from Langfuse: an OTLP receiver has nothing to read.
    assert.match(
      visible.stderr,
      /--threshold visible_p95<60s needs the time-to-visible probe: a load to Langfuse/,
    );

    const noJudge = await loadInto(
      dir,
      ["--duration", "2s", "--rate", "5/s", "--abort-on-fail"],
      receiver.url,
    );
    assert.equal(noJudge.code, 2, noJudge.stderr);
    assert.match(noJudge.stderr, /--abort-on-fail needs a --threshold on export latency/);

    const profile = join(dir, "profile.yaml");
    await writeFile(
      profile,
      "phases:\n  - { duration: 2s, rate: 5/s }\nthresholds:\n  - export_p95<2s\n  - failed_rate<5\n",
    );
    const bad = await loadInto(dir, ["--profile", profile], receiver.url);
    assert.equal(bad.code, 3, bad.stderr);
    assert.match(
      bad.stderr,
      /profile\.yaml:5:5: thresholds\[1\] threshold "failed_rate<5": failed_rate needs a percent/,
    );
    assert.equal(receiver.spans.length, 0, "nothing sent");
  });
});

test(
  "a profile's thresholds are judged and listed like --threshold's",
  { timeout: 60_000 },
  async () => {
    await withReceiver({}, async (receiver, dir) => {
      const profile = join(dir, "profile.yaml");
      await writeFile(
        profile,
        "phases:\n  - { duration: 2s, rate: 5/s }\nthresholds: [export_p99<10s, dropped_rate<1%]\n",
      );
      const run = await loadInto(
        dir,
        ["--profile", profile, "--threshold", "spans_per_s>0"],
        receiver.url,
      );
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /threshold +met +export_p99<10s/);
      assert.match(run.stdout, /threshold +met +dropped_rate<1%: 0%/);
      assert.match(run.stdout, /threshold +met +spans_per_s>0: \d+ spans\/s/);
      assert.equal((await run.report()).thresholds.checks!.length, 3);
    });
  },
);

test(
  "a threshold on export latency to the file target, which records none, is refused with exit 2",
  { timeout: 60_000 },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), "thresholds-"));
    const out = join(dir, "spans.jsonl");
    const run = await startTask("load", [
      "fixtures/scripts/quick.yaml",
      "--sessions",
      "2",
      "--target",
      "file",
      "--out",
      out,
      "--out-dir",
      dir,
      "--threshold",
      "export_p99<2s",
    ], { isolated: true, quiet: true });
    assert.equal(run.code, 2, run.stderr);
    // Before, every such run was "missed: nothing measured" and exited 99, whatever happened.
    assert.match(
      run.stderr,
      /--threshold export_p99<2s needs export latency, which the file target/,
    );
    await assert.rejects(readFile(out, "utf8"), "nothing written");
  },
);
