/**
 * A fake Langfuse on 127.0.0.1 for tests: it ingests OTLP like `/api/public/otel/v1/traces`
 * and serves the public read API built from what it received, as a v4 server (cursor-paged
 * `/api/public/v2/observations`, `/api/public/v3/scores`) or a v3 one (`/api/public/traces`,
 * `/api/public/sessions/{id}`, v1 `/api/public/observations`, `/api/public/v2/scores`). Scores
 * and trace deletes are recorded; deleting a trace deletes its scores, as Langfuse does. Test
 * switches: late visibility (an ingestion delay), a lost trace or a share of lost traces
 * (accepted, never readable: langfuse/langfuse#16112), mutated data, rate limiting, deletes that
 * take effect late or never (answered 200 all the same, langfuse/langfuse#17554).
 *
 * @example
 * ```ts
 * const fake = await startFakeLangfuse({ mode: "v3", visibleAfterMs: 500 });
 * // send OTLP to `${fake.url}/api/public/otel/v1/traces`, then read back with LangfuseClient
 * await fake.close();
 * ```
 */
import { createServer, type IncomingMessage } from "node:http";
import type { ReceivedSpan } from "../../src/otlp/decode.ts";
import {
  checkBasicAuth,
  closeServer,
  type KeyPair,
  listenOnLoopback,
  readBody,
} from "../../src/http/loopback.ts";
import { annotationScore, type FakeAnnotation } from "./annotations.ts";
import { jsonBody, send } from "./http.ts";
import { ingestBatch, WithStatus } from "./ingestion.ts";
import { FakeLimiter, type FakeRateLimits, RateLimitAnswer, resourceOf } from "./limits.ts";
import { observationsV1Page, scoresV2Page, scoresV3Page } from "./pages.ts";
import { checkProjectsMethod, PROJECTS_PATH, projectsAnswer } from "./projects.ts";
import { HttpAnswer, observationsPage, sessionAnswer, traceAnswer, tracesPage } from "./reads.ts";
import type { StoredScore } from "./types.ts";
import type { StoredSpan, ViewFacts } from "./views.ts";
import { dropTraces, ingest, score, traceIdsToDelete } from "./writes.ts";
import { type FakePlan, newReviewState } from "./review_state.ts";
import { isPromptPath, NOT_REVIEW, reviewRoute } from "./review_routes.ts";
import { LangfuseAnswer } from "./validate.ts";
import { promptLink } from "./prompt_link.ts";
import { interpretSpans } from "../../src/langfuse/ingestion/view.ts";
import { hash32 } from "../../src/plan/random.ts";
import type {
  ApiAnnotationQueue,
  ApiAnnotationQueueItem,
  ApiComment,
  ApiPrompt,
  ApiScoreConfig,
} from "../../src/langfuse/api_review_types.ts";

export type { KeyPair } from "../../src/http/loopback.ts";
export type { StoredScore } from "./types.ts";
export type { FakeAnnotation } from "./annotations.ts";
export { type FakeRateLimits, HOBBY_LIMITS } from "./limits.ts";
export type { FakePlan } from "./review_state.ts";

/** The fake's project id by default: a cuid, as Langfuse's are (Prisma `@default(cuid())`). */
export const FAKE_PROJECT_ID = "cmfakeproj0001ab12c3d4e5f";

/** Which read API the fake serves. */
export type FakeMode = "v4" | "v3";

/** Options for {@link startFakeLangfuse}. */
export interface FakeLangfuseOptions {
  /** Read API to serve; default "v4". */
  mode?: FakeMode;
  /** Keys to demand; default { publicKey: "pk-lf-fake", secretKey: "sk-lf-fake" }. */
  keys?: KeyPair;
  /** Data becomes readable only this long after it arrived (async ingestion); default 0. */
  visibleAfterMs?: number;
  /**
   * This share (0 to 1) of the traces received is lost: ingest answers 200, reads never show
   * them. Chosen by trace id (the same ids are lost on every run); default 0.
   */
  loseShare?: number;
  /** Answer every Nth read (GET) request with 429 and Retry-After; default 0 (never). */
  rateLimitEvery?: number;
  /** Retry-After seconds on those 429s; default 1. */
  retryAfterSeconds?: number;
  /** Langfuse Cloud's budgets per resource, e.g. HOBBY_LIMITS; default none (self-hosted). */
  rateLimits?: FakeRateLimits;
  /** Put X-RateLimit-* on accepted answers too (Langfuse v4.16.0 sends them only on 429s); default false. */
  announceRateLimits?: boolean;
  /** Clock in epoch ms, for visibility; default `Date.now`. */
  now?: () => number;
  /** Project id in responses; default {@link FAKE_PROJECT_ID}. */
  projectId?: string;
  /** Name of the keys' project in `GET /api/public/projects`; default "staging-demo". */
  projectName?: string;
  /** The key's plan: "cloud:hobby" allows one annotation queue; default "oss" (no cap). */
  plan?: FakePlan;
  /** User ids of the organisation's members (comment authors, queue assignees); default none. */
  members?: readonly string[];
  /** A trace delete takes effect this long after Langfuse answered it (a queued job); default 0. */
  deleteAfterMs?: number;
  /** Answer the reads of observations and traces this late (a loaded ClickHouse); default 0. */
  slowReadsMs?: number;
}

