/**
 * A fake Langfuse on 127.0.0.1 for tests: it ingests OTLP like `/api/public/otel/v1/traces`
 * and serves the public read API built from what it received, as a v4 server (cursor-paged
 * `/api/public/v2/observations`) or a v3 one (`/api/public/traces`, `/api/public/sessions/{id}`).
 * Scores and trace deletes are recorded. Test switches: late visibility, a lost trace, mutated
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
import type { AddressInfo } from "node:net";
import { Buffer } from "node:buffer";
import { gunzipSync } from "node:zlib";
import {
  decodeTraceRequest,
  encodeTraceResponse,
  OtlpDecodeError,
  type ReceivedSpan,
} from "../export/otlp_decode.ts";
import { checkBasicAuth, type KeyPair } from "./_basic_auth.ts";
import { HttpAnswer, observationsPage, sessionAnswer, tracesPage } from "./_fake_reads.ts";
import type { StoredSpan, ViewFacts } from "./_fake_views.ts";
import { type CreateScoreRequest, MAX_DELETE_IDS } from "./api_types.ts";

export type { KeyPair } from "./_basic_auth.ts";

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
  const scores = new Map<string, StoredScore>();
  const requests: FakeRequest[] = [];
  const deletedTraceIds: string[] = [];
  let reads = 0;

  const visible = (): StoredSpan[] => {
    const at = now();
    return stored
      .filter((s) => at - s.receivedMs >= visibleAfterMs && !lost.has(s.span.traceId))
      .map((s) => ({ ...s, span: mutated(s.span, mutations) }));
  };
  const viewFacts = (): ViewFacts => {
    const scoresByTrace = new Map<string, string[]>();
    for (const score of scores.values()) {
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
    scores.set(id, { ...(body as unknown as CreateScoreRequest), id });
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
    deletedTraceIds.push(...ids);
    return { message: "Traces deleted successfully" };
  };

  const route = (req: IncomingMessage, raw: Uint8Array): unknown => {
    const url = new URL(req.url ?? "/", "http://fake");
    const path = url.pathname;
    const method = req.method ?? "GET";
    const isV3Read = path === TRACES || path.startsWith(SESSIONS);
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
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    mode,
    keys,
    get spans() {
      return stored.map((s) => s.span);
    },
    requests,
    get scores() {
      return [...scores.values()];
    },
    deletedTraceIds,
    loseTrace(traceId: string) {
      lost.add(traceId);
    },
    mutate(fn: (span: ReceivedSpan) => void) {
      mutations.push(fn);
    },
    close(): Promise<void> {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      return stopped;
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

function readBody(req: IncomingMessage): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(new Uint8Array(Buffer.concat(chunks))));
    req.on("error", reject);
  });
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
