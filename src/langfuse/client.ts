/**
 * A small client for the parts of Langfuse's public REST API this tool uses: reading back what
 * a replay sent (v4 observations and v3 scores, or v3 traces, sessions, v1 observations and v2
 * scores), writing scores and deleting traces, and the review side (prompts, score configs,
 * annotation queues and items, comments; types in api_review_types.ts). Basic auth, retries on 429 and 5xx honouring Retry-After, an optional read rate.
 *
 * @example
 * ```ts
 * const client = new LangfuseClient({ baseUrl, publicKey, secretKey, readsPerSecond: 2 });
 * const observations = (await client.detectGeneration()) === "v4"
 *   ? await client.observationsBySession("session-1")
 *   : undefined;
 * ```
 */
import { Transport } from "./_transport.ts";
import type { LangfuseClientOptions } from "./client_options.ts";
import { LangfuseApiError, malformedAnswer } from "./api_error.ts";
import type { ApiProject, ProjectsResponse } from "./api_projects.ts";
import {
  type AnnotationQueueItemsResponse,
  type AnnotationQueuesResponse,
  type AnnotationQueueStatus,
  type ApiAnnotationQueue,
  type ApiAnnotationQueueItem,
  type ApiComment,
  type ApiPrompt,
  type ApiScoreConfig,
  type CommentsResponse,
  type CreateAnnotationQueueItemRequest,
  type CreateAnnotationQueueRequest,
  type CreateCommentRequest,
  type CreateCommentResponse,
  type CreatePromptRequest,
  type CreateScoreConfigRequest,
  type DeleteAnnotationQueueItemResponse,
  MAX_REVIEW_PAGE_LIMIT,
  QUEUE_PLAN_CAP_MESSAGE,
  type ScoreConfigsResponse,
} from "./api_review_types.ts";
import {
  type CreateScoreRequest,
  type CreateScoreResponse,
  type DeleteTracesResponse,
  type IngestionRequest,
  type IngestionResponse,
  MAX_DELETE_IDS,
  type ObservationFieldGroup,
  type ObservationsV1Response,
  type ObservationsV2Response,
  type ObservationV1,
  type ObservationV2,
  READ_FIELD_GROUPS,
  type ScoreFieldGroupV3,
  type ScoreSource,
  type ScoresV2Response,
  type ScoresV3Response,
  type ScoreV2,
  type ScoreV3,
  type SessionWithTraces,
  type TracesResponse,
  type TraceWithDetails,
} from "./api_types.ts";

export type { LangfuseClientOptions } from "./client_options.ts";

/** Which storage generation a Langfuse server runs: v4 (events) or v3 (legacy traces). */
export type LangfuseGeneration = "v4" | "v3";

/** Query of one `GET /api/public/v2/observations` page. */
export interface ObservationsQuery {
  sessionId?: string;
  traceId?: string;
  userId?: string;
  /** ISO 8601; only observations starting at or after it. */
  fromStartTime?: string;
  /** ISO 8601; only observations starting before it. */
  toStartTime?: string;
  /** Field groups; default {@link READ_FIELD_GROUPS}. */
  fields?: readonly ObservationFieldGroup[];
  /** Page size, at most 1000; default 1000 here (the server's default is 50). */
  limit?: number;
  /** The previous page's `meta.cursor`. */
  cursor?: string;
}

/** Query of one `GET /api/public/traces` page. */
export interface TracesQuery {
  sessionId?: string;
  userId?: string;
  /** ISO 8601; only traces with a timestamp at or after it. */
  fromTimestamp?: string;
  /** ISO 8601; only traces with a timestamp before it. */
  toTimestamp?: string;
  /** From 1; default 1. */
  page?: number;
  /** At most 100; default 100 here (the server's default is 50). */
  limit?: number;
}

/** Query of one v1 `GET /api/public/observations` page (v3 servers). */
export interface ObservationsV1Query {
  traceId?: string;
  /** The user of the observation's trace. */
  userId?: string;
  /** ISO 8601; only observations starting at or after it. */
  fromStartTime?: string;
  /** ISO 8601; only observations starting before it. */
  toStartTime?: string;
  /** From 1; default 1. */
  page?: number;
  /** Default 100 here (the server's default is 50). */
  limit?: number;
}

