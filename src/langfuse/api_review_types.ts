/**
 * The shapes of Langfuse's review-side public API (prompts, score configs, annotation queues and
 * their items, comments) as Langfuse v4.16.0's route handlers put them on the wire; recorded in
 * `fixtures/langfuse/review/` (its README cites the server files and lists where the Fern
 * definition differs; the server wins). Times are ISO 8601 strings; ids are strings.
 */
import type { JsonValue, PageMeta } from "./api_types.ts";

/** A chat prompt's message: a role and its content. */
export interface ChatMessage {
  role: string;
  content: string;
}

/** A chat prompt's placeholder, filled with a list of messages at compile time. */
export interface ChatPlaceholder {
  type: "placeholder";
  /** `^[a-zA-Z][a-zA-Z0-9_]*$`. */
  name: string;
}

/** One entry of a chat prompt. */
export type ChatPromptEntry = ChatMessage | ChatPlaceholder;

/** The fields every prompt version has (prompt_text_get.json, prompt_chat_get_version.json). */
interface ApiPromptBase {
  id: string;
  createdAt: string;
  updatedAt: string;
  projectId: string;
  /** "API" for versions created through the public API. */
  createdBy: string;
  name: string;
  /** From 1, assigned by the server (highest + 1). */
  version: number;
  /** GET: whether `labels` holds "production"; null in the POST answer. */
  isActive: boolean | null;
  /** `{}` when none was given. */
  config: JsonValue;
  /** The same on every version of a name. */
  tags: string[];
  /** At most one version of a name holds a label; the newest holds "latest". */
  labels: string[];
  commitMessage: string | null;
  /** GET only (null without prompt dependencies); absent in the POST answer. */
  resolutionGraph?: Record<string, JsonValue> | null;
}

/** A text prompt version. */
export interface ApiTextPrompt extends ApiPromptBase {
  type: "text";
  prompt: string;
}

/** A chat prompt version. */
export interface ApiChatPrompt extends ApiPromptBase {
  type: "chat";
  prompt: ChatPromptEntry[];
}

/** A prompt version: `GET /api/public/v2/prompts/{name}` (200), `POST /api/public/v2/prompts` (201). */
export type ApiPrompt = ApiTextPrompt | ApiChatPrompt;

/** The fields both create bodies share. */
interface CreatePromptBase {
  /** Not empty, no `|`, no leading/trailing `/`, no `//`; slashes make folders. */
  name: string;
  /** Any JSON value but null; default `{}`. */
  config?: JsonValue;
  /** Lowercase `[a-z0-9_.-]`, 1-36 characters each; "latest" is added by the server. */
  labels?: string[];
  /** Replaces the tags of every version; left out, the latest version's tags are kept. */
  tags?: string[] | null;
  /** At most 500 characters. */
  commitMessage?: string | null;
}

/** `POST /api/public/v2/prompts` for a text prompt (`type` may be left out). */
export interface CreateTextPromptRequest extends CreatePromptBase {
  type?: "text";
  prompt: string;
}

/** `POST /api/public/v2/prompts` for a chat prompt. */
export interface CreateChatPromptRequest extends CreatePromptBase {
  type: "chat";
  prompt: ChatPromptEntry[];
}

/** The body of `POST /api/public/v2/prompts`. */
export type CreatePromptRequest = CreateTextPromptRequest | CreateChatPromptRequest;

/** One name of `GET /api/public/v2/prompts` (prompts_list.json). */
export interface ApiPromptMeta {
  name: string;
  tags: string[];
  lastUpdatedAt: string;
  /** Ascending. */
  versions: number[];
  /** Distinct, ascending. */
  labels: string[];
  type: "text" | "chat";
  lastConfig: JsonValue;
}

/** `GET /api/public/v2/prompts`: `pagination` repeats `meta` (kept for backward compatibility). */
export interface PromptsListResponse {
  data: ApiPromptMeta[];
  meta: PageMeta;
  pagination: PageMeta;
}

/** The data types a score config can have. */
export type ScoreConfigDataType = "NUMERIC" | "CATEGORICAL" | "BOOLEAN" | "TEXT";

/** A category of a CATEGORICAL (or generated BOOLEAN) config. */
export interface ConfigCategory {
  label: string;
  value: number;
}

