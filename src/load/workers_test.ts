import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { startOtlpReceiver } from "../export/receiver.ts";
import { resolveTarget } from "../export/target.ts";
import { crashingScript } from "../testing/crashing_sessions.ts";
import { systemClock } from "./clock.ts";
import { startSessions } from "./workers.ts";

describe("startSessions across worker threads", () => {
  it("ends the run within seconds when one worker throws: the others stop, every span is counted", async () => {
    const receiver = await startOtlpReceiver({ respond: () => ({ delayMs: 20 }) });
    try {
      const started = performance.now();
      const running = startSessions(
        {
          scripts: [await crashingScript()],
          population: { seed: 3, users: 50 },
          target: resolveTarget({}, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }),
          schedule: { kind: "backfill", sessions: 5_000, endMs: Date.now(), spreadMs: 86_400_000 },
          seed: 3,
          partition: { index: 0, count: 1 },
          pipeline: { maxDelayMs: 0, maxBatchSpans: 16 },
        },
        { clock: systemClock, stopped: () => false, onLine: () => {} },
        3,
      );
      const result = await running.done;
      const elapsed = performance.now() - started;

      assert.ok(elapsed < 15_000, `ended after ${Math.round(elapsed)}ms`);
      assert.match(result.crashed ?? "", /^load worker [123]: Error: .*not a template/);
      const { generated, acknowledged, failed } = result.stats;
      assert.equal(generated, acknowledged + failed, "every span acknowledged or failed");
      assert.equal(acknowledged, receiver.spans.length);
      assert.ok(result.population.sessions < 5_000, "the other workers were stopped");
      assert.equal(result.workers, 3);
    } finally {
      await receiver.close();
    }
  });
});
