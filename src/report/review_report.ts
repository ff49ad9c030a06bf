/**
 * What the review layer made of a run, as the manifest (`RunReport.review`) and the load report
 * record it, and how it is printed. Pure.
 */

import type { RunReview } from "../run_record/schema.ts";

/** The run's annotation queues, queue items and comments (the run record schema's type). */
export type { RunReview };

/** Local facts printed with the review, never sent: the planted share of each queue. */
export interface ReviewMix {
  /** Queue name -> [items selected, of them with a planted finding]. */
  planted: Record<string, [number, number]>;
}

/** Lines on what became of the review layer, under `prefix` (e.g. "  review    "). */
export function formatReview(review: RunReview, prefix: string, mix?: ReviewMix): string {
  const pad = prefix.replace(/\S/g, " ");
  const lines: string[] = [];
  for (const queue of review.queues) {
    const items = review.items.filter((i) => i.queueId === queue.id);
    const added = items.filter((i) => i.created).length;
    const planted = mix?.planted[queue.name];
    lines.push(
      `queue "${queue.name}" (${queue.created ? "created" : "reused"}, ${queue.objectType}): ` +
        `${items.length} item${items.length === 1 ? "" : "s"}, ${added} added` +
        (planted && planted[1] > 0 ? `, ${planted[1]} of ${planted[0]} with planted findings` : ""),
    );
  }
  if (review.comments.length > 0) {
    const added = review.comments.filter((c) => c.created).length;
    lines.push(
      `${review.comments.length} comment${review.comments.length === 1 ? "" : "s"}, ` +
        `${added} added`,
    );
  }
  for (const [reason, n] of Object.entries(review.failed)) lines.push(`${n} failed: ${reason}`);
  if (review.notMade) {
    const { items, comments, reason } = review.notMade;
    lines.push(
      `not made: ${items} queue item${items === 1 ? "" : "s"} and ${comments} comment${
        comments === 1 ? "" : "s"
      } selected, not sent: ${reason}`,
    );
  }
  if (lines.length === 0) lines.push("nothing selected");
  return lines.map((line, i) => `${i === 0 ? prefix : pad}${line}`).join("\n");
}

/** How many things failed. */
export function reviewFailures(review: RunReview | undefined): number {
  return Object.values(review?.failed ?? {}).reduce((sum, n) => sum + n, 0);
}

/** Score config ids by name from the manifest's `resources`, for the queues to name. */
export function configIdsOf(
  resources: { scoreConfigs: { name: string; id: string }[] } | undefined,
): Map<string, string> {
  return new Map((resources?.scoreConfigs ?? []).map((c) => [c.name, c.id]));
}

/**
 * The part of `review` on the objects of `sessions` (a sample of the run): their items and
 * comments, every queue, and what failed. An observation's comment counts when its trace is one
 * of theirs; one without a recorded trace (an older manifest) is left out.
 */
export function reviewOfSessions(
  review: RunReview,
  sessions: readonly { sessionId: string; traces: readonly { traceId: string }[] }[],
): RunReview {
  const ids = new Set(sessions.flatMap((s) => [s.sessionId, ...s.traces.map((t) => t.traceId)]));
  const ours = (o: { objectType: string; objectId: string; traceId?: string }) =>
    o.objectType === "OBSERVATION"
      ? o.traceId !== undefined && ids.has(o.traceId)
      : ids.has(o.objectId);
  return {
    ...review,
    items: review.items.filter(ours),
    comments: review.comments.filter(ours),
  };
}
