/**
 * Purging a run's review layer: deletes the queue items its manifest records (also those an
 * earlier identical run had added: they are on this run's objects). Comments stay: Langfuse
 * v4.16.0's public API has no way to delete a comment (`/api/public/comments` answers GET and
 * POST, `/api/public/comments/{id}` only GET; deleting is the UI's), and deleting a trace does
 * not delete its comments. Queues, score configs and prompts stay too: they are shared.
 *
 * @example
 * ```ts
 * const { deleted, gone } = await purgeReview(client, run.review);
 * ```
 */
import type { RunReview } from "../run_record/schema.ts";
import type { LangfuseClient } from "./client.ts";

/** Why comments stay after a purge, for the user. */
export const COMMENTS_STAY = "Langfuse's public API cannot delete comments (v4.16.0 has no " +
  "DELETE for /api/public/comments); delete them in the Langfuse UI if they must go";

/** What {@link purgeReview} did. */
export interface ReviewPurgeResult {
  /** Queue items deleted. */
  deleted: number;
  /** Queue items Langfuse no longer had (404). */
  gone: number;
  /** Comments left in Langfuse (see {@link COMMENTS_STAY}). */
  commentsKept: number;
}

/** Deletes the review's queue items one by one; throws LangfuseApiError. */
export async function purgeReview(
  client: LangfuseClient,
  review: RunReview,
): Promise<ReviewPurgeResult> {
  const result: ReviewPurgeResult = { deleted: 0, gone: 0, commentsKept: review.comments.length };
  const seen = new Set<string>();
  for (const item of review.items) {
    if (seen.has(item.id)) continue;
    seen.add(item.id);
    if (await client.deleteQueueItem(item.queueId, item.id)) result.deleted++;
    else result.gone++;
  }
  return result;
}
