import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { startOtlpReceiver } from "../export/receiver.ts";
import { relay, scriptCommand } from "../../testing/cli_process.ts";

describe("a load worker thread that throws", () => {
  it("lets the process end on its own within seconds, the run's spans all counted", {
    timeout: 120_000,
  }, async () => {
    const receiver = await startOtlpReceiver();
    try {
      const started = Date.now();
      // The process returns without exit(): it ends only when no worker thread is left.
      const { code, signal, stdout, stderr } = await relay(
        scriptCommand("testing/crashing_sessions.ts", [receiver.url]),
      ).exited;
      const elapsed = Date.now() - started;
      assert.equal(signal, null, `killed after ${elapsed}ms: the process hung\n${stderr}`);
      assert.equal(code, 0, stderr);
      assert.ok(elapsed < 60_000, `ended after ${elapsed}ms`);
      const result = JSON.parse(stdout);
      assert.match(result.crashed, /^load worker [12]: Error: .*not a template/);
      const failed = Object.values(result.stats.failures as Record<string, number>)
        .reduce((sum, n) => sum + n, 0);
      assert.equal(result.stats.generated, result.stats.acknowledged + failed);
      assert.equal(result.stats.acknowledged, receiver.spans.length);
      assert.ok(result.sessions < 20_000, "the other worker was stopped");
    } finally {
      await receiver.close();
    }
  });
});
