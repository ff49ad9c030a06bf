/**
 * The review layer's I/O, after a run's spans are acknowledged: makes the annotation queues,
 * queue items and comments of a {@link ReviewPlan} exist in Langfuse, idempotently.
 *
 * - Queues are found by name (names are unique per project) and created only when missing,
 *   with the ids of their score configs (from the resources step, else looked up by name).
 *   Cloud Hobby allows one queue: the 405 it answers is reported with what to do.
 * - Items: the queue's items are listed and only objects not in it yet are added (Langfuse
 *   does not refuse a duplicate). Langfuse does not look a queue item's object up, so items go
 *   in at once.
 * - Comments: the object's comments are listed and an identical content is not written twice.
 *   Langfuse refuses a comment (404) on an object it cannot see yet, and OTLP ingestion is
 *   asynchronous: refused comments are tried again with growing pauses until the timeout.
 *
 * Nothing throws for Langfuse's refusals: each failure is counted by its reason in `failed`.
 *
 * @example
 * ```ts
 * const review = await applyReview(client, selector.result(), { timeoutMs: 120_000 });
 * if (Object.keys(review.failed).length > 0) process.exitCode = 6;
 * ```
 */
import type { CommentPlan, QueuePlan, ReviewPlan } from "../plan/review_select.ts";
import type { RunReview } from "../run_record/schema.ts";
import { formatMs } from "../script/duration.ts";
import { LangfuseApiError } from "./api_error.ts";
import type { ApiAnnotationQueue, ApiScoreConfig } from "./api_review_types.ts";
import { isQueuePlanCap, type LangfuseClient } from "./client.ts";

/** Default {@link ApplyReviewOptions.timeoutMs}: two minutes, as verify waits. */
export const DEFAULT_REVIEW_TIMEOUT_MS = 120_000;

/** What to say when Cloud Hobby's one-queue cap refuses a queue. */
export const QUEUE_CAP_ADVICE = "Langfuse Cloud's Hobby plan allows one annotation queue and " +
  "the project has one already: name that queue in the review section (queues are reused by " +
  "name), delete it in Langfuse, or upgrade the plan";

/** Options for {@link applyReview}. */
export interface ApplyReviewOptions {
  /** Score config ids by name, as the resources step resolved them; others are looked up. */
  configIds?: ReadonlyMap<string, string>;
  /** How long comments wait for their objects to become visible; default 120 000 ms. */
  timeoutMs?: number;
  /** First pause after a refused comment; default 1 000 ms, doubling. */
  initialDelayMs?: number;
  /** Longest pause; default 15 000 ms. */
  maxDelayMs?: number;
  /** Clock in epoch ms; default `Date.now`. */
  now?: () => number;
  /** Waits between tries; default a `setTimeout` promise. */
  sleep?: (ms: number) => Promise<void>;
  /** Told after each round of comments that left some waiting. */
  progress?: (waiting: number, nextDelayMs: number) => void;
}

/** Makes the plan's queues, items and comments exist; answers what it found and made. */
export async function applyReview(
  client: LangfuseClient,
  plan: ReviewPlan,
  options: ApplyReviewOptions = {},
): Promise<RunReview> {
  const review: RunReview = { queues: [], items: [], comments: [], failed: {} };
  const fail = (reason: string, n = 1) => {
    if (n > 0) review.failed[reason] = (review.failed[reason] ?? 0) + n;
  };
  if (plan.queues.length > 0) await applyQueues(client, plan.queues, review, fail, options);
  if (plan.comments.length > 0) await applyComments(client, plan.comments, review, fail, options);
  return review;
}

type Fail = (reason: string, n?: number) => void;

/** A queue to make: its name, description and the names of the score configs reviewers fill in. */
export interface QueueDeclaration {
  name: string;
  description?: string;
  scoreConfigs: readonly string[];
}

/** A queue Langfuse would not make, or whose configs are missing; the message says which and why. */
export class QueueRefused extends Error {
  override readonly name = "QueueRefused";
}

/**
 * Creates `queue` with its score configs' ids, from `configIds` or else looked up by name through
 * `lookup`; throws {@link QueueRefused} with the reason (Cloud Hobby's cap with what to do).
 */
export async function createQueue(
  client: LangfuseClient,
  queue: QueueDeclaration,
  configIds: ReadonlyMap<string, string> | undefined,
  lookup: () => Promise<ApiScoreConfig[]>,
): Promise<ApiAnnotationQueue> {
  const refused = (reason: string) =>
    new QueueRefused(`queue "${queue.name}" not created: ${reason}`);
  try {
    const ids: string[] = [];
    for (const name of queue.scoreConfigs) {
      const id = configIds?.get(name) ?? configIdByName(await lookup(), name);
      if (id === undefined) {
        throw refused(
          `score config "${name}" does not exist in the project (the resources step creates it ` +
            "before the first span)",
        );
      }
      ids.push(id);
    }
    return await client.createAnnotationQueue({
      name: queue.name,
      ...(queue.description !== undefined ? { description: queue.description } : {}),
      scoreConfigIds: ids,
    });
  } catch (error) {
    if (error instanceof QueueRefused) throw error;
    throw refused(isQueuePlanCap(error) ? QUEUE_CAP_ADVICE : apiReason(error));
  }
}

