/**
 * Verification of a run's review layer: the queues its manifest records still exist, hold the
 * recorded items (same object), and the recorded comments exist on their objects. Queues,
 * items and comments are written synchronously by Langfuse (Postgres), so one read is enough.
 * What the run could not make (the manifest's `failed`) is a difference too.
 *
 * @example
 * ```ts
 * const checked = await verifyReview(client, manifest.review);
 * console.log(formatReviewVerify(checked));
 * ```
 */
import type { RunReview } from "../report/review_report.ts";
import type { LangfuseClient } from "./client.ts";

/** One difference between the manifest's review layer and Langfuse. */
export interface ReviewDifference {
  kind: "queue" | "item" | "comment" | "failed";
  /** What is missing or wrong, for the table. */
  detail: string;
}

/** The outcome of {@link verifyReview}. */
export interface ReviewVerifyResult {
  ok: boolean;
  queues: number;
  items: number;
  comments: number;
  differences: ReviewDifference[];
}

/** Reads the manifest's queues, items and comments back; throws LangfuseApiError. */
export async function verifyReview(
  client: LangfuseClient,
  review: RunReview,
): Promise<ReviewVerifyResult> {
  const differences: ReviewDifference[] = [];
  const names = new Map(review.queues.map((q) => [q.id, q.name]));
  const gone = new Set<string>();
  if (review.queues.length > 0) {
    const there = new Map((await client.allAnnotationQueues()).map((q) => [q.id, q]));
    for (const queue of review.queues) {
      const found = there.get(queue.id);
      if (found === undefined) {
        gone.add(queue.id);
        differences.push({ kind: "queue", detail: `queue "${queue.name}" (${queue.id}) is gone` });
      } else if (found.name !== queue.name) {
        differences.push({
          kind: "queue",
          detail: `queue ${queue.id} is named "${found.name}", not "${queue.name}"`,
        });
      }
    }
  }
  for (const queueId of new Set(review.items.map((i) => i.queueId))) {
    if (gone.has(queueId)) continue;
    const there = new Map((await client.allQueueItems(queueId)).map((i) => [i.id, i]));
    for (const item of review.items.filter((i) => i.queueId === queueId)) {
      const found = there.get(item.id);
      const where = `queue "${names.get(queueId) ?? queueId}"`;
      if (found === undefined) {
        differences.push({
          kind: "item",
          detail: `${item.objectType} ${item.objectId} is not in ${where} (item ${item.id})`,
        });
      } else if (found.objectType !== item.objectType || found.objectId !== item.objectId) {
        differences.push({
          kind: "item",
          detail: `item ${item.id} of ${where} is ${found.objectType} ${found.objectId}, not ` +
            `${item.objectType} ${item.objectId}`,
        });
      }
    }
  }
  const byObject = new Map<string, RunReview["comments"]>();
  for (const comment of review.comments) {
    const key = `${comment.objectType}\n${comment.objectId}`;
    byObject.set(key, [...(byObject.get(key) ?? []), comment]);
  }
  for (const [key, comments] of byObject) {
    const [objectType, objectId] = key.split("\n");
    const there = new Set(
      (await client.allComments({ objectType, objectId })).map((c) => c.id),
    );
    for (const comment of comments) {
      if (!there.has(comment.id)) {
        differences.push({
          kind: "comment",
          detail: `comment ${comment.id} is not on ${objectType} ${objectId}`,
        });
      }
    }
  }
  for (const [reason, n] of Object.entries(review.failed)) {
    differences.push({ kind: "failed", detail: `${n} not made when the run ran: ${reason}` });
  }
  return {
    ok: differences.length === 0,
    queues: review.queues.length,
    items: review.items.length,
    comments: review.comments.length,
    differences,
  };
}

/** The lines verify prints for the review layer. */
export function formatReviewVerify(result: ReviewVerifyResult): string {
  const counts = `${plural(result.queues, "queue")}, ${plural(result.items, "queue item")}, ` +
    plural(result.comments, "comment");
  if (result.ok) return `Review verified: ${counts} as the manifest records them`;
  return [
    ...result.differences.map((d) => `  ${d.kind.padEnd(8)}  ${d.detail}`),
    `Review verification failed: ${plural(result.differences.length, "difference")} ` +
    `(manifest: ${counts})`,
  ].join("\n");
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
