/**
 * The fake Langfuse's write endpoints: OTLP ingestion, score creation and trace deletion. Each
 * validates its request as Langfuse does (a thrown {@link HttpAnswer} for 400s) and changes the
 * state it is handed, which startFakeLangfuse owns. Private to the folder.
 */
import type { IncomingMessage } from "node:http";
import { gunzipSync } from "node:zlib";
import {
  decodeTraceRequest,
  encodeTraceResponse,
  OtlpDecodeError,
  type ReceivedSpan,
} from "../../src/otlp/decode.ts";
import { header, isRecord, RawBody } from "./http.ts";
import { HttpAnswer } from "./reads.ts";
import { storeSpans } from "./storage.ts";
import type { StoredScore } from "./types.ts";
import type { StoredSpan } from "./views.ts";
import { type CreateScoreRequest, MAX_DELETE_IDS } from "../../src/langfuse/api_types.ts";
import type { ApiScoreConfig } from "../../src/langfuse/api_review_types.ts";
import type { PromptLink } from "./prompt_link.ts";
import type { DroppedScore } from "./review_state.ts";
import { checkScoreBody, fitToConfig } from "./score_rules.ts";

/** The score configs scores are checked against, and where dropped scores are counted. */
export interface ScoreConfigRules {
  configs: readonly ApiScoreConfig[];
  dropped: DroppedScore[];
}

/** `POST /api/public/otel/v1/traces`: stores the decoded spans, received now, keyed as `mode` keys rows. */
export function ingest(
  req: IncomingMessage,
  raw: Uint8Array,
  stored: StoredSpan[],
  now: () => number,
  mode: "v4" | "v3" = "v4",
  link?: (span: ReceivedSpan) => PromptLink | undefined,
): unknown {
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
  storeSpans(stored, spans, at, mode, link);
  return new RawBody(encodeTraceResponse(undefined, otlpType), otlpType);
}

/**
 * `POST /api/public/scores`: stores the score; re-posting an id replaces it, keeping its arrival.
 * With `rules`, a score with a `configId` that does not fit its config is answered but dropped.
 */
export function score(
  body: unknown,
  scores: Map<string, { score: StoredScore; receivedMs: number }>,
  now: () => number,
  rules?: ScoreConfigRules,
): unknown {
  if (!isRecord(body) || typeof body.name !== "string" || body.name === "") {
    throw new HttpAnswer(400, "Invalid request data: name is required");
  }
  if (typeof body.value !== "number" && typeof body.value !== "string") {
    throw new HttpAnswer(400, "Invalid request data: value must be a number or a string");
  }
  checkScoreBody(body);
  const id = typeof body.id === "string" && body.id !== "" ? body.id : crypto.randomUUID();
  let stored: StoredScore = { ...(body as unknown as CreateScoreRequest), id };
  if (rules !== undefined && typeof stored.configId === "string") {
    const verdict = fitToConfig(stored, rules.configs);
    if ("dropped" in verdict) {
      rules.dropped.push({ score: stored, reason: verdict.dropped });
      return { id };
    }
    stored = verdict.score;
  }
  const receivedMs = scores.get(id)?.receivedMs ?? now();
  scores.set(id, { score: stored, receivedMs });
  return { id };
}

/**
 * The ids of a `DELETE /api/public/traces` body, checked as Langfuse's DeleteTracesV1Body
 * does (a strict object: 1 to 1000 strings, no other key); throws the 400 Langfuse answers.
 */
export function traceIdsToDelete(body: unknown): string[] {
  const ids = isRecord(body) ? body.traceIds : undefined;
  if (!Array.isArray(ids) || !ids.every((id) => typeof id === "string")) {
    throw new HttpAnswer(400, "Invalid request data: traceIds must be a list of strings");
  }
  const extra = Object.keys(body as Record<string, unknown>).find((key) => key !== "traceIds");
  if (extra !== undefined) {
    throw new HttpAnswer(400, `Invalid request data: Unrecognized key(s) in object: '${extra}'`);
  }
  if (ids.length < 1) throw new HttpAnswer(400, "At least 1 traceId is required.");
  if (ids.length > MAX_DELETE_IDS) {
    throw new HttpAnswer(400, "Cannot specify more than 1000 traces in a single request.");
  }
  return ids;
}

/** Drops the traces' spans and, as Langfuse does, their scores: a delete taking effect. */
export function dropTraces(
  ids: readonly string[],
  stored: StoredSpan[],
  scores: Map<string, { score: StoredScore; receivedMs: number }>,
): void {
  const gone = new Set(ids);
  for (let i = stored.length - 1; i >= 0; i--) {
    if (gone.has(stored[i].span.traceId)) stored.splice(i, 1);
  }
  for (const [id, { score }] of scores) {
    if (score.traceId !== undefined && gone.has(score.traceId)) scores.delete(id);
  }
}
