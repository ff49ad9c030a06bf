/**
 * The fake Langfuse's `POST /api/public/ingestion`, as `web/src/pages/api/public/ingestion.ts`
 * (v4.16.0) answers it: a body over 4.5 MiB is a 413, a body without a `batch` list a 400, and
 * otherwise a 207 with `successes` and `errors` per event. Only `score-create` events are stored;
 * a v4 (events_only) server refuses every other event type per event, and a v3 one is not
 * faked beyond scores (its trace and observation events are refused the same way here).
 * Private to the folder.
 */
import { isRecord, jsonBody } from "./http.ts";
import { HttpAnswer } from "./reads.ts";
import type { StoredScore } from "./types.ts";
import { score, type ScoreConfigRules } from "./writes.ts";
import { LangfuseAnswer } from "./validate.ts";
import {
  type IngestionError,
  type IngestionResponse,
  MAX_INGESTION_BODY_BYTES,
} from "../../src/langfuse/api_types.ts";

/** A handler's answer with a status other than 200. */
export class WithStatus {
  constructor(readonly status: number, readonly body: unknown) {}
}

/** Stores the batch's valid score-create events; answers each event in the 207 body. */
export function ingestBatch(
  raw: Uint8Array,
  scores: Map<string, { score: StoredScore; receivedMs: number }>,
  now: () => number,
  rules?: ScoreConfigRules,
): WithStatus {
  if (raw.length > MAX_INGESTION_BODY_BYTES) throw new HttpAnswer(413, "Body exceeded 4.5mb limit");
  const body = jsonBody(raw);
  if (!isRecord(body) || !Array.isArray(body.batch)) {
    throw new HttpAnswer(400, "Invalid request data");
  }
  const answer: IngestionResponse = { successes: [], errors: [] };
  for (const event of body.batch) {
    const id = isRecord(event) && typeof event.id === "string" ? event.id : "unknown";
    const refused = refusal(event);
    if (refused !== undefined) {
      answer.errors.push({ id, ...refused });
      continue;
    }
    try {
      score((event as Record<string, unknown>).body, scores, now, rules);
      answer.successes.push({ id, status: 201 });
    } catch (error) {
      if (!(error instanceof HttpAnswer)) throw error;
      answer.errors.push({
        id,
        status: 400,
        message: "Invalid request data",
        error: error instanceof LangfuseAnswer
          ? error.error
          : error.message.replace(/^Invalid request data: /, ""),
      });
    }
  }
  return new WithStatus(207, answer);
}

/** Why an event is refused before its score is read, or undefined. */
function refusal(event: unknown): Omit<IngestionError, "id"> | undefined {
  if (!isRecord(event) || typeof event.id !== "string" || typeof event.timestamp !== "string") {
    return { status: 400, message: "Invalid request data", error: "id and timestamp are required" };
  }
  if (event.type !== "score-create") {
    return {
      status: 400,
      message: "Event type not accepted",
      error: `Event type "${String(event.type)}" is not accepted by /api/public/ingestion ` +
        "when LANGFUSE_MIGRATION_V4_WRITE_MODE is events_only. This endpoint only accepts score events.",
    };
  }
  const body = event.body;
  const target = isRecord(body) &&
    ["traceId", "sessionId", "observationId", "datasetRunId"].some((key) =>
      typeof body[key] === "string" && body[key] !== ""
    );
  if (!target) {
    return {
      status: 400,
      message: "Invalid request data",
      error: "a score needs a traceId, sessionId, observationId or datasetRunId",
    };
  }
  return undefined;
}