/** A score config (score_config_created.json); every key is present, unset ones null. */
export interface ApiScoreConfig {
  id: string;
  name: string;
  isArchived: boolean;
  description: string | null;
  createdAt: string;
  updatedAt: string;
  projectId: string;
  maxValue: number | null;
  minValue: number | null;
  dataType: ScoreConfigDataType;
  /** null for NUMERIC and TEXT; True = 1, False = 0 for BOOLEAN. */
  categories: ConfigCategory[] | null;
}

/** `POST /api/public/score-configs`; names (1-35 characters) are not unique. */
export interface CreateScoreConfigRequest {
  name: string;
  dataType: ScoreConfigDataType;
  /** CATEGORICAL only (required there); labels and values unique. */
  categories?: ConfigCategory[];
  /** NUMERIC (and accepted on BOOLEAN). */
  minValue?: number;
  /** NUMERIC (and accepted on BOOLEAN); greater than `minValue`. */
  maxValue?: number;
  description?: string | null;
}

/** `GET /api/public/score-configs`. */
export interface ScoreConfigsResponse {
  data: ApiScoreConfig[];
  meta: PageMeta;
}

/** What a queue item, or a comment, can point at. */
export type AnnotationObjectType = "TRACE" | "OBSERVATION" | "SESSION";

/** A queue item's status. */
export type AnnotationQueueStatus = "PENDING" | "COMPLETED";

/** An annotation queue (annotation_queue_created.json); no `projectId`. */
export interface ApiAnnotationQueue {
  id: string;
  name: string;
  description: string | null;
  scoreConfigIds: string[];
  createdAt: string;
  updatedAt: string;
}

/** `POST /api/public/annotation-queues` (strict body; names unique per project). */
export interface CreateAnnotationQueueRequest {
  name: string;
  description?: string | null;
  /** At least one, each a score config of the project. */
  scoreConfigIds: string[];
}

/** `GET /api/public/annotation-queues`. */
export interface AnnotationQueuesResponse {
  data: ApiAnnotationQueue[];
  meta: PageMeta;
}

/** An item of a queue (annotation_queue_item_created.json). */
export interface ApiAnnotationQueueItem {
  id: string;
  queueId: string;
  objectId: string;
  objectType: AnnotationObjectType;
  status: AnnotationQueueStatus;
  /** null until completed; kept when patched back to PENDING. */
  completedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** `POST /api/public/annotation-queues/{queueId}/items` (strict; the object is not looked up). */
export interface CreateAnnotationQueueItemRequest {
  objectId: string;
  objectType: AnnotationObjectType;
  /** Default PENDING. */
  status?: AnnotationQueueStatus;
}

/** `PATCH /api/public/annotation-queues/{queueId}/items/{itemId}` (strict). */
export interface UpdateAnnotationQueueItemRequest {
  status?: AnnotationQueueStatus;
}

/** `GET /api/public/annotation-queues/{queueId}/items`. */
export interface AnnotationQueueItemsResponse {
  data: ApiAnnotationQueueItem[];
  meta: PageMeta;
}

/** `DELETE /api/public/annotation-queues/{queueId}/items/{itemId}`. */
export interface DeleteAnnotationQueueItemResponse {
  success: boolean;
  message: string;
}

/** What a comment can point at: uppercase only. PROMPT takes a prompt id, not a name. */
export type CommentObjectType = AnnotationObjectType | "PROMPT";

/** A comment (comment_get.json). */
export interface ApiComment {
  id: string;
  projectId: string;
  createdAt: string;
  updatedAt: string;
  objectType: CommentObjectType;
  objectId: string;
  content: string;
  authorUserId: string | null;
}

/** `POST /api/public/comments` (strict body). */
export interface CreateCommentRequest {
  /** Required but ignored: the key's project is used. */
  projectId: string;
  objectType: CommentObjectType;
  objectId: string;
  /** Trimmed, then 1-5000 characters. */
  content: string;
  /** A member of the project's organisation, or null. */
  authorUserId?: string | null;
}

/** The answer of `POST /api/public/comments`: the id only. */
export interface CreateCommentResponse {
  id: string;
}

/** `GET /api/public/comments` (no defined order). */
export interface CommentsResponse {
  data: ApiComment[];
  meta: PageMeta;
}

/** The 405 message of a queue create refused by the Cloud Hobby plan's one-queue cap. */
export const QUEUE_PLAN_CAP_MESSAGE = "Maximum number of annotation queues reached on Hobby plan.";

/** Largest page of the review endpoints' lists (`limit` 1-100). */
export const MAX_REVIEW_PAGE_LIMIT = 100;
