/**
 * The Langfuse public REST API response and request shapes this tool reads and writes, as
 * Langfuse defines them (`fern/apis/server/definition/` in langfuse/langfuse: observations.yml,
 * trace.yml, sessions.yml, scores.yml, scores-v3.yml, legacy/observations-v1.yml, commons.yml,
 * utils/pagination.yml) and as its route handlers put them on the wire. Times are ISO 8601
 * strings; ids are strings.
 */

/** Any JSON value, for fields Langfuse types as `unknown`. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

/** commons.ObservationLevel. */
export type ObservationLevel = "DEBUG" | "DEFAULT" | "WARNING" | "ERROR";

/** Observation types as the read API spells them (upper case). */
export type ApiObservationType =
  | "SPAN"
  | "GENERATION"
  | "EVENT"
  | "EMBEDDING"
  | "AGENT"
  | "TOOL"
  | "CHAIN"
  | "RETRIEVER"
  | "GUARDRAIL"
  | "EVALUATOR";

/** The `fields` groups of `GET /api/public/v2/observations`; `core` is always returned. */
export const OBSERVATION_FIELD_GROUPS = [
  "core",
  "basic",
  "time",
  "io",
  "metadata",
  "model",
  "usage",
  "prompt",
  "metrics",
  "trace_context",
] as const;

/** One `fields` group of the v2 observations endpoint. */
export type ObservationFieldGroup = typeof OBSERVATION_FIELD_GROUPS[number];

/** The groups verification reads: identity, trace context, model, usage and prompt link. */
export const READ_FIELD_GROUPS: readonly ObservationFieldGroup[] = [
  "core",
  "basic",
  "time",
  "metadata",
  "model",
  "usage",
  "prompt",
  "trace_context",
];

/**
 * commons.ObservationV2: one row of `GET /api/public/v2/observations`. Core fields are always
 * present; the others only when their group is requested (group named in each comment).
 */
export interface ObservationV2 {
  // core
  id: string;
  traceId: string | null;
  startTime: string;
  endTime: string | null;
  projectId: string;
  parentObservationId: string | null;
  /** Upper case, e.g. "GENERATION". */
  type: string;
  // basic
  isRootObservation?: boolean;
  name?: string | null;
  level?: ObservationLevel;
  statusMessage?: string | null;
  version?: string | null;
  environment?: string | null;
  bookmarked?: boolean;
  public?: boolean;
  userId?: string | null;
  sessionId?: string | null;
  // time
  completionStartTime?: string | null;
  createdAt?: string;
  updatedAt?: string;
  // io: raw strings as stored
  input?: JsonValue;
  output?: JsonValue;
  // metadata: flat string values (truncated to 200 chars unless expanded)
  metadata?: JsonValue;
  // model: the server sends `model`; the Fern definition names it `providedModelName`
  model?: string | null;
  providedModelName?: string | null;
  internalModelId?: string | null;
  modelParameters?: JsonValue;
  // usage
  usageDetails?: Record<string, number>;
  costDetails?: Record<string, number>;
  totalCost?: number | null;
  usagePricingTierName?: string | null;
  // prompt
  promptId?: string | null;
  promptName?: string | null;
  promptVersion?: number | null;
  // metrics (the server computes them on every response)
  latency?: number | null;
  timeToFirstToken?: number | null;
  // enrichment, always present; null unless the `model` group is requested
  modelId: string | null;
  inputPrice: string | null;
  outputPrice: string | null;
  totalPrice: string | null;
  // trace_context
  traceName?: string | null;
  tags?: string[] | null;
  release?: string | null;
}

/** observations.ObservationsV2Meta: `cursor` is absent on the last page. */
export interface ObservationsV2Meta {
  cursor?: string;
}

/** observations.ObservationsV2Response. */
export interface ObservationsV2Response {
  data: ObservationV2[];
  meta: ObservationsV2Meta;
}

/** pagination.MetaResponse: `page` starts at 1. */
export interface PageMeta {
  page: number;
  limit: number;
  totalItems: number;
  totalPages: number;
}

/** commons.Deprecation, the `_deprecation` key Langfuse Cloud adds to v3 endpoints. */
export interface Deprecation {
  message: string;
  replacement?: string;
  docsUrl?: string;
  sunsetAt?: string;
}

/**
 * commons.Trace, plus the keys the server's strict response schema adds (`externalId`,
 * `projectId`, `bookmarked`, `createdAt`, `updatedAt`), which the Fern definition leaves out.
 */
