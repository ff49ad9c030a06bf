/**
 * The fake Langfuse's annotation queues, their items and assignments
 * (`/api/public/annotation-queues…`), as Langfuse v4.16.0 serves them
 * (fixtures/langfuse/review/README.md rules 18-24): strict bodies and queries, names unique per
 * project (400), at least one existing score config, the Cloud Hobby one-queue cap (405), items
 * whose object is not looked up and may repeat, POSTs answering 200, lists newest first.
 * Private to the folder.
 */
import {
  type AnnotationObjectType,
  type AnnotationQueueItemsResponse,
  type AnnotationQueueStatus,
  type ApiAnnotationQueue,
  type ApiAnnotationQueueItem,
  QUEUE_PLAN_CAP_MESSAGE,
} from "../../src/langfuse/api_review_types.ts";
import type { QueueAssignment, ReviewState } from "./review_state.ts";
import {
  compareText,
  cuid,
  invalidRequest,
  iso,
  Issues,
  LangfuseAnswer,
  methodNotAllowed,
  notFound,
  objectBody,
  oneOf,
  paged,
  reviewPage,
  strictKeys,
  text,
} from "./validate.ts";

/** The queues route prefix. */
export const QUEUES_PATH = "/api/public/annotation-queues";

const OBJECT_TYPES: readonly AnnotationObjectType[] = ["TRACE", "OBSERVATION", "SESSION"];
const STATUSES: readonly AnnotationQueueStatus[] = ["PENDING", "COMPLETED"];
const QUEUE_NOT_FOUND = "Annotation queue not found";
const ITEM_NOT_FOUND = "Annotation queue item not found";

/** Answers a request under {@link QUEUES_PATH}; `rest` is the path after it. */
export function queuesRoute(
  state: ReviewState,
  method: string,
  rest: string,
  query: URLSearchParams,
  body: () => unknown,
): unknown {
  if (rest === "") {
    if (method === "POST") return createQueue(state, body());
    if (method === "GET") {
      return paged(newestFirst(state.queues).map(queueAnswer), reviewPage(query, 50, []));
    }
    throw methodNotAllowed();
  }
  const [rawId, sub, rawItemId, ...more] = rest.slice(1).split("/");
  if (more.length > 0) throw notFound(`No route for ${QUEUES_PATH}${rest}`);
  const queueId = decodeURIComponent(rawId);
  const allowed = sub === undefined
    ? ["GET"]
    : sub === "items"
    ? rawItemId === undefined ? ["GET", "POST"] : ["GET", "PATCH", "DELETE"]
    : sub === "assignments" && rawItemId === undefined
    ? ["POST", "DELETE"]
    : undefined;
  if (allowed === undefined) throw notFound(`No route for ${QUEUES_PATH}${rest}`);
  if (!allowed.includes(method)) throw methodNotAllowed();
  if (method === "GET" && rawItemId === undefined) {
    reviewPage(query, 50, sub === "items" ? ["status"] : []);
  }
  const queue = state.queues.find((q) => q.id === queueId);
  if (queue === undefined) throw notFound(QUEUE_NOT_FOUND);
  if (sub === undefined) return queueAnswer(queue);
  if (sub === "assignments") return assignment(state, queue, method, body());
  if (rawItemId === undefined) {
    return method === "POST" ? createItem(state, queue, body()) : listItems(state, queue, query);
  }
  return itemRoute(state, queue, decodeURIComponent(rawItemId), method, body);
}

/** `POST /api/public/annotation-queues`: checks in Langfuse's order, then stores (200). */
function createQueue(state: ReviewState, raw: unknown): ApiAnnotationQueue {
  const body = objectBody(raw);
  const issues = new Issues();
  const name = text(body, "name", issues);
  const description = text(body, "description", issues, { optional: true, nullable: true });
  const ids = body.scoreConfigIds;
  if (!Array.isArray(ids)) issues.type(["scoreConfigIds"], "array", ids);
  else {
    ids.forEach((id, i) => {
      if (typeof id !== "string") issues.type(["scoreConfigIds", i], "string", id);
    });
    if (ids.length < 1) {
      issues.add("too_small", ["scoreConfigIds"], "Too small: expected array to have >=1 items", {
        origin: "array",
        minimum: 1,
        inclusive: true,
      });
    }
  }
  strictKeys(body, ["name", "description", "scoreConfigIds"], issues);
  issues.check();
  if (state.plan === "cloud:hobby" && state.queues.length >= 1) {
    throw new LangfuseAnswer(405, QUEUE_PLAN_CAP_MESSAGE, "MethodNotAllowedError");
  }
  const configIds = ids as string[];
  if (!configIds.every((id) => state.scoreConfigs.some((c) => c.id === id))) {
    throw invalidRequest(
      "At least one of the score config IDs cannot be found for the given project.",
    );
  }
  if (state.queues.some((q) => q.name === name)) {
    throw invalidRequest("A queue with this name already exists.");
  }
  const at = iso(state.now());
  const queue: ApiAnnotationQueue = {
    id: cuid(state.now()),
    name: name!,
    description: description ?? null,
    scoreConfigIds: [...configIds],
    createdAt: at,
    updatedAt: at,
  };
  state.queues.push(queue);
  return queueAnswer(queue);
}

