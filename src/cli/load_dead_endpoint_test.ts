import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadCommand } from "./load.ts";
import { startOtlpReceiver } from "../export/receiver.ts";
import type { LoadReport } from "../report/load_report.ts";
import { captureIo } from "../../testing/io.ts";

test("a load run against a closed port gives up within seconds, exits 4 and writes the report", {
  timeout: 60_000,
}, async () => {
  const receiver = await startOtlpReceiver();
  await receiver.close();
  const dir = await mkdtemp(join(tmpdir(), "load-dead-"));
  const run = captureIo({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }, { now: () => Date.now() });
  const started = performance.now();
  const code = await loadCommand([
    "conversations/order-status.yaml",
    "--sessions",
    "300",
    "--seed",
    "7",
    "--out-dir",
    dir,
    "--report",
    join(dir, "report.json"),
  ], run.io);
  const elapsed = performance.now() - started;
  const report: LoadReport = JSON.parse(await readFile(join(dir, "report.json"), "utf8"));
  assert.equal(code, 4, run.err());
  assert.ok(elapsed < 20_000, `gave up after ${Math.round(elapsed)}ms`);
  assert.match(report.stopped!, /^the endpoint refused every connection for 5s \(is the server/);
  assert.equal(report.spans.acknowledged, 0);
  assert.ok(report.spans.failed > 0);
  assert.equal(report.spans.generated, report.spans.failed);
  assert.deepEqual(Object.keys(report.spans.failures), [report.stopped]);
  assert.ok(report.sessions < 300, "new sessions stopped once the endpoint was dead");
  assert.match(run.err(), /refused every connection/);
});