/** Query of one `GET /api/public/v3/scores` page (v4 servers); lists are sent comma-joined. */
export interface ScoresV3Query {
  ids?: readonly string[];
  /** Scores on these traces; not together with `sessionIds`. */
  traceIds?: readonly string[];
  /** Scores on these sessions; not together with `traceIds`. */
  sessionIds?: readonly string[];
  /** Scores with these names. */
  names?: readonly string[];
  /** Scores from these sources, e.g. ["ANNOTATION"] for reviewers' scores. */
  sources?: readonly ScoreSource[];
  /** Scores of these score configs. */
  configIds?: readonly string[];
  /** Scores made from these annotation queues. */
  queueIds?: readonly string[];
  /** Scores by these Langfuse users (reviewers; scores written through the API have none). */
  authorUserIds?: readonly string[];
  /** Field groups; default ["details", "subject"] (core always comes). */
  fields?: readonly ScoreFieldGroupV3[];
  /** At most 100; default 100 here (the server's default is 50). */
  limit?: number;
  /** The previous page's `meta.cursor`. */
  cursor?: string;
}

/** Query of one `GET /api/public/v2/scores` page (v3 servers). */
export interface ScoresV2Query {
  /** Sent comma-joined as `scoreIds`. */
  scoreIds?: readonly string[];
  traceId?: string;
  /** Session-level scores of this session. */
  sessionId?: string;
  /** Scores with this name. */
  name?: string;
  /** Scores from this source, e.g. "ANNOTATION" for reviewers' scores. */
  source?: ScoreSource;
  /** Scores of this score config. */
  configId?: string;
  /**
   * Scores made from this annotation queue. (v2 has no author filter, and ignores an unknown
   * parameter such as `authorUserId`: filter rows by `authorUserId` yourself.)
   */
  queueId?: string;
  /** From 1; default 1. */
  page?: number;
  /** At most 100; default 100 here (the server's default is 50). */
  limit?: number;
}

/** What {@link LangfuseClient.deleteTraces} did. */
export interface DeleteTracesResult {
  /** DELETE requests sent, one per batch of at most {@link MAX_DELETE_IDS} ids. */
  requests: number;
  /** Ids submitted for deletion (Langfuse deletes asynchronously). */
  traceIds: number;
}

const V2_OBSERVATIONS = "/api/public/v2/observations";
const TRACES = "/api/public/traces";
const SESSIONS = "/api/public/sessions";
const SCORES = "/api/public/scores";
const INGESTION = "/api/public/ingestion";
const V1_OBSERVATIONS = "/api/public/observations";
const V2_SCORES = "/api/public/v2/scores";
const V3_SCORES = "/api/public/v3/scores";
const PROJECTS = "/api/public/projects";
const PROMPTS = "/api/public/v2/prompts";
const SCORE_CONFIGS = "/api/public/score-configs";
const QUEUES = "/api/public/annotation-queues";
const COMMENTS = "/api/public/comments";

/** Which prompt version {@link LangfuseClient.getPrompt} asks for; neither means label "production". */
export interface PromptSelector {
  version?: number;
  label?: string;
  /**
   * Whether Langfuse inlines the prompts this one references (`@@@langfusePrompt:…@@@`), as
   * an application gets it; default false: the text as stored.
   */
  resolved?: boolean;
}

/** Filters of {@link LangfuseClient.allComments}; `objectId` needs `objectType`. */
export interface CommentsQuery {
  objectType?: string;
  objectId?: string;
  authorUserId?: string;
}

/** Whether `error` is Langfuse Cloud Hobby's one-queue cap (a 405 told apart by its message). */
export function isQueuePlanCap(error: unknown): boolean {
  return error instanceof LangfuseApiError && error.status === 405 &&
    error.message.includes(QUEUE_PLAN_CAP_MESSAGE);
}

/** A Langfuse public API client; every method throws {@link LangfuseApiError} on failure. */
export class LangfuseClient {
  readonly #http: Transport;
  readonly #options: LangfuseClientOptions;