export interface ApiTrace {
  id: string;
  timestamp: string;
  name: string | null;
  input?: JsonValue;
  output?: JsonValue;
  sessionId: string | null;
  release: string | null;
  version: string | null;
  userId: string | null;
  metadata?: JsonValue;
  tags: string[];
  public: boolean;
  environment: string;
  externalId?: string | null;
  projectId?: string;
  bookmarked?: boolean;
  createdAt?: string;
  updatedAt?: string;
}

/** commons.TraceWithDetails: a row of `GET /api/public/traces`. */
export interface TraceWithDetails extends ApiTrace {
  htmlPath: string;
  /** Seconds. */
  latency?: number | null;
  /** USD. */
  totalCost?: number | null;
  /** Observation ids. */
  observations?: string[] | null;
  /** Score ids. */
  scores?: string[] | null;
}

/** trace.Traces: `GET /api/public/traces?sessionId=&page=&limit=`. */
export interface TracesResponse {
  data: TraceWithDetails[];
  meta: PageMeta;
  _deprecation?: Deprecation;
}

/** commons.SessionWithTraces: `GET /api/public/sessions/{id}`; `traces` are not paginated. */
export interface SessionWithTraces {
  id: string;
  createdAt: string;
  projectId: string;
  environment: string;
  traces: ApiTrace[];
  _deprecation?: Deprecation;
}

/** commons.ScoreDataType. */
export type ScoreDataType = "NUMERIC" | "BOOLEAN" | "CATEGORICAL" | "CORRECTION" | "TEXT";

/**
 * scores.CreateScoreRequest: `POST /api/public/scores`. Give `id` to make the write idempotent.
 * `value` is a number for NUMERIC and BOOLEAN (1 or 0), a string for CATEGORICAL and TEXT.
 */
export interface CreateScoreRequest {
  id?: string;
  traceId?: string;
  sessionId?: string;
  observationId?: string;
  datasetRunId?: string;
  name: string;
  value: number | string;
  comment?: string;
  metadata?: Record<string, JsonValue>;
  environment?: string;
  queueId?: string;
  dataType?: ScoreDataType;
  configId?: string;
}

/** scores.CreateScoreResponse. */
export interface CreateScoreResponse {
  id: string;
}

/** commons.Usage (deprecated by Langfuse in favour of usageDetails, still sent by v1 reads). */
export interface ApiUsage {
  unit?: string | null;
  input?: number;
  output?: number;
  total?: number;
}

/**
 * commons.ObservationsView as the server's strict schema sends it: one row of the v1
 * `GET /api/public/observations` (v3 servers; a v4 events-only server answers 404).
 */
export interface ObservationV1 {
  id: string;
  projectId?: string;
  traceId: string | null;
  parentObservationId: string | null;
  /** Upper case, e.g. "GENERATION". */
  type: string;
  name: string | null;
  environment: string;
  startTime: string;
  endTime: string | null;
  version: string | null;
  release?: string | null;
  createdAt?: string;
  updatedAt?: string;
  input?: JsonValue;
  output?: JsonValue;
  metadata?: JsonValue;
  level: ObservationLevel;
  statusMessage: string | null;
  model: string | null;
  modelParameters?: JsonValue;
  completionStartTime: string | null;
  promptId: string | null;
  promptName?: string | null;
  promptVersion?: number | null;
  usageDetails: Record<string, number>;
  costDetails: Record<string, number>;
  usage?: ApiUsage;
  unit?: string | null;
  promptTokens?: number;
  completionTokens?: number;
  totalTokens?: number;
  usagePricingTierName?: string | null;
  usagePricingTierId?: string | null;
  modelId?: string | null;
  inputPrice?: number | null;
  outputPrice?: number | null;
  totalPrice?: number | null;
  calculatedInputCost?: number | null;
  calculatedOutputCost?: number | null;
  calculatedTotalCost?: number | null;
  latency?: number | null;
  timeToFirstToken?: number | null;
}

/** observations-v1.ObservationsViews: `GET /api/public/observations`, page-paged. */
export interface ObservationsV1Response {
  data: ObservationV1[];
  meta: PageMeta;
  _deprecation?: Deprecation;
}

/** commons.ScoreSource. */
export type ScoreSource = "API" | "EVAL" | "ANNOTATION";

/** scores-v3.ScoreSubjectV3: what a score is attached to (the `subject` field group). */
export interface ScoreSubjectV3 {
  kind: "trace" | "observation" | "session" | "experiment";
  id: string;
  /** Observation subjects only. */
  traceId?: string;
}

/**
 * scores-v3.ScoreV3: a row of `GET /api/public/v3/scores` (v4 servers). `value` is a number
 * for NUMERIC, a boolean for BOOLEAN and a string otherwise; `comment`, `configId` and
 * `metadata` come with the `details` group, `subject` with the `subject` group.
 */
