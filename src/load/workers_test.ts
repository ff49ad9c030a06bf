import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { startOtlpReceiver } from "../export/receiver.ts";
import { startCrashingSessions } from "../../testing/crashing_sessions.ts";

describe("startSessions across worker threads", () => {
  it("ends the run within seconds when one worker throws: the others stop, every span is counted", async () => {
    const receiver = await startOtlpReceiver({ respond: () => ({ delayMs: 20 }) });
    try {
      const started = performance.now();
      const running = await startCrashingSessions(receiver.url, { sessions: 5_000, workers: 3 });
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
