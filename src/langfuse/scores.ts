/**
 * Sends a run's scores in batches as `score-create` events through `POST /api/public/ingestion`
 * (one request per batch instead of one per score: the ingestion budget is 1,000 requests a
 * minute on Langfuse Cloud Hobby, the scores API's only 30). Each score keeps the id the manifest
 * gave it, so sending twice replaces rather than duplicates. Langfuse answers 207 per event; a
 * refused event is a failed score with Langfuse's reason. A refused key stops the sending: every
 * further request would be refused the same way. 429s are waited out by the client.
 *
 * @example
 * ```ts
 * const { sent, failed } = await sendScores(client, scoresOf(manifest.sessions));
 * ```
 */
import type { ManifestScore, ManifestSession } from "../run_record/schema.ts";
import { LangfuseApiError } from "./api_error.ts";
import {
  type CreateScoreRequest,
  type IngestionError,
  MAX_INGESTION_BODY_BYTES,
  type ScoreCreateEvent,
} from "./api_types.ts";
import type { LangfuseClient } from "./client.ts";

/** A score to send: a manifest score and, optionally, the environment to file it under. */
export type ScoreToSend = ManifestScore & { environment?: string };

/** What {@link sendScores} did. */
export interface SendScoresResult {
  /** Scores Langfuse accepted. */
  sent: number;
  /** Scores not accepted, with the reason (the API error's or Langfuse's per-event message). */
  failed: { id: string; reason: string }[];
}

/** Options for {@link sendScores}. */
export interface SendScoresOptions {
  /** Most events per request; default 1000. */
  maxEvents?: number;
  /** Most body bytes per request; default 4 MiB, under Langfuse's 4.5 MiB limit. */
  maxBytes?: number;
  /** Clock for the events' timestamps, epoch ms; default `Date.now`. */
  now?: () => number;
}

/** Posts the scores in batches with their manifest ids; failures are returned, not thrown. */
export async function sendScores(
  client: LangfuseClient,
  scores: readonly ScoreToSend[],
  options: SendScoresOptions = {},
): Promise<SendScoresResult> {
  const failed: SendScoresResult["failed"] = [];
  let sent = 0;
  let refused: string | undefined;
  const timestamp = new Date((options.now ?? Date.now)()).toISOString();
  const events = scores.map((score): ScoreCreateEvent => ({
    id: score.id,
    timestamp,
    type: "score-create",
    body: scoreRequest(score),
  }));
  for (const batch of batches(events, options)) {
    if (refused !== undefined) {
      for (const event of batch) failed.push({ id: event.id, reason: refused });
      continue;
    }
    try {
      const answer = await client.ingest({ batch });
      const ok = new Set(answer.successes.map((s) => s.id));
      const errors = new Map(answer.errors.map((e) => [e.id, e]));
      for (const event of batch) {
        const error = errors.get(event.id);
        if (error !== undefined) failed.push({ id: event.id, reason: eventReason(error) });
        else if (ok.has(event.id)) sent++;
        else failed.push({ id: event.id, reason: "Langfuse did not answer for this score" });
      }
    } catch (error) {
      if (!(error instanceof LangfuseApiError)) throw error;
      for (const event of batch) failed.push({ id: event.id, reason: error.message });
      if (error.status === 401 || error.status === 403) refused = error.message;
    }
  }
  return { sent, failed };
}

/** Splits events into requests of at most `maxEvents` events and `maxBytes` of JSON each. */
export function batches(
  events: readonly ScoreCreateEvent[],
  options: SendScoresOptions = {},
): ScoreCreateEvent[][] {
  const maxEvents = options.maxEvents ?? 1000;
  const maxBytes = Math.min(options.maxBytes ?? 4 * 1024 * 1024, MAX_INGESTION_BODY_BYTES);
  const envelope = JSON.stringify({ batch: [] }).length;
  const out: ScoreCreateEvent[][] = [];
  let current: ScoreCreateEvent[] = [];
  let bytes = envelope;
  for (const event of events) {
    const size = new TextEncoder().encode(JSON.stringify(event)).length + 1;
    if (current.length > 0 && (current.length >= maxEvents || bytes + size > maxBytes)) {
      out.push(current);
      current = [];
      bytes = envelope;
    }
    current.push(event);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** Langfuse's reason for refusing one event, e.g. "Langfuse refused the score (400): …". */
function eventReason(error: IngestionError): string {
  const detail = typeof error.error === "string"
    ? error.error
    : error.error === undefined
    ? ""
    : JSON.stringify(error.error);
  const text = [error.message, detail].filter((part) => part).join(": ");
  return `Langfuse refused the score (${error.status})${text ? `: ${text.slice(0, 300)}` : ""}`;
}

/** Every score of the sessions, filed under its session's environment when Langfuse takes it. */
export function scoresOf(sessions: readonly ManifestSession[]): ScoreToSend[] {
  return sessions.flatMap((session) =>
    (session.scores ?? []).map((score) =>
      session.environment !== undefined && isEnvironment(session.environment)
        ? { ...score, environment: session.environment }
        : score
    )
  );
}

/** The request body of one score: exactly one of traceId and sessionId. */
export function scoreRequest(score: ScoreToSend): CreateScoreRequest {
  return {
    id: score.id,
    ...(score.traceId !== undefined ? { traceId: score.traceId } : { sessionId: score.sessionId }),
    name: score.name,
    value: score.value,
    dataType: score.dataType,
    ...(score.comment !== undefined ? { comment: score.comment } : {}),
    // Langfuse checks the score against its config and drops it silently when it does not fit.
    ...(score.configId !== undefined ? { configId: score.configId } : {}),
    ...(score.environment !== undefined ? { environment: score.environment } : {}),
  };
}

/** Langfuse's environment rule: lower case `[a-z0-9_-]`, at most 40, not starting "langfuse". */
function isEnvironment(value: string): boolean {
  return /^[a-z0-9_-]{1,40}$/.test(value) && !value.startsWith("langfuse");
}
