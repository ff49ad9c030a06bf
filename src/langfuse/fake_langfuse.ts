/**
 * A fake Langfuse on 127.0.0.1 for tests: it ingests OTLP like `/api/public/otel/v1/traces`
 * and serves the public read API built from what it received, as a v4 server (cursor-paged
 * `/api/public/v2/observations`, `/api/public/v3/scores`) or a v3 one (`/api/public/traces`,
 * `/api/public/sessions/{id}`, v1 `/api/public/observations`, `/api/public/v2/scores`). Scores
 * and trace deletes are recorded; deleting a trace deletes its scores, as Langfuse does. Test switches: late visibility, a lost trace, mutated
 * data, rate limiting.
 *
 * @example
 * ```ts
 * const fake = await startFakeLangfuse({ mode: "v3", visibleAfterMs: 500 });
 * // send OTLP to `${fake.url}/api/public/otel/v1/traces`, then read back with LangfuseClient
 * await fake.close();
 * ```
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { gunzipSync } from "node:zlib";
import {
  decodeTraceRequest,
  encodeTraceResponse,
  OtlpDecodeError,
  type ReceivedSpan,
} from "../export/otlp_decode.ts";
import {
  checkBasicAuth,
  closeServer,
  type KeyPair,
  listenOnLoopback,
  readBody,
} from "../export/loopback_http.ts";
import {
  HttpAnswer,
  integer,
  matches,
  observationsPage,
  pageMeta,
  pageParams,
  sessionAnswer,
  tracesPage,
} from "./_fake_reads.ts";
import { compareRows, observationRow, type StoredSpan, type ViewFacts } from "./_fake_views.ts";
import { interpretSpans } from "../report/langfuse_view.ts";
import {
  type CreateScoreRequest,
  MAX_DELETE_IDS,
  MAX_SCORES_LIMIT,
  type ObservationsV1Response,
  type ObservationV1,
  type ScoresV2Response,
  type ScoresV3Response,
  type ScoreV2,
  type ScoreV3,
} from "./api_types.ts";

export type { KeyPair } from "../export/loopback_http.ts";

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
  /** Answer every Nth read (GET) request with 429 and Retry-After; default 0 (never). */
  rateLimitEvery?: number;
  /** Retry-After seconds on those 429s; default 1. */
  retryAfterSeconds?: number;
  /** Clock in epoch ms, for visibility; default `Date.now`. */
  now?: () => number;
  /** Project id in responses; default "fake-project". */
  projectId?: string;
}

/** One request as the fake answered it. */
export interface FakeRequest {
  method: string;
  /** Path and query as sent. */
  path: string;
  status: number;
}

/** A score as posted, with its id. */
export type StoredScore = CreateScoreRequest & { id: string };

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
  /** Trace ids deleted, in request order. */
  readonly deletedTraceIds: string[];
  /** Silently drops a trace: ingest answers 200, reads never show it. */
  loseTrace(traceId: string): void;
  /** Changes what reads show, e.g. `(span) => { span.attributes[TRACE.tags] = ["x"]; }`. */
  mutate(fn: (span: ReceivedSpan) => void): void;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

const OTLP_PATH = "/api/public/otel/v1/traces";
const V2_OBSERVATIONS = "/api/public/v2/observations";
const TRACES = "/api/public/traces";
const SESSIONS = "/api/public/sessions/";
const SCORES = "/api/public/scores";
const V1_OBSERVATIONS = "/api/public/observations";
const V2_SCORES = "/api/public/v2/scores";
const V3_SCORES = "/api/public/v3/scores";
const SCORE_FIELD_GROUPS = ["details", "subject", "annotation"];

/** A handler's body sent as is, in its own content type, instead of as JSON. */
class RawBody {
  constructor(readonly bytes: Uint8Array, readonly type: string) {}
}

