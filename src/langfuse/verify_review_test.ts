import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../main.ts";
import type { RunReport } from "../report/run_report.ts";
import { captureIo } from "../../testing/io.ts";
import { langfuseClientFor, langfuseEnv } from "../../testing/langfuse.ts";
import { withFakeLangfuse } from "../../testing/servers.ts";
import { formatReviewVerify, verifyReview } from "./verify_review.ts";

/** Replays order-status into the fake; answers the manifest. */
async function replayed(env: Record<string, string>): Promise<RunReport> {
  const dir = await mkdtemp(join(tmpdir(), "verify-review-"));
  const run = captureIo(env);
  const args = ["replay", "conversations/order-status.yaml", "--seed", "7", "--manifest-dir", dir];
  assert.equal(await main(args, run.io), 0, run.err());
  const name = (await readdir(dir)).find((f) => f.startsWith("run_"))!;
  return JSON.parse(await readFile(join(dir, name), "utf8"));
}

describe("verifyReview", () => {
  it("finds the manifest's queue, item and comment in Langfuse", async () => {
    await withFakeLangfuse({}, async (fake) => {
      const { review } = await replayed(langfuseEnv(fake));
      const result = await verifyReview(langfuseClientFor(fake), review!);
      assert.deepEqual(result, { ok: true, queues: 1, items: 1, comments: 1, differences: [] });
      assert.equal(
        formatReviewVerify(result),
        "Review verified: 1 queue, 1 queue item, 1 comment as the manifest records them",
      );
    });
  });

  it("names a removed item, a comment that is not there and what the run could not make", async () => {
    await withFakeLangfuse({}, async (fake) => {
      const { review } = await replayed(langfuseEnv(fake));
      const client = langfuseClientFor(fake);
      const item = review!.items[0];
      assert.ok(await client.deleteQueueItem(item.queueId, item.id));
      const changed = {
        ...review!,
        comments: [{ ...review!.comments[0], id: "00000000-0000-4000-8000-000000000000" }],
        failed: { "item not added: Langfuse answered HTTP 500": 2 },
      };
      const result = await verifyReview(client, changed);
      assert.equal(result.ok, false);
      assert.deepEqual(result.differences.map((d) => d.kind), ["item", "comment", "failed"]);
      assert.match(
        result.differences[0].detail,
        /SESSION conv_82d9535867844b4c8cdff is not in queue "order-status-escalations"/,
      );
      assert.match(formatReviewVerify(result), /Review verification failed: 3 differences/);
    });
  });
});