/** `POST …/{queueId}/items`: any object id, duplicates allowed (200). */
function createItem(
  state: ReviewState,
  queue: ApiAnnotationQueue,
  raw: unknown,
): ApiAnnotationQueueItem {
  const body = objectBody(raw);
  const issues = new Issues();
  const objectId = text(body, "objectId", issues);
  const objectType = oneOf(body, "objectType", OBJECT_TYPES, issues);
  const status = oneOf(body, "status", STATUSES, issues, true) ?? "PENDING";
  strictKeys(body, ["objectId", "objectType", "status"], issues);
  issues.check();
  const at = iso(state.now());
  const item: ApiAnnotationQueueItem = {
    id: cuid(state.now()),
    queueId: queue.id,
    objectId: objectId!,
    objectType: objectType!,
    status,
    completedAt: status === "COMPLETED" ? at : null,
    createdAt: at,
    updatedAt: at,
  };
  state.items.push(item);
  return { ...item };
}

/** `GET …/{queueId}/items`: optional status filter, newest first. */
function listItems(
  state: ReviewState,
  queue: ApiAnnotationQueue,
  query: URLSearchParams,
): AnnotationQueueItemsResponse {
  const at = reviewPage(query, 50, ["status"]);
  const status = query.get("status");
  if (status !== null) {
    const issues = new Issues();
    oneOf({ status }, "status", STATUSES, issues);
    issues.check();
  }
  const rows = newestFirst(state.items).filter((item) =>
    item.queueId === queue.id && (status === null || item.status === status)
  );
  return paged(rows.map((item) => ({ ...item })), at);
}

/** GET, PATCH `{status?}` and DELETE of one item of the queue. */
function itemRoute(
  state: ReviewState,
  queue: ApiAnnotationQueue,
  itemId: string,
  method: string,
  rawBody: () => unknown,
): unknown {
  let body: Record<string, unknown> = {};
  let status: AnnotationQueueStatus | undefined;
  if (method === "PATCH") {
    body = objectBody(rawBody());
    const issues = new Issues();
    status = oneOf(body, "status", STATUSES, issues, true);
    strictKeys(body, ["status"], issues);
    issues.check();
  }
  const index = state.items.findIndex((i) => i.id === itemId && i.queueId === queue.id);
  if (index < 0) throw notFound(ITEM_NOT_FOUND);
  const item = state.items[index];
  if (method === "GET") return { ...item };
  if (method === "DELETE") {
    state.items.splice(index, 1);
    return { success: true, message: "Annotation queue item deleted successfully" };
  }
  const at = iso(state.now());
  if (status !== undefined) {
    item.status = status;
    // Back to PENDING keeps the old completedAt, as Langfuse does.
    if (status === "COMPLETED") item.completedAt = at;
  }
  item.updatedAt = at;
  return { ...item };
}

/** POST (upsert) and DELETE `{userId}` of a queue assignment. */
function assignment(
  state: ReviewState,
  queue: ApiAnnotationQueue,
  method: string,
  raw: unknown,
): unknown {
  const body = objectBody(raw);
  const issues = new Issues();
  const userId = text(body, "userId", issues);
  strictKeys(body, ["userId"], issues);
  issues.check();
  const index = state.assignments.findIndex((a) => a.queueId === queue.id && a.userId === userId);
  if (method === "DELETE") {
    if (index >= 0) state.assignments.splice(index, 1);
    return { success: true };
  }
  if (!state.members.has(userId!)) {
    throw notFound("User not found or not authorized for this project");
  }
  const row: QueueAssignment = { userId: userId!, projectId: state.projectId, queueId: queue.id };
  if (index < 0) state.assignments.push(row);
  return { ...row };
}

/** A queue as the API answers it: exactly its six keys. */
function queueAnswer(queue: ApiAnnotationQueue): ApiAnnotationQueue {
  return {
    id: queue.id,
    name: queue.name,
    description: queue.description,
    scoreConfigIds: [...queue.scoreConfigIds],
    createdAt: queue.createdAt,
    updatedAt: queue.updatedAt,
  };
}

/** `createdAt desc, id desc`. */
function newestFirst<T extends { createdAt: string; id: string }>(rows: readonly T[]): T[] {
  return [...rows].sort((a, b) => compareText(b.createdAt, a.createdAt) || compareText(b.id, a.id));
}