  /**
   * Creates a client; no request is made until a method is called. With `pacingOf`, it shares
   * that client's pacing of Langfuse's budgets (see {@link withReadRate}).
   */
  constructor(options: LangfuseClientOptions, pacingOf?: LangfuseClient) {
    this.#options = options;
    this.#http = new Transport(options, pacingOf ? pacingOf.#http.pacer : undefined);
  }

  /**
   * This client with its GETs spaced at most `readsPerSecond` a second (verify's read rate),
   * sharing its pacing of Langfuse's budgets: one run spends one budget, so a 429 one step met
   * is waited out by the next step instead of met again. `signal` aborts its requests.
   */
  withReadRate(readsPerSecond: number, signal?: AbortSignal): LangfuseClient {
    return new LangfuseClient(
      { ...this.#options, readsPerSecond, ...(signal ? { signal } : {}) },
      this,
    );
  }

  /** v4 if `GET /api/public/v2/observations` answers 200; v3 if it is 404 and traces answer. */
  async detectGeneration(): Promise<LangfuseGeneration> {
    const probe = { query: { limit: "1", fields: "core" }, pass: [404] };
    const v2 = await this.#http.request<ObservationsV2Response>("GET", V2_OBSERVATIONS, probe);
    if (v2.status !== 404) return "v4";
    const v3 = await this.#http.request<TracesResponse>("GET", TRACES, {
      query: { limit: "1" },
      pass: [404],
    });
    if (v3.status !== 404) return "v3";
    throw new LangfuseApiError(
      404,
      `GET ${TRACES}`,
      `Langfuse answered neither GET ${V2_OBSERVATIONS} nor GET ${TRACES} (HTTP 404): ` +
        `check that LANGFUSE_BASE_URL is the Langfuse host, without a path`,
    );
  }

  /** One page of v4 observations. */
  async observations(query: ObservationsQuery): Promise<ObservationsV2Response> {
    const { data } = await this.#http.request<ObservationsV2Response>("GET", V2_OBSERVATIONS, {
      query: {
        sessionId: query.sessionId,
        traceId: query.traceId,
        userId: query.userId,
        fromStartTime: query.fromStartTime,
        toStartTime: query.toStartTime,
        fields: (query.fields ?? READ_FIELD_GROUPS).join(","),
        limit: String(query.limit ?? 1000),
        cursor: query.cursor,
      },
    });
    if (!isObject(data) || !Array.isArray(data.data) || !isObject(data.meta)) {
      throw malformedAnswer(`GET ${V2_OBSERVATIONS}`, "no data array and meta object");
    }
    return data;
  }

  /** Every v4 observation of a session, following cursor pages. */
  async observationsBySession(
    sessionId: string,
    query: Omit<ObservationsQuery, "sessionId" | "cursor"> = {},
  ): Promise<ObservationV2[]> {
    const out: ObservationV2[] = [];
    const seen = new Set<string>();
    let cursor: string | undefined;
    do {
      const page = await this.observations({ ...query, sessionId, cursor });
      out.push(...page.data);
      cursor = page.meta.cursor || undefined;
      if (cursor !== undefined) {
        if (seen.has(cursor)) {
          throw malformedAnswer(`GET ${V2_OBSERVATIONS}`, `a cursor repeated ("${cursor}")`);
        }
        seen.add(cursor);
      }
    } while (cursor !== undefined);
    return out;
  }

  /** One page of v3 traces. */
  async traces(query: TracesQuery = {}): Promise<TracesResponse> {
    const { data } = await this.#http.request<TracesResponse>("GET", TRACES, {
      query: {
        sessionId: query.sessionId,
        userId: query.userId,
        fromTimestamp: query.fromTimestamp,
        toTimestamp: query.toTimestamp,
        page: String(query.page ?? 1),
        limit: String(query.limit ?? 100),
      },
    });
    if (!isObject(data) || !Array.isArray(data.data) || !isObject(data.meta)) {
      throw malformedAnswer(`GET ${TRACES}`, "no data array and meta object");
    }
    return data;
  }

  /** Every v3 trace matching the query, walking pages from 1 to `meta.totalPages`. */
  async allTraces(query: Omit<TracesQuery, "page"> = {}): Promise<TraceWithDetails[]> {
    const out: TraceWithDetails[] = [];
    for (let page = 1;; page++) {
      const answer = await this.traces({ ...query, page });
      out.push(...answer.data);
      if (answer.data.length === 0 || page >= answer.meta.totalPages) return out;
    }
  }

  /**
   * Whether Langfuse still shows a trace: on v4, any observation of it
   * (`GET /api/public/v2/observations?traceId=`); on v3, `GET /api/public/traces/{traceId}`
   * answering rather than 404. One read either way.
   */
  async traceVisible(traceId: string, generation: LangfuseGeneration): Promise<boolean> {
    if (generation === "v4") {
      const page = await this.observations({ traceId, fields: ["core"], limit: 1 });
      return page.data.length > 0;
    }
    const path = `${TRACES}/${encodeURIComponent(traceId)}`;
    const { status } = await this.#http.request<unknown>("GET", path, { pass: [404] });
    return status !== 404;
  }

  /** A v3 session with its traces; undefined when Langfuse has no such session (404). */
  async session(id: string): Promise<SessionWithTraces | undefined> {
    const path = `${SESSIONS}/${encodeURIComponent(id)}`;
    const { status, data } = await this.#http.request<SessionWithTraces>("GET", path, {
      pass: [404],
    });
    if (status === 404) return undefined;
    if (!isObject(data) || !Array.isArray(data.traces)) {
      throw malformedAnswer(`GET ${SESSIONS}/{sessionId}`, "no traces array");
    }
    return data;
  }

  /** One page of v1 observations (v3 servers). */
  async observationsV1(query: ObservationsV1Query = {}): Promise<ObservationsV1Response> {
    const { data } = await this.#http.request<ObservationsV1Response>("GET", V1_OBSERVATIONS, {
      query: {
        traceId: query.traceId,
        userId: query.userId,
        fromStartTime: query.fromStartTime,
        toStartTime: query.toStartTime,
        page: String(query.page ?? 1),
        limit: String(query.limit ?? 100),
      },
    });
    return checkPaged(data, `GET ${V1_OBSERVATIONS}`);
  }

  /** Every v1 observation matching the query, walking pages from 1 to `meta.totalPages`. */
  allObservationsV1(query: Omit<ObservationsV1Query, "page"> = {}): Promise<ObservationV1[]> {
    return allPages((page) => this.observationsV1({ ...query, page }));
  }

  /** One page of scores from `GET /api/public/v3/scores` (v4 servers). */
  async scoresV3(query: ScoresV3Query = {}): Promise<ScoresV3Response> {
    const { data } = await this.#http.request<ScoresV3Response>("GET", V3_SCORES, {
      query: {
        id: query.ids?.join(","),
        traceId: query.traceIds?.join(","),
        sessionId: query.sessionIds?.join(","),
        name: query.names?.join(","),
        source: query.sources?.join(","),
        configId: query.configIds?.join(","),
        queueId: query.queueIds?.join(","),
        authorUserId: query.authorUserIds?.join(","),
        fields: (query.fields ?? ["details", "subject"]).join(","),
        limit: String(query.limit ?? 100),
        cursor: query.cursor,
      },
    });
    if (!isObject(data) || !Array.isArray(data.data) || !isObject(data.meta)) {
      throw malformedAnswer(`GET ${V3_SCORES}`, "no data array and meta object");
    }
    return data;
  }

  /** Every score matching the query from `GET /api/public/v3/scores`, following cursors. */
  async allScoresV3(query: Omit<ScoresV3Query, "cursor"> = {}): Promise<ScoreV3[]> {
    const out: ScoreV3[] = [];
    const seen = new Set<string>();
    let cursor: string | undefined;
    do {
      const page = await this.scoresV3({ ...query, cursor });
      out.push(...page.data);
      cursor = page.meta.cursor || undefined;
      if (cursor !== undefined) {
        if (seen.has(cursor)) {
          throw malformedAnswer(`GET ${V3_SCORES}`, `a cursor repeated ("${cursor}")`);
        }
        seen.add(cursor);
      }
    } while (cursor !== undefined);
    return out;
  }

  /** One page of scores from `GET /api/public/v2/scores` (v3 servers). */
  async scoresV2(query: ScoresV2Query = {}): Promise<ScoresV2Response> {
    const { data } = await this.#http.request<ScoresV2Response>("GET", V2_SCORES, {
      query: {
        scoreIds: query.scoreIds?.join(","),
        traceId: query.traceId,
        sessionId: query.sessionId,
        name: query.name,
        source: query.source,
        configId: query.configId,
        queueId: query.queueId,
        page: String(query.page ?? 1),
        limit: String(query.limit ?? 100),
      },
    });
    return checkPaged(data, `GET ${V2_SCORES}`);
  }

  /** Every score matching the query from `GET /api/public/v2/scores`, walking pages. */
  allScoresV2(query: Omit<ScoresV2Query, "page"> = {}): Promise<ScoreV2[]> {
    return allPages((page) => this.scoresV2({ ...query, page }));
  }

  /** Creates (or, with the same `id`, replaces) a score. */
  async createScore(body: CreateScoreRequest): Promise<CreateScoreResponse> {
    const { data } = await this.#http.request<CreateScoreResponse>("POST", SCORES, { body });
    if (!isObject(data) || typeof data.id !== "string") {
      throw malformedAnswer(`POST ${SCORES}`, "no score id");
    }
    return data;
  }

  /** Sends a batch of events with `POST /api/public/ingestion`; answers Langfuse's 207 per event. */
  async ingest(body: IngestionRequest): Promise<IngestionResponse> {
    const { data } = await this.#http.request<IngestionResponse>("POST", INGESTION, { body });
    if (!isObject(data) || !Array.isArray(data.successes) || !Array.isArray(data.errors)) {
      throw malformedAnswer(`POST ${INGESTION}`, "no successes and errors lists");
    }
    return data;
  }

  /**
   * Deletes traces in batches of `batchSize` ids (1 to 1000; default 1000); Langfuse deletes
   * asynchronously, together with the traces' observations and scores.
   */
  async deleteTraces(
    traceIds: readonly string[],
    batchSize: number = MAX_DELETE_IDS,
  ): Promise<DeleteTracesResult> {
    const size = Math.max(1, Math.min(MAX_DELETE_IDS, Math.floor(batchSize)));
    let requests = 0;
    for (let at = 0; at < traceIds.length; at += size) {
      const batch = traceIds.slice(at, at + size);
      await this.#http.request<DeleteTracesResponse>("DELETE", TRACES, {
        body: { traceIds: batch },
      });
      requests++;
    }
    return { requests, traceIds: traceIds.length };
  }

  /**
   * Asks Langfuse to delete one score. Langfuse (v3, and v4.16.0) queues the delete without
   * looking the score up and answers 202 either way; false only when a server answers 404.
   */
  async deleteScore(id: string): Promise<boolean> {
    const path = `${SCORES}/${encodeURIComponent(id)}`;
    const { status } = await this.#http.request<unknown>("DELETE", path, { pass: [404] });
    return status !== 404;
  }

  /**
   * A prompt version by name (URL-encoded, so folder names work): `select.version`, else
   * `select.label`, else label "production"; undefined when Langfuse has none (404).
   */
  async getPrompt(name: string, select: PromptSelector = {}): Promise<ApiPrompt | undefined> {
    const path = `${PROMPTS}/${encodeURIComponent(name)}`;
    const { status, data } = await this.#http.request<ApiPrompt>("GET", path, {
      query: {
        version: select.version === undefined ? undefined : String(select.version),
        label: select.label,
        // By default the stored text, not one with @@@langfusePrompt dependencies inlined: it
        // is compared with the declared content, and a resolved copy would never match.
        resolve: select.resolved ? undefined : "false",
      },
      pass: [404],
    });
    if (status === 404) return undefined;
    return checkPrompt(data, `GET ${PROMPTS}/{promptName}`);
  }

  /** Creates a new version of a prompt (Langfuse numbers it: highest + 1); answers it (201). */
  async createPrompt(body: CreatePromptRequest): Promise<ApiPrompt> {
    const { data } = await this.#http.request<ApiPrompt>("POST", PROMPTS, { body });
    return checkPrompt(data, `POST ${PROMPTS}`);
  }

  /** Every score config of the project (archived ones too), walking pages of 100. */
  allScoreConfigs(): Promise<ApiScoreConfig[]> {
    return allPages(async (page) => {
      const { data } = await this.#http.request<ScoreConfigsResponse>("GET", SCORE_CONFIGS, {
        query: { page: String(page), limit: String(MAX_REVIEW_PAGE_LIMIT) },
      });
      return checkPaged(data, `GET ${SCORE_CONFIGS}`);
    });
  }

  /** Creates a score config; Langfuse does not deduplicate names, so list first and reuse. */
  async createScoreConfig(body: CreateScoreConfigRequest): Promise<ApiScoreConfig> {
    const { data } = await this.#http.request<ApiScoreConfig>("POST", SCORE_CONFIGS, { body });
    return checkWithId(data, `POST ${SCORE_CONFIGS}`);
  }

  /** Every annotation queue of the project, walking pages of 100. */
  allAnnotationQueues(): Promise<ApiAnnotationQueue[]> {
    return allPages(async (page) => {
      const { data } = await this.#http.request<AnnotationQueuesResponse>("GET", QUEUES, {
        query: { page: String(page), limit: String(MAX_REVIEW_PAGE_LIMIT) },
      });
      return checkPaged(data, `GET ${QUEUES}`);
    });
  }

  /**
   * Creates an annotation queue; names are unique per project (a duplicate is a 400), and on
   * Cloud Hobby a second queue is a 405 that {@link isQueuePlanCap} recognises.
   */
  async createAnnotationQueue(body: CreateAnnotationQueueRequest): Promise<ApiAnnotationQueue> {
    const { data } = await this.#http.request<ApiAnnotationQueue>("POST", QUEUES, { body });
    return checkWithId(data, `POST ${QUEUES}`);
  }

  /** Every item of a queue, optionally of one status, walking pages of 100. */
  allQueueItems(
    queueId: string,
    query: { status?: AnnotationQueueStatus } = {},
  ): Promise<ApiAnnotationQueueItem[]> {
    return allPages((page) => this.queueItemsPage(queueId, page, query));
  }

  /** One page (1-based) of 100 of a queue's items, newest first. */
  async queueItemsPage(
    queueId: string,
    page: number,
    query: { status?: AnnotationQueueStatus } = {},
  ): Promise<AnnotationQueueItemsResponse> {
    const path = `${QUEUES}/${encodeURIComponent(queueId)}/items`;
    const { data } = await this.#http.request<AnnotationQueueItemsResponse>("GET", path, {
      query: { status: query.status, page: String(page), limit: String(MAX_REVIEW_PAGE_LIMIT) },
    });
    return checkPaged(data, `GET ${QUEUES}/{queueId}/items`);
  }

  /** One item of a queue; undefined when Langfuse has no such queue or item (404). */
  async queueItem(queueId: string, itemId: string): Promise<ApiAnnotationQueueItem | undefined> {
    const path = `${QUEUES}/${encodeURIComponent(queueId)}/items/${encodeURIComponent(itemId)}`;
    const { data, status } = await this.#http.request<ApiAnnotationQueueItem>("GET", path, {
      pass: [404],
    });
    return status === 404 ? undefined : checkWithId(data, `GET ${QUEUES}/{queueId}/items/{itemId}`);
  }

  /** Adds an object to a queue; Langfuse neither looks the object up nor refuses a duplicate. */
  async createQueueItem(
    queueId: string,
    body: CreateAnnotationQueueItemRequest,
  ): Promise<ApiAnnotationQueueItem> {
    const path = `${QUEUES}/${encodeURIComponent(queueId)}/items`;
    const { data } = await this.#http.request<ApiAnnotationQueueItem>("POST", path, { body });
    return checkWithId(data, `POST ${QUEUES}/{queueId}/items`);
  }

  /** Removes an item from a queue; false when Langfuse has no such queue or item (404). */
  async deleteQueueItem(queueId: string, itemId: string): Promise<boolean> {
    const path = `${QUEUES}/${encodeURIComponent(queueId)}/items/${encodeURIComponent(itemId)}`;
    const { status } = await this.#http.request<DeleteAnnotationQueueItemResponse>(
      "DELETE",
      path,
      { pass: [404] },
    );
    return status !== 404;
  }

  /**
   * Comments on an object; Langfuse answers 404 while it cannot see the object yet (ingestion
   * is asynchronous), so callers wait for visibility first. `projectId` comes from `project()`.
   */
  async createComment(body: CreateCommentRequest): Promise<CreateCommentResponse> {
    const { data } = await this.#http.request<CreateCommentResponse>("POST", COMMENTS, { body });
    return checkWithId(data, `POST ${COMMENTS}`);
  }

  /** Every comment matching the filters, walking pages of 100 (Langfuse defines no order). */
  allComments(query: CommentsQuery = {}): Promise<ApiComment[]> {
    return allPages((page) => this.commentsPage(query, page));
  }

  /** One page (1-based) of 100 of the comments matching the filters. */
  async commentsPage(query: CommentsQuery, page: number): Promise<CommentsResponse> {
    const { data } = await this.#http.request<CommentsResponse>("GET", COMMENTS, {
      query: { ...query, page: String(page), limit: String(MAX_REVIEW_PAGE_LIMIT) },
    });
    return checkPaged(data, `GET ${COMMENTS}`);
  }

  /** `GET /api/public/projects`: the projects the keys may use (a project key names its own). */
  async projects(): Promise<ApiProject[]> {
    const { data } = await this.#http.request<ProjectsResponse>("GET", PROJECTS);
    if (
      !isObject(data) || !Array.isArray(data.data) ||
      !data.data.every((p) => isObject(p) && typeof p.name === "string")
    ) {
      throw malformedAnswer(`GET ${PROJECTS}`, "no data array of named projects");
    }
    return data.data;
  }

  /** The one project the keys belong to; an error when Langfuse names none or several. */
  async project(): Promise<ApiProject> {
    const projects = await this.projects();
    if (projects.length !== 1) {
      throw malformedAnswer(
        `GET ${PROJECTS}`,
        `${projects.length} projects where project-scoped keys name one (is it deleted?)`,
      );
    }
    return projects[0];
  }
}

