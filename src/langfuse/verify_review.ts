/**
 * Verification of a run's review layer: the queues its manifest records still exist, hold the
 * recorded items (same object), and the recorded comments exist on their objects. Queues,
 * items and comments are written synchronously by Langfuse (Postgres), so one read is enough.
 * What the run could not make (the manifest's `failed`) is a difference too.
 *
 * Langfuse lists comments by one object at a time at best, and queue items only whole or one
 * by id, so the items and comments of many objects are read through whichever costs fewer
 * requests: every page of the listing, or one read per object (`_listing_reads.ts`). For a
 * sample of the run, give `reviewOfSessions(review, sample)`: only its objects are read.
 *
 * @example
 * ```ts
 * const checked = await verifyReview(client, manifest.review);
 * console.log(formatReviewVerify(checked));
 * ```
 */
import type { RunReview } from "../run_record/schema.ts";
import type { ApiAnnotationQueueItem, ApiComment } from "./api_review_types.ts";
import type { LangfuseClient } from "./client.ts";
import { readGroups } from "./_listing_reads.ts";
import { phaseOf, type ReadProgress } from "./read_progress.ts";

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

/** Options for {@link verifyReview}. */
export interface VerifyReviewOptions {
  /** Progress of long reads; default none. */
  progress?: ReadProgress;
}

/** Reads the manifest's queues, items and comments back; throws LangfuseApiError. */
export async function verifyReview(
  client: LangfuseClient,
  review: RunReview,
  options: VerifyReviewOptions = {},
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

  const itemPhase = phaseOf(options.progress, "queue items", review.items.length);
  let itemsRead = 0;
  for (const queueId of new Set(review.items.map((i) => i.queueId))) {
    const items = review.items.filter((i) => i.queueId === queueId);
    if (gone.has(queueId)) {
      itemsRead += items.length;
      continue;
    }
    const there = await readGroups<ApiAnnotationQueueItem>(
      {
        page: (n) => client.queueItemsPage(queueId, n),
        group: async (id) => {
          const item = await client.queueItem(queueId, id);
          return item === undefined ? [] : [item];
        },
        groupOf: (item) => item.id,
      },
      items.map((i) => i.id),
      {
        complete: (_, rows) => rows.length > 0,
        onRead: (settled) => itemPhase.at(itemsRead + settled.length),
      },
    );
    itemsRead += items.length;
    for (const item of items) {
      const found = there.get(item.id)?.[0];
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
  itemPhase.end();

  const commentPhase = phaseOf(options.progress, "comments", review.comments.length);
  let commentsRead = 0;
  for (const objectType of new Set(review.comments.map((c) => c.objectType))) {
    const comments = review.comments.filter((c) => c.objectType === objectType);
    const wanted = new Map<string, string[]>();
    for (const c of comments) wanted.set(c.objectId, [...(wanted.get(c.objectId) ?? []), c.id]);
    const count = (objects: readonly string[]) =>
      objects.reduce((sum, id) => sum + (wanted.get(id)?.length ?? 0), 0);
    const there = await readGroups<ApiComment>(
      {
        page: (n) => client.commentsPage({ objectType }, n),
        group: (objectId) => client.allComments({ objectType, objectId }),
        groupOf: (comment) => comment.objectId,
      },
      [...wanted.keys()],
      {
        complete: (objectId, rows) =>
          wanted.get(objectId)!.every((id) => rows.some((comment) => comment.id === id)),
        onRead: (settled) => commentPhase.at(commentsRead + count(settled)),
      },
    );
    commentsRead += comments.length;
    for (const comment of comments) {
      if (!there.get(comment.objectId)?.some((c) => c.id === comment.id)) {
        differences.push({
          kind: "comment",
          detail: `comment ${comment.id} is not on ${objectType} ${comment.objectId}`,
        });
      }
    }
  }
  commentPhase.end();

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

/** The lines verify prints for the review layer; `sampled`: of a sample's objects only. */
export function formatReviewVerify(
  result: ReviewVerifyResult,
  options: { sampled?: boolean } = {},
): string {
  const counts = `${plural(result.queues, "queue")}, ${plural(result.items, "queue item")}, ` +
    plural(result.comments, "comment") + (options.sampled ? " of the sampled sessions" : "");
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