export interface ScoreV3 {
  id: string;
  projectId: string;
  name: string;
  source: ScoreSource;
  timestamp: string;
  environment: string;
  createdAt: string;
  updatedAt: string;
  dataType: ScoreDataType;
  value: number | boolean | string;
  comment?: string | null;
  configId?: string | null;
  metadata?: Record<string, JsonValue>;
  authorUserId?: string | null;
  queueId?: string | null;
  subject?: ScoreSubjectV3;
}

/**
 * The field groups of `GET /api/public/v3/scores`: `core` always comes (naming it is allowed),
 * `details` (comment, configId, metadata), `subject`, `annotation` (authorUserId, queueId).
 */
export type ScoreFieldGroupV3 = "core" | "details" | "subject" | "annotation";

/** scores-v3.GetScoresV3Response: cursor-paged; `cursor` is absent on the last page. */
export interface ScoresV3Response {
  data: ScoreV3[];
  meta: { limit: number; cursor?: string };
}

/**
 * scores.GetScoresResponseData: a row of `GET /api/public/v2/scores` (v3 servers; a v4
 * events-only server answers 404). `value` is numeric for every data type (0 for categorical
 * without a config); `stringValue` holds the category, or "True"/"False" for booleans.
 */
export interface ScoreV2 {
  id: string;
  projectId: string;
  environment: string;
  name: string;
  value?: number;
  stringValue?: string | null;
  dataType: ScoreDataType;
  source: ScoreSource;
  authorUserId: string | null;
  comment: string | null;
  metadata: JsonValue;
  configId: string | null;
  queueId: string | null;
  executionTraceId?: string | null;
  createdAt: string;
  updatedAt: string;
  timestamp: string;
  traceId?: string | null;
  observationId?: string | null;
  sessionId?: string | null;
  datasetRunId?: string | null;
  /** The scored trace's properties (the `trace` field group), null for session scores. */
  trace?: {
    userId?: string | null;
    tags?: string[] | null;
    environment?: string | null;
    sessionId?: string | null;
  } | null;
}

/** scores.GetScoresResponse: `GET /api/public/v2/scores`, page-paged. */
export interface ScoresV2Response {
  data: ScoreV2[];
  meta: PageMeta;
  _deprecation?: Deprecation;
}

/** trace.DeleteTracesRequest: `DELETE /api/public/traces`, 1 to 1000 ids. */
export interface DeleteTracesRequest {
  traceIds: string[];
}

/** trace.DeleteTraceResponse. */
export interface DeleteTracesResponse {
  message: string;
}

/** The body of Langfuse's error answers (400, 401, 403, 404, 429, ...). */
export interface ApiErrorBody {
  message: string;
}

/** Most ids one `DELETE /api/public/traces` accepts. */
export const MAX_DELETE_IDS = 1000;

/** Largest `limit` of `GET /api/public/v2/observations`. */
export const MAX_OBSERVATIONS_LIMIT = 1000;

/** Largest `limit` of the v3 page-paged endpoints such as `GET /api/public/traces`. */
export const MAX_PAGE_LIMIT = 100;

/** Largest `limit` of `GET /api/public/v2/scores` and `GET /api/public/v3/scores`. */
export const MAX_SCORES_LIMIT = 100;

/** The model name of an observation, whichever key the server used. */
export function modelOf(observation: ObservationV2): string | null {
  return observation.model ?? observation.providedModelName ?? null;
}

/**
 * ingestion.IngestionEvent of type `score-create` (`fern/apis/server/definition/ingestion.yml`):
 * the event envelope's `id` names the event in the 207 answer; the score's own `id` is in `body`.
 */
export interface ScoreCreateEvent {
  id: string;
  /** ISO 8601 time the event was made. */
  timestamp: string;
  type: "score-create";
  body: CreateScoreRequest;
}

/** ingestion.IngestionRequest: `POST /api/public/ingestion`. */
export interface IngestionRequest {
  batch: ScoreCreateEvent[];
  metadata?: Record<string, JsonValue>;
}

/** ingestion.IngestionSuccess: one event taken (status 201). */
export interface IngestionSuccess {
  id: string;
  status: number;
}

/** ingestion.IngestionError: one event refused, with Langfuse's reason. */
export interface IngestionError {
  id: string;
  status: number;
  message?: string;
  error?: unknown;
}

/** ingestion.IngestionResponse: the 207 answer, per event. */
export interface IngestionResponse {
  successes: IngestionSuccess[];
  errors: IngestionError[];
}

/** Largest body `POST /api/public/ingestion` takes: Next.js `sizeLimit: "4.5mb"` (4.5 MiB). */
export const MAX_INGESTION_BODY_BYTES = 4.5 * 1024 * 1024;