/** A page-paged answer with its data array and meta object, else a malformed-answer error. */
function checkPaged<T extends { data: unknown[]; meta: { totalPages: number } }>(
  data: T | undefined,
  endpoint: string,
): T {
  if (!isObject(data) || !Array.isArray(data.data) || !isObject(data.meta)) {
    throw malformedAnswer(endpoint, "no data array and meta object");
  }
  return data;
}

/** A prompt answer with its name, version and type, else a malformed-answer error. */
function checkPrompt(data: ApiPrompt | undefined, endpoint: string): ApiPrompt {
  if (
    !isObject(data) || typeof data.name !== "string" || typeof data.version !== "number" ||
    (data.type !== "text" && data.type !== "chat")
  ) {
    throw malformedAnswer(endpoint, "no prompt name, version and type");
  }
  return data;
}

/** An answer object with a string `id`, else a malformed-answer error. */
function checkWithId<T extends { id: string }>(data: T | undefined, endpoint: string): T {
  if (!isObject(data) || typeof data.id !== "string") throw malformedAnswer(endpoint, "no id");
  return data;
}

/** Every row of a page-paged endpoint, walking pages from 1 to `meta.totalPages`. */
async function allPages<T>(
  fetchPage: (page: number) => Promise<{ data: T[]; meta: { totalPages: number } }>,
): Promise<T[]> {
  const out: T[] = [];
  for (let page = 1;; page++) {
    const answer = await fetchPage(page);
    out.push(...answer.data);
    if (answer.data.length === 0 || page >= answer.meta.totalPages) return out;
  }
}

function isObject(value: unknown): value is Record<string, unknown> & object {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
