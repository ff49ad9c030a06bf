import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startOtlpReceiver } from "../export/receiver.ts";
import type { LoadReport } from "../report/load_report.ts";
import { relay, taskCommand } from "../testing/cli_process.ts";

describe("load when a worker thread throws", () => {
  it(
    "stops the other workers, writes the report with every span counted and exits 1 within seconds",
    {
      timeout: 120_000,
    },
    async () => {
      // The second turn, reached by half the sessions, holds a template that throws when
      // rendered (faker's arrayElement wants an array), so a worker throws mid-run.
      const dir = await mkdtemp(join(tmpdir(), "worker-crash-"));
      const script = join(dir, "crash.yaml");
      const quick = await readFile("fixtures/scripts/quick.yaml", "utf8");
      await writeFile(
        script,
        quick.replace("input: Why late?", 'input: "Why late? {{faker.helpers.arrayElement}}"'),
      );
      const receiver = await startOtlpReceiver();
      try {
        const reportFile = join(dir, "report.json");
        const started = Date.now();
        const { code, signal, stderr } = await relay(
          taskCommand("load", [
            script,
            ...["--sessions", "20000", "--workers", "2", "--seed", "8"],
            ...["--out-dir", dir, "--report", reportFile],
          ]),
          { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url },
        ).exited;
        const elapsed = Date.now() - started;
        assert.equal(signal, null, stderr);
        assert.equal(code, 1, stderr);
        assert.ok(elapsed < 60_000, `ended after ${elapsed}ms`);
        assert.match(stderr, /Load run incomplete/);
        assert.match(stderr, /Internal error in load worker [12]: TypeError/);
        assert.match(stderr, /every span it generated is counted/);
        const report: LoadReport = JSON.parse(await readFile(reportFile, "utf8"));
        assert.match(report.stopped ?? "", /^internal error in load worker [12]: TypeError: /);
        assert.equal(report.spans.generated, report.spans.acknowledged + report.spans.failed);
        assert.equal(report.spans.acknowledged, receiver.spans.length);
        assert.ok(report.sessions < 20_000, "the other worker was stopped");
      } finally {
        await receiver.close();
      }
    },
  );
});
