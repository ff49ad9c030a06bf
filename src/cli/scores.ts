/** Sends a run's scores after its spans: batched through Langfuse's ingestion API, so Langfuse only. */
import type { Target } from "../export/target.ts";
import type { LangfuseClient } from "../langfuse/client.ts";
import { type ScoreToSend, sendScores } from "../langfuse/scores.ts";
import type { ScoreDelivery } from "../report/run_report.ts";
import type { Io } from "./io.ts";
import { langfuseClientFromEnv } from "./verify.ts";

/** What becomes of `planned` scores on a target other than Langfuse: counted, not sent. */
export function scoresNotSent(planned: number): ScoreDelivery {
  if (planned === 0) return { planned: 0, sent: 0, failed: {} };
  return {
    planned,
    sent: 0,
    failed: {},
    skipped:
      "OTLP cannot carry scores; they go through Langfuse's API, so only the langfuse target sends them",
  };
}

/**
 * Sends `scores` when the target is Langfuse; other targets cannot take scores (OTLP has none).
 * Pass the same `client` to every call of one run so its pacing (a spent rate-limit budget) holds
 * across calls; default a new client from the environment.
 */
export async function deliverScores(
  target: Target,
  scores: readonly ScoreToSend[],
  io: Io,
  client?: LangfuseClient,
): Promise<ScoreDelivery> {
  if (scores.length === 0) return { planned: 0, sent: 0, failed: {} };
  if (target.kind !== "langfuse") return scoresNotSent(scores.length);
  const result = await sendScores(client ?? langfuseClientFromEnv(io.env, "replay").client, scores);
  const failed: Record<string, number> = {};
  for (const { reason } of result.failed) failed[reason] = (failed[reason] ?? 0) + 1;
  return { planned: scores.length, sent: result.sent, failed };
}
