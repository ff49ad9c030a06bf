/**
 * The fake Langfuse's comments (`/api/public/comments…`), as Langfuse v4.16.0 serves them
 * (fixtures/langfuse/review/README.md rules 26-30): a strict body with uppercase object types
 * and trimmed 1-5000 character content, the author checked against the organisation, then a 404
 * while the object is not visible yet (ingestion is asynchronous); the answer is only `{id}`.
 * Lists keep insertion order (Langfuse has no ORDER BY). Private to the folder.
 */
import type {
  ApiComment,
  CommentObjectType,
  CommentsResponse,
  CreateCommentResponse,
} from "../../src/langfuse/api_review_types.ts";
import type { ReviewState } from "./review_state.ts";
import {
  invalidRequest,
  iso,
  Issues,
  methodNotAllowed,
  notFound,
  objectBody,
  oneOf,
  paged,
  reviewPage,
  strictKeys,
  text,
} from "./validate.ts";

/** The comments route prefix. */
export const COMMENTS_PATH = "/api/public/comments";

const OBJECT_TYPES: readonly CommentObjectType[] = ["TRACE", "OBSERVATION", "SESSION", "PROMPT"];

/** Answers a request under {@link COMMENTS_PATH}; `rest` is the path after it. */
export function commentsRoute(
  state: ReviewState,
  method: string,
  rest: string,
  query: URLSearchParams,
  body: () => unknown,
): unknown {
  if (rest === "") {
    if (method === "POST") return createComment(state, body());
    if (method === "GET") return listComments(state, query);
    throw methodNotAllowed();
  }
  if (method !== "GET") throw methodNotAllowed();
  const id = decodeURIComponent(rest.slice(1));
  const comment = state.comments.find((c) => c.id === id);
  if (comment === undefined) throw notFound("Comment not found within authorized project");
  return { ...comment };
}

/** `POST /api/public/comments`: validated, author checked, object visible, stored (200). */
function createComment(state: ReviewState, raw: unknown): CreateCommentResponse {
  const body = objectBody(raw);
  const issues = new Issues();
  text(body, "projectId", issues);
  const content = text(body, "content", issues, { trim: true, min: 1, max: 5000 });
  const objectId = text(body, "objectId", issues);
  const objectType = oneOf(body, "objectType", OBJECT_TYPES, issues);
  const author = text(body, "authorUserId", issues, { optional: true, nullable: true });
  strictKeys(body, ["projectId", "content", "objectId", "objectType", "authorUserId"], issues);
  issues.check();
  if (author != null && !state.members.has(author)) {
    throw invalidRequest(
      "authorUserId must belong to a member of the organization that owns the authenticated project.",
    );
  }
  const visible = objectType === "PROMPT"
    ? state.prompts.some((p) => p.id === objectId)
    : state.sees(objectType!, objectId!);
  if (!visible) {
    throw notFound(
      `Reference object, ${objectType}: ${objectId} not found. Skipping comment creation.`,
    );
  }
  const at = iso(state.now());
  const comment: ApiComment = {
    id: crypto.randomUUID(),
    // The key's project, whatever the body said.
    projectId: state.projectId,
    createdAt: at,
    updatedAt: at,
    objectType: objectType!,
    objectId: objectId!,
    content: content!,
    authorUserId: author ?? null,
  };
  state.comments.push(comment);
  return { id: comment.id };
}

/** `GET /api/public/comments`: strict query, filters, insertion order. */
function listComments(state: ReviewState, query: URLSearchParams): CommentsResponse {
  const at = reviewPage(query, 50, ["objectType", "objectId", "authorUserId"]);
  const objectType = query.get("objectType");
  const objectId = query.get("objectId");
  const author = query.get("authorUserId");
  const issues = new Issues();
  if (objectType !== null) oneOf({ objectType }, "objectType", OBJECT_TYPES, issues);
  if (objectId !== null && objectType === null) {
    issues.custom(["objectType"], "objectType is required when objectId is provided");
  }
  issues.check();
  const rows = state.comments.filter((c) =>
    (objectType === null || c.objectType === objectType) &&
    (objectId === null || c.objectId === objectId) &&
    (author === null || c.authorUserId === author)
  );
  return paged(rows.map((c) => ({ ...c })), at);
}