async function applyQueues(
  client: LangfuseClient,
  queues: readonly QueuePlan[],
  review: RunReview,
  fail: Fail,
  options: ApplyReviewOptions,
): Promise<void> {
  let existing: ApiAnnotationQueue[];
  try {
    existing = await client.allAnnotationQueues();
  } catch (error) {
    const reason = apiReason(error);
    for (const queue of queues) fail(reason, 1 + queue.items.length);
    return;
  }
  let configs: Promise<ApiScoreConfig[]> | undefined;
  const lookup = () => configs ??= client.allScoreConfigs();
  for (const queue of queues) {
    let found = existing.find((q) => q.name === queue.name);
    const created = found === undefined;
    if (found === undefined) {
      try {
        found = await createQueue(client, queue, options.configIds, lookup);
      } catch (error) {
        if (!(error instanceof QueueRefused)) throw error;
        fail(error.message);
        fail(`item not added: its queue "${queue.name}" could not be made`, queue.items.length);
        continue;
      }
    }
    review.queues.push({ name: queue.name, id: found.id, objectType: queue.objectType, created });
    await applyItems(client, found.id, queue, review, fail);
  }
}

async function applyItems(
  client: LangfuseClient,
  queueId: string,
  queue: QueuePlan,
  review: RunReview,
  fail: Fail,
): Promise<void> {
  if (queue.items.length === 0) return;
  const inQueue = new Map<string, string>();
  try {
    for (const item of await client.allQueueItems(queueId)) {
      inQueue.set(`${item.objectType}:${item.objectId}`, item.id);
    }
  } catch (error) {
    fail(`item not added: ${apiReason(error)}`, queue.items.length);
    return;
  }
  for (const item of queue.items) {
    const { objectType, objectId } = item;
    const id = inQueue.get(`${objectType}:${objectId}`);
    if (id !== undefined) {
      review.items.push({ queueId, id, objectType, objectId, created: false });
      continue;
    }
    try {
      const made = await client.createQueueItem(queueId, { objectId, objectType });
      inQueue.set(`${objectType}:${objectId}`, made.id);
      review.items.push({ queueId, id: made.id, objectType, objectId, created: true });
    } catch (error) {
      fail(`item not added: ${apiReason(error)}`);
    }
  }
}

async function applyComments(
  client: LangfuseClient,
  comments: readonly CommentPlan[],
  review: RunReview,
  fail: Fail,
  options: ApplyReviewOptions,
): Promise<void> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ??
    ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const timeoutMs = options.timeoutMs ?? DEFAULT_REVIEW_TIMEOUT_MS;
  const maxDelayMs = options.maxDelayMs ?? 15_000;
  let projectId: string;
  try {
    projectId = (await client.project()).id;
  } catch (error) {
    fail(`comment not written: ${apiReason(error)}`, comments.length);
    return;
  }
  const started = now();
  let delay = options.initialDelayMs ?? 1_000;
  // First round: look for an identical comment; later rounds only retry what was refused.
  let pending = comments.map((comment) => ({ comment, listed: false, refusal: "" }));
  for (;;) {
    const waiting: typeof pending = [];
    for (const entry of pending) {
      const { objectType, objectId, content } = entry.comment;
      const trace = entry.comment.traceId ? { traceId: entry.comment.traceId } : {};
      try {
        if (!entry.listed) {
          const there = (await client.allComments({ objectType, objectId }))
            .find((c) => c.content.trim() === content);
          entry.listed = true;
          if (there !== undefined) {
            review.comments.push({ id: there.id, objectType, objectId, ...trace, created: false });
            continue;
          }
        }
        const { id } = await client.createComment({ projectId, objectType, objectId, content });
        review.comments.push({ id, objectType, objectId, ...trace, created: true });
      } catch (error) {
        if (error instanceof LangfuseApiError && error.status === 404) {
          entry.refusal = error.message;
          waiting.push(entry);
        } else fail(`comment not written: ${apiReason(error)}`);
      }
    }
    pending = waiting;
    if (pending.length === 0) return;
    if (now() - started + delay > timeoutMs) break;
    options.progress?.(pending.length, delay);
    await sleep(delay);
    delay = Math.min(delay * 2, maxDelayMs);
  }
  for (const { comment } of pending) {
    fail(
      `comment not written: Langfuse could not see the ${comment.objectType} within ` +
        `${formatMs(timeoutMs)} (it answers 404 until ingestion is done; raise --review-timeout)`,
    );
  }
}

/** Among configs of a name, the oldest one not archived (the list is newest first). */
function configIdByName(configs: readonly ApiScoreConfig[], name: string): string | undefined {
  const matching = configs.filter((c) => c.name === name && !c.isArchived);
  return matching.at(-1)?.id;
}

/** Langfuse's reason for a failed request; other errors are bugs and are rethrown. */
function apiReason(error: unknown): string {
  if (error instanceof LangfuseApiError) return error.message;
  throw error;
}
