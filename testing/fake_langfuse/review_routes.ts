/**
 * Routes the fake Langfuse's review requests (prompts, score configs, annotation queues, items
 * and assignments, comments) to their handlers, so server.ts needs one call. Private to the
 * folder.
 */
import { jsonBody } from "./http.ts";
import { COMMENTS_PATH, commentsRoute } from "./comments.ts";
import { PROMPTS_PATH, promptsRoute } from "./prompts.ts";
import { QUEUES_PATH, queuesRoute } from "./queues.ts";
import type { ReviewState } from "./review_state.ts";
import { SCORE_CONFIGS_PATH, scoreConfigsRoute } from "./score_configs.ts";

/** What {@link reviewRoute} answers for a path that is not a review route. */
export const NOT_REVIEW: unique symbol = Symbol("not a review route");

const ROUTES = [
  [PROMPTS_PATH, promptsRoute],
  [SCORE_CONFIGS_PATH, scoreConfigsRoute],
  [QUEUES_PATH, queuesRoute],
  [COMMENTS_PATH, commentsRoute],
] as const;

/** Whether `path` is a prompt route (whose auth failures carry an `error` key). */
export function isPromptPath(path: string): boolean {
  return path === PROMPTS_PATH || path.startsWith(`${PROMPTS_PATH}/`);
}

/** The answer of a review route, or {@link NOT_REVIEW}; handlers throw HttpAnswer for errors. */
export function reviewRoute(
  state: ReviewState,
  method: string,
  path: string,
  query: URLSearchParams,
  raw: Uint8Array,
): unknown {
  for (const [prefix, handler] of ROUTES) {
    if (path !== prefix && !path.startsWith(`${prefix}/`)) continue;
    return handler(state, method, path.slice(prefix.length), query, () => jsonBody(raw));
  }
  return NOT_REVIEW;
}