/** One request as the fake answered it. */
export interface FakeRequest {
  method: string;
  /** Path and query as sent. */
  path: string;
  status: number;
}

/** A running fake Langfuse. */
export interface FakeLangfuse {
  /** Base URL, e.g. http://127.0.0.1:41234; OTLP goes to `${url}/api/public/otel/v1/traces`. */
  readonly url: string;
  readonly mode: FakeMode;
  readonly keys: KeyPair;
  /** Spans stored (lost ones included, deleted ones not), unmutated, in arrival order. */
  readonly spans: ReceivedSpan[];
  /** Every request in arrival order. */
  readonly requests: FakeRequest[];
  /** Scores by id, in first-post order; re-posting an id replaces it. */
  readonly scores: StoredScore[];
  /** Trace ids asked to be deleted, in request order (taken effect or not). */
  readonly deletedTraceIds: string[];
  /** Every prompt version, in creation order (copies). */
  readonly prompts: readonly ApiPrompt[];
  /** Score configs, in creation order (copies). */
  readonly scoreConfigs: readonly ApiScoreConfig[];
  /** Annotation queues, in creation order (copies). */
  readonly annotationQueues: readonly ApiAnnotationQueue[];
  /** Items of every queue, in creation order, deleted ones not (copies). */
  readonly queueItems: readonly ApiAnnotationQueueItem[];
  /** Comments, in creation order (copies). */
  readonly comments: readonly ApiComment[];
  /** How many scores with a `configId` were dropped for not fitting their config (rule 34). */
  readonly droppedScores: number;
  /** Silently drops a trace: ingest answers 200, reads never show it. */
  loseTrace(traceId: string): void;
  /** The traces lost (by `loseTrace` or `loseShare`) that were received, in arrival order. */
  readonly lostTraceIds: string[];
  /** A trace whose delete is answered 200 but never takes effect (langfuse/langfuse#17554). */
  ignoreDeletes(traceId: string): void;
  /** Changes what reads show, e.g. `(span) => { span.attributes[TRACE.tags] = ["x"]; }`. */
  mutate(fn: (span: ReceivedSpan) => void): void;
  /**
   * Stores a reviewer's annotation as Langfuse's UI writes it (source ANNOTATION, authorUserId
   * the reviewer, named after its score config); answers the stored score. See annotations.ts.
   */
  annotate(annotation: FakeAnnotation): StoredScore;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

const OTLP_PATH = "/api/public/otel/v1/traces";
const V2_OBSERVATIONS = "/api/public/v2/observations";
const TRACES = "/api/public/traces";
const SESSIONS = "/api/public/sessions/";
const SCORES = "/api/public/scores";
const INGESTION = "/api/public/ingestion";
const V1_OBSERVATIONS = "/api/public/observations";
const V2_SCORES = "/api/public/v2/scores";
const V3_SCORES = "/api/public/v3/scores";

/** Starts a fake Langfuse on loopback. */
export async function startFakeLangfuse(options: FakeLangfuseOptions = {}): Promise<FakeLangfuse> {
  const mode = options.mode ?? "v4";
  const keys = options.keys ?? { publicKey: "pk-lf-fake", secretKey: "sk-lf-fake" };
  const now = options.now ?? Date.now;
  const visibleAfterMs = options.visibleAfterMs ?? 0;
  const facts = { projectId: options.projectId ?? FAKE_PROJECT_ID };
  const stored: StoredSpan[] = [];
  const lost = new Set<string>();
  const loseShare = options.loseShare ?? 0;
  // A trace is lost by its id alone, so whether it is does not depend on when it arrived.
  const isLost = (traceId: string) =>
    lost.has(traceId) || (loseShare > 0 && hash32(`lost:${traceId}`) / 2 ** 32 < loseShare);
  const mutations: ((span: ReceivedSpan) => void)[] = [];
  const scores = new Map<string, { score: StoredScore; receivedMs: number }>();
  const requests: FakeRequest[] = [];
  const deletedTraceIds: string[] = [];
  // Deletes answered but not yet taken effect, as Langfuse's deletion queue holds them.
  const queuedDeletes: { ids: string[]; atMs: number }[] = [];
  const ignored = new Set<string>();
  const applyDeletes = () => {
    const at = now();
    for (let i = queuedDeletes.length - 1; i >= 0; i--) {
      if (queuedDeletes[i].atMs > at) continue;
      dropTraces(queuedDeletes[i].ids, stored, scores);
      queuedDeletes.splice(i, 1);
    }
  };
  let reads = 0;
  const limiter = new FakeLimiter(options.rateLimits ?? {}, now, options.announceRateLimits);
  let announced: Record<string, string> = {};
  const review = newReviewState({
    projectId: facts.projectId,
    plan: options.plan ?? "oss",
    members: new Set(options.members ?? []),
    now,
    sees(type, id) {
      const spans = visible();
      if (type === "TRACE") return spans.some((s) => s.span.traceId === id);
      if (type === "OBSERVATION") return spans.some((s) => s.span.spanId === id);
      return interpretSpans(spans.map((s) => s.span)).traces.some((t) => t.sessionId === id);
    },
  });

  const visible = (): StoredSpan[] => {
    const at = now();
    return stored
      .filter((s) => at - s.receivedMs >= visibleAfterMs && !isLost(s.span.traceId))
      .map((s) => ({ ...s, span: mutated(s.span, mutations) }));
  };
  const visibleScores = (): { score: StoredScore; receivedMs: number }[] => {
    const at = now();
    return [...scores.values()].filter((s) => at - s.receivedMs >= visibleAfterMs);
  };
  const viewFacts = (): ViewFacts => {
    const scoresByTrace = new Map<string, string[]>();
    for (const { score } of scores.values()) {
      if (score.traceId === undefined) continue;
      scoresByTrace.set(score.traceId, [...(scoresByTrace.get(score.traceId) ?? []), score.id]);
    }
    return { ...facts, scoresByTrace };
  };

  const route = (req: IncomingMessage, raw: Uint8Array): unknown => {
    const url = new URL(req.url ?? "/", "http://fake");
    const path = url.pathname;
    const method = req.method ?? "GET";
    applyDeletes();
    const isV3Read = path === TRACES || path.startsWith(`${TRACES}/`) ||
      path.startsWith(SESSIONS) || path === V1_OBSERVATIONS ||
      path === V2_SCORES;
    if (method === "GET" && mode === "v4" && isV3Read) {
      // A v4 events-only server refuses legacy reads before it even checks the key.
      throw new HttpAnswer(
        404,
        "This endpoint is not available on deployments running in " +
          "Langfuse v4 events_only mode. Learn more about Langfuse v4 at: https://langfuse.com/docs/v4",
      );
    }
    if (path === PROJECTS_PATH) checkProjectsMethod(method);
    const denied = checkBasicAuth(req.headers.authorization, keys);
    if (denied === 401) {
      const message = "Invalid credentials. Confirm that you've configured the correct host.";
      // Prompt routes authorise inside withMiddlewares, which adds the error class.
      if (isPromptPath(path)) throw new LangfuseAnswer(401, message, "UnauthorizedError");
      throw new HttpAnswer(401, message);
    }
    if (denied === 403) throw new HttpAnswer(403, "Access denied");
    if (path === PROJECTS_PATH) {
      // Langfuse does not rate-limit this route.
      return projectsAnswer(method, {
        id: facts.projectId,
        name: options.projectName ?? "staging-demo",
      });
    }
    announced = limiter.consume(resourceOf(method, path));
    if (method === "GET") {
      reads++;
      const every = options.rateLimitEvery ?? 0;
      if (every > 0 && reads % every === 0) {
        const ms = (options.retryAfterSeconds ?? 1) * 1000;
        throw new RateLimitAnswer({ points: every, msBeforeNext: ms, nowMs: now() });
      }
    }
    const reviewed = reviewRoute(review, method, path, url.searchParams, raw);
    if (reviewed !== NOT_REVIEW) return reviewed;
    if (method === "POST" && path === OTLP_PATH) {
      return ingest(req, raw, stored, now, mode, (span) => promptLink(span, review.prompts, mode));
    }
    const rules = { configs: review.scoreConfigs, dropped: review.dropped };
    if (method === "POST" && path === SCORES) return score(jsonBody(raw), scores, now, rules);
    if (method === "POST" && path === INGESTION) return ingestBatch(raw, scores, now, rules);
    if (method === "DELETE" && path === TRACES) {
      const ids = traceIdsToDelete(jsonBody(raw));
      deletedTraceIds.push(...ids);
      queuedDeletes.push({
        ids: ids.filter((id) => !ignored.has(id)),
        atMs: now() + (options.deleteAfterMs ?? 0),
      });
      applyDeletes();
      return { message: "Traces deleted successfully" };
    }
    if (method === "DELETE" && path.startsWith(`${SCORES}/`)) {
      // Langfuse queues the delete without looking the score up: 202 whether it exists or not.
      scores.delete(decodeURIComponent(path.slice(SCORES.length + 1)));
      return new WithStatus(202, { message: "Score deletion queued successfully" });
    }
    if (method !== "GET") throw new HttpAnswer(405, `Method ${method} Not Allowed`);
    if (path === V2_OBSERVATIONS) {
      if (mode === "v3") {
        throw new HttpAnswer(
          404,
          "The observations v2 API is only available in a Langfuse v4 write " +
            "mode. Learn more at: https://langfuse.com/docs/v4",
        );
      }
      return observationsPage(visible(), url.searchParams, facts);
    }
    if (path === V3_SCORES) {
      if (mode === "v3") throw new HttpAnswer(404, `No route for ${path}`);
      return scoresV3Page(visibleScores(), url.searchParams, facts.projectId);
    }
    if (path === V1_OBSERVATIONS) return observationsV1Page(visible(), url.searchParams, facts);
    if (path === V2_SCORES) {
      return scoresV2Page(visibleScores(), visible(), url.searchParams, facts);
    }
    if (path === TRACES) return tracesPage(visible(), url.searchParams, viewFacts());
    if (path.startsWith(`${TRACES}/`)) {
      return traceAnswer(decodeURIComponent(path.slice(TRACES.length + 1)), visible(), viewFacts());
    }
    if (path.startsWith(SESSIONS)) {
      return sessionAnswer(decodeURIComponent(path.slice(SESSIONS.length)), visible(), viewFacts());
    }
    throw new HttpAnswer(404, `No route for ${path}`);
  };

  const server = createServer((req, res) => {
    const slow = options.slowReadsMs ?? 0;
    const isRead = req.method === "GET" &&
      /^\/api\/public\/(v2\/observations|traces)/.test(req.url ?? "");
    const late = slow > 0 && isRead
      ? new Promise<void>((resolve) => setTimeout(resolve, slow))
      : Promise.resolve();
    late.then(() => readBody(req)).then((raw) => {
      let status = 200;
      let headers: Record<string, string> = {};
      let body: unknown;
      try {
        announced = {};
        body = route(req, raw);
        headers = announced;
        if (body instanceof WithStatus) ({ status, body } = body);
      } catch (error) {
        if (!(error instanceof HttpAnswer)) throw error;
        ({ status, headers } = error);
        body = error.body();
      }
      requests.push({ method: req.method ?? "GET", path: req.url ?? "/", status });
      send(res, status, body, headers);
    }).catch((error: unknown) => {
      requests.push({ method: req.method ?? "GET", path: req.url ?? "/", status: 500 });
      send(res, 500, { message: `fake Langfuse error: ${String(error)}` });
    });
  });
  const url = await listenOnLoopback(server);

  return {
    url,
    mode,
    keys,
    get spans() {
      return stored.map((s) => s.span);
    },
    requests,
    get scores() {
      return [...scores.values()].map((s) => s.score);
    },
    deletedTraceIds,
    get prompts() {
      return structuredClone(review.prompts);
    },
    get scoreConfigs() {
      return structuredClone(review.scoreConfigs);
    },
    get annotationQueues() {
      return structuredClone(review.queues);
    },
    get queueItems() {
      return structuredClone(review.items);
    },
    get comments() {
      return structuredClone(review.comments);
    },
    get droppedScores() {
      return review.dropped.length;
    },
    ignoreDeletes(traceId) {
      ignored.add(traceId);
    },
    loseTrace(traceId: string) {
      lost.add(traceId);
    },
    get lostTraceIds() {
      return [...new Set(stored.map((s) => s.span.traceId))].filter(isLost);
    },
    mutate(fn: (span: ReceivedSpan) => void) {
      mutations.push(fn);
    },
    annotate(annotation: FakeAnnotation): StoredScore {
      const stored = annotationScore(annotation, review.scoreConfigs);
      scores.set(stored.id, { score: stored, receivedMs: now() });
      return stored;
    },
    close(): Promise<void> {
      return closeServer(server);
    },
  };
}

/** A copy of the span with every mutation applied; the stored span stays as received. */
function mutated(span: ReceivedSpan, mutations: ((span: ReceivedSpan) => void)[]): ReceivedSpan {
  if (mutations.length === 0) return span;
  const copy: ReceivedSpan = {
    ...span,
    attributes: { ...span.attributes },
    attributeTypes: { ...span.attributeTypes },
    resource: { ...span.resource },
  };
  for (const fn of mutations) fn(copy);
  return copy;
}