/** Starts a fake Langfuse on loopback. */
export async function startFakeLangfuse(options: FakeLangfuseOptions = {}): Promise<FakeLangfuse> {
  const mode = options.mode ?? "v4";
  const keys = options.keys ?? { publicKey: "pk-lf-fake", secretKey: "sk-lf-fake" };
  const now = options.now ?? Date.now;
  const visibleAfterMs = options.visibleAfterMs ?? 0;
  const facts = { projectId: options.projectId ?? "fake-project" };
  const stored: StoredSpan[] = [];
  const lost = new Set<string>();
  const mutations: ((span: ReceivedSpan) => void)[] = [];
  const scores = new Map<string, { score: StoredScore; receivedMs: number }>();
  const requests: FakeRequest[] = [];
  const deletedTraceIds: string[] = [];
  let reads = 0;

  const visible = (): StoredSpan[] => {
    const at = now();
    return stored
      .filter((s) => at - s.receivedMs >= visibleAfterMs && !lost.has(s.span.traceId))
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

  const ingest = (req: IncomingMessage, raw: Uint8Array): unknown => {
    const type = (req.headers["content-type"] ?? "").toLowerCase();
    const otlpType = type.includes("application/json")
      ? "application/json"
      : type.includes("application/x-protobuf")
      ? "application/x-protobuf"
      : undefined;
    if (otlpType === undefined) throw new HttpAnswer(400, `Unsupported content type "${type}"`);
    const version = header(req, "x-langfuse-ingestion-version");
    if (version !== undefined && !(/^\d+$/.test(version) && Number(version) <= 4)) {
      throw new HttpAnswer(400, `Invalid x-langfuse-ingestion-version "${version}"`);
    }
    let spans: ReceivedSpan[];
    try {
      const gzip = header(req, "content-encoding")?.toLowerCase() === "gzip";
      spans = decodeTraceRequest(gzip ? new Uint8Array(gunzipSync(raw)) : raw, otlpType);
    } catch (error) {
      if (error instanceof OtlpDecodeError) throw new HttpAnswer(400, error.message);
      throw new HttpAnswer(400, `Invalid body: ${(error as Error).message}`);
    }
    const at = now();
    for (const span of spans) stored.push({ span, receivedMs: at });
    return new RawBody(encodeTraceResponse(undefined, otlpType), otlpType);
  };

  const score = (body: unknown): unknown => {
    if (!isRecord(body) || typeof body.name !== "string" || body.name === "") {
      throw new HttpAnswer(400, "Invalid request data: name is required");
    }
    if (typeof body.value !== "number" && typeof body.value !== "string") {
      throw new HttpAnswer(400, "Invalid request data: value must be a number or a string");
    }
    const id = typeof body.id === "string" && body.id !== "" ? body.id : crypto.randomUUID();
    const receivedMs = scores.get(id)?.receivedMs ?? now();
    scores.set(id, { score: { ...(body as unknown as CreateScoreRequest), id }, receivedMs });
    return { id };
  };

  const deleteTraces = (body: unknown): unknown => {
    const ids = isRecord(body) ? body.traceIds : undefined;
    if (!Array.isArray(ids) || !ids.every((id) => typeof id === "string")) {
      throw new HttpAnswer(400, "Invalid request data: traceIds must be a list of strings");
    }
    if (ids.length < 1) throw new HttpAnswer(400, "At least 1 traceId is required.");
    if (ids.length > MAX_DELETE_IDS) {
      throw new HttpAnswer(400, "Cannot specify more than 1000 traces in a single request.");
    }
    const gone = new Set(ids);
    for (let i = stored.length - 1; i >= 0; i--) {
      if (gone.has(stored[i].span.traceId)) stored.splice(i, 1);
    }
    for (const [id, { score }] of scores) {
      if (score.traceId !== undefined && gone.has(score.traceId)) scores.delete(id);
    }
    deletedTraceIds.push(...ids);
    return { message: "Traces deleted successfully" };
  };

  const route = (req: IncomingMessage, raw: Uint8Array): unknown => {
    const url = new URL(req.url ?? "/", "http://fake");
    const path = url.pathname;
    const method = req.method ?? "GET";
    const isV3Read = path === TRACES || path.startsWith(SESSIONS) || path === V1_OBSERVATIONS ||
      path === V2_SCORES;
    if (method === "GET" && mode === "v4" && isV3Read) {
      // A v4 events-only server refuses legacy reads before it even checks the key.
      throw new HttpAnswer(
        404,
        "This endpoint is not available on deployments running in " +
          "Langfuse v4 events_only mode. Learn more about Langfuse v4 at: https://langfuse.com/docs/v4",
      );
    }
    const denied = checkBasicAuth(req.headers.authorization, keys);
    if (denied === 401) {
      throw new HttpAnswer(
        401,
        "Invalid credentials. Confirm that you've configured the correct host.",
      );
    }
    if (denied === 403) throw new HttpAnswer(403, "Access denied");
    if (method === "POST" && path === OTLP_PATH) return ingest(req, raw);
    if (method === "POST" && path === SCORES) return score(jsonBody(raw));
    if (method === "DELETE" && path === TRACES) return deleteTraces(jsonBody(raw));
    if (method === "DELETE" && path.startsWith(`${SCORES}/`)) {
      const id = decodeURIComponent(path.slice(SCORES.length + 1));
      if (!scores.delete(id)) throw new HttpAnswer(404, "Score not found");
      return { message: "Score deleted successfully" };
    }
    if (method !== "GET") throw new HttpAnswer(405, `Method ${method} Not Allowed`);
    reads++;
    const every = options.rateLimitEvery ?? 0;
    if (every > 0 && reads % every === 0) {
      const seconds = String(options.retryAfterSeconds ?? 1);
      throw new HttpAnswer(429, "Rate limit exceeded", { "retry-after": seconds });
    }
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
    if (path.startsWith(SESSIONS)) {
      return sessionAnswer(decodeURIComponent(path.slice(SESSIONS.length)), visible(), viewFacts());
    }
    throw new HttpAnswer(404, `No route for ${path}`);
  };

  const server = createServer((req, res) => {
    readBody(req).then((raw) => {
      let status = 200;
      let headers: Record<string, string> = {};
      let body: unknown;
      try {
        body = route(req, raw);
      } catch (error) {
        if (!(error instanceof HttpAnswer)) throw error;
        ({ status, headers } = error);
        body = { message: error.message };
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
    loseTrace(traceId: string) {
      lost.add(traceId);
    },
    mutate(fn: (span: ReceivedSpan) => void) {
      mutations.push(fn);
    },
    close(): Promise<void> {
      return closeServer(server);
    },
  };
}

/** v1 `GET /api/public/observations`: filtered rows, newest first, page-paged. */
function observationsV1Page(
  spans: readonly StoredSpan[],
  query: URLSearchParams,
  facts: { projectId: string },
): ObservationsV1Response {
  const { page, limit } = pageParams(query, 1000);
  const from = query.get("fromStartTime");
  const to = query.get("toStartTime");
  const rows = spans.map((s) => observationRow(s, facts)).filter((row) =>
    matches(query.get("traceId"), row.traceId) && matches(query.get("userId"), row.userId) &&
    matches(query.get("type"), row.type) && matches(query.get("name"), row.name) &&
    (from === null || Date.parse(row.startTime) >= Date.parse(from)) &&
    (to === null || Date.parse(row.startTime) < Date.parse(to))
  ).sort(compareRows);
  const data = rows.slice((page - 1) * limit, page * limit).map((row): ObservationV1 => {
    const usage = row.usageDetails ?? {};
    const cost = row.costDetails ?? {};
    return {
      id: row.id,
      projectId: row.projectId,
      traceId: row.traceId,
      parentObservationId: row.parentObservationId,
      name: row.name ?? null,
      type: row.type,
      environment: row.environment ?? "default",
      startTime: row.startTime,
      endTime: row.endTime,
      version: row.version ?? null,
      release: row.release ?? null,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
      input: row.input ?? null,
      output: row.output ?? null,
      metadata: row.metadata ?? {},
      level: row.level ?? "DEFAULT",
      statusMessage: row.statusMessage ?? null,
      model: row.model ?? null,
      modelParameters: row.modelParameters ?? null,
      completionStartTime: row.completionStartTime ?? null,
      promptId: null,
      promptName: row.promptName ?? null,
      promptVersion: row.promptVersion ?? null,
      usageDetails: usage,
      costDetails: cost,
      usage: {
        unit: "TOKENS",
        input: usage.input ?? 0,
        output: usage.output ?? 0,
        total: usage.total ?? 0,
      },
      unit: "TOKENS",
      promptTokens: usage.input ?? 0,
      completionTokens: usage.output ?? 0,
      totalTokens: usage.total ?? 0,
      usagePricingTierName: null,
      usagePricingTierId: null,
      modelId: null,
      inputPrice: null,
      outputPrice: null,
      totalPrice: null,
      calculatedInputCost: cost.input ?? null,
      calculatedOutputCost: cost.output ?? null,
      calculatedTotalCost: cost.total ?? null,
      latency: row.latency ?? null,
      timeToFirstToken: row.timeToFirstToken ?? null,
    };
  });
  return { data, meta: pageMeta(page, limit, rows.length) };
}

/** `GET /api/public/v3/scores`: filtered by comma lists, newest first, cursor-paged. */
function scoresV3Page(
  stored: readonly { score: StoredScore; receivedMs: number }[],
  query: URLSearchParams,
  projectId: string,
): ScoresV3Response {
  const limit = integer(query.get("limit"), 50, 1, MAX_SCORES_LIMIT);
  const fields = (query.get("fields") ?? "").split(",").map((f) => f.trim()).filter(Boolean);
  const unknown = fields.find((f) => !SCORE_FIELD_GROUPS.includes(f));
  if (unknown) throw new HttpAnswer(400, `Invalid request data: unknown field group "${unknown}"`);
  const ids = listParam(query.get("id"));
  const traceIds = listParam(query.get("traceId"));
  const sessionIds = listParam(query.get("sessionId"));
  if (traceIds && sessionIds) {
    throw new HttpAnswer(400, "At most one of traceId, sessionId, experimentId may be specified");
  }
  const raw = query.get("cursor");
  const offset = raw === null ? 0 : Number(atob(raw.replace(/-/g, "+").replace(/_/g, "/")));
  if (!Number.isInteger(offset) || offset < 0) throw new HttpAnswer(400, "Invalid cursor");
  const rows = newestFirst(stored).filter(({ score }) =>
    (!ids || ids.includes(score.id)) &&
    (!traceIds || (score.traceId !== undefined && traceIds.includes(score.traceId))) &&
    (!sessionIds || (score.sessionId !== undefined && sessionIds.includes(score.sessionId)))
  );
  const page = rows.slice(offset, offset + limit).map(({ score, receivedMs }): ScoreV3 => {
    const dataType = score.dataType ??
      (typeof score.value === "string" ? "CATEGORICAL" : "NUMERIC");
    const at = new Date(receivedMs).toISOString();
    const row: ScoreV3 = {
      id: score.id,
      projectId,
      name: score.name,
      source: "API",
      timestamp: at,
      environment: score.environment ?? "default",
      createdAt: at,
      updatedAt: at,
      dataType,
      value: dataType === "BOOLEAN" ? score.value === 1 : score.value,
    };
    if (fields.includes("details")) {
      Object.assign(row, { comment: score.comment ?? null, configId: null, metadata: {} });
    }
    if (fields.includes("subject")) {
      row.subject = score.traceId !== undefined
        ? { kind: "trace", id: score.traceId }
        : { kind: "session", id: score.sessionId ?? "" };
    }
    return row;
  });
  const next = offset + limit < rows.length ? btoa(String(offset + limit)) : undefined;
  return { data: page, meta: { limit, ...(next ? { cursor: next.replace(/=+$/, "") } : {}) } };
}

/** `GET /api/public/v2/scores`: filtered, newest first, page-paged, with the trace's data. */
function scoresV2Page(
  stored: readonly { score: StoredScore; receivedMs: number }[],
  spans: readonly StoredSpan[],
  query: URLSearchParams,
  facts: { projectId: string },
): ScoresV2Response {
  const { page, limit } = pageParams(query, MAX_SCORES_LIMIT);
  const ids = listParam(query.get("scoreIds"));
  const traces = new Map(interpretSpans(spans.map((s) => s.span)).traces.map((t) => [t.id, t]));
  const rows = newestFirst(stored).filter(({ score }) =>
    (!ids || ids.includes(score.id)) && matches(query.get("traceId"), score.traceId) &&
    matches(query.get("sessionId"), score.sessionId) && matches(query.get("name"), score.name)
  );
  const data = rows.slice((page - 1) * limit, page * limit).map(({ score, receivedMs }) => {
    const dataType = score.dataType ??
      (typeof score.value === "string" ? "CATEGORICAL" : "NUMERIC");
    const at = new Date(receivedMs).toISOString();
    const trace = score.traceId === undefined ? undefined : traces.get(score.traceId);
    const row: ScoreV2 = {
      id: score.id,
      projectId: facts.projectId,
      environment: score.environment ?? "default",
      name: score.name,
      value: typeof score.value === "number" ? score.value : 0,
      stringValue: dataType === "CATEGORICAL"
        ? String(score.value)
        : dataType === "BOOLEAN"
        ? (score.value === 1 ? "True" : "False")
        : null,
      dataType,
      source: "API",
      authorUserId: null,
      comment: score.comment ?? null,
      metadata: {},
      configId: null,
      queueId: null,
      executionTraceId: null,
      createdAt: at,
      updatedAt: at,
      timestamp: at,
      traceId: score.traceId ?? null,
      observationId: null,
      sessionId: score.sessionId ?? null,
      datasetRunId: null,
      trace: trace
        ? {
          userId: trace.userId ?? null,
          tags: trace.tags,
          environment: trace.environment,
          sessionId: trace.sessionId ?? null,
        }
        : null,
    };
    return row;
  });
  return { data, meta: pageMeta(page, limit, rows.length) };
}

function newestFirst<T extends { score: StoredScore; receivedMs: number }>(
  list: readonly T[],
): T[] {
  return [...list].sort((a, b) =>
    b.receivedMs - a.receivedMs || (a.score.id < b.score.id ? -1 : a.score.id > b.score.id ? 1 : 0)
  );
}

function listParam(raw: string | null): string[] | undefined {
  if (raw === null || raw.trim() === "") return undefined;
  return raw.split(",").map((part) => part.trim()).filter(Boolean);
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

function jsonBody(raw: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(raw));
  } catch {
    throw new HttpAnswer(400, "Invalid request data: body is not JSON");
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const raw = body instanceof RawBody;
  res.writeHead(status, { "content-type": raw ? body.type : "application/json", ...headers });
  res.end(raw ? body.bytes : JSON.stringify(body));
}
