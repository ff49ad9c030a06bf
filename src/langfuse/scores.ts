/**
 * Sends a run's scores with `POST /api/public/scores`. Each score keeps the id the manifest
 * gave it, so sending twice replaces rather than duplicates. A refused key stops the sending:
 * every further request would be refused the same way.
 *
 * @example
 * ```ts
 * const { sent, failed } = await sendScores(client, scoresOf(manifest.sessions));
 * ```
 */
import type { ManifestScore, ManifestSession } from "../report/run_report.ts";
import { LangfuseApiError } from "./api_error.ts";
import type { CreateScoreRequest } from "./api_types.ts";
import type { LangfuseClient } from "./client.ts";

/** A score to send: a manifest score and, optionally, the environment to file it under. */
export type ScoreToSend = ManifestScore & { environment?: string };

/** What {@link sendScores} did. */
export interface SendScoresResult {
  /** Scores Langfuse accepted. */
  sent: number;
  /** Scores not accepted, with the reason (the API error's message). */
  failed: { id: string; reason: string }[];
}

/** Posts each score with its manifest id; failures are returned, not thrown. */
export async function sendScores(
  client: LangfuseClient,
  scores: readonly ScoreToSend[],
): Promise<SendScoresResult> {
  const failed: SendScoresResult["failed"] = [];
  let sent = 0;
  let refused: string | undefined;
  for (const score of scores) {
    if (refused !== undefined) {
      failed.push({ id: score.id, reason: refused });
      continue;
    }
    try {
      await client.createScore(scoreRequest(score));
      sent++;
    } catch (error) {
      if (!(error instanceof LangfuseApiError)) throw error;
      failed.push({ id: score.id, reason: error.message });
      if (error.status === 401 || error.status === 403) refused = error.message;
    }
  }
  return { sent, failed };
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
    ...(score.environment !== undefined ? { environment: score.environment } : {}),
  };
}

/** Langfuse's environment rule: lower case `[a-z0-9_-]`, at most 40, not starting "langfuse". */
function isEnvironment(value: string): boolean {
  return /^[a-z0-9_-]{1,40}$/.test(value) && !value.startsWith("langfuse");
}
