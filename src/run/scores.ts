/** Sends a run's scores after its spans: batched through Langfuse's ingestion API, so Langfuse only. */
import type { Target } from "../export/target.ts";
import { type ScoreToSend, sendScores } from "../langfuse/scores.ts";
import type { ScoreDelivery } from "../report/run_report.ts";
import { type StopSignal, stopText } from "./stop.ts";
import type { RunLangfuse } from "./langfuse_access.ts";

/**
 * What becomes of `planned` scores that are not sent: counted, with why. On a target other
 * than Langfuse the reason is always that OTLP cannot carry them; `reason` says why a Langfuse
 * run held them back (it was stopped, or not every span was delivered).
 */
export function scoresNotSent(planned: number, reason?: string): ScoreDelivery {
  if (planned === 0) return { planned: 0, sent: 0, failed: {} };
  return {
    planned,
    sent: 0,
    failed: {},
    skipped: reason ??
      "OTLP cannot carry scores; they go through Langfuse's API, so only the langfuse target sends them",
  };
}

/** What a run's end says about sending its scores and review layer (see heldBack). */
export interface RunEnd {
  /** The run ended with an internal error. */
  crashed?: boolean;
  /** The signal that stopped the run, when one did. */
  stopped?: StopSignal;
  /** Every span was delivered. */
  delivered: boolean;
}

/**
 * Why a run's scores and review layer are not sent, or undefined to send them: they follow
 * only a run that delivered everything, and are otherwise counted as not sent, with this.
 */
export function heldBack(end: RunEnd): string | undefined {
  if (end.crashed) return "the run ended with an internal error";
  if (end.stopped) return `the run was ${stopText(end.stopped)}`;
  if (!end.delivered) return "not every span was delivered";
  return undefined;
}

/**
 * Sends `scores` when the target is Langfuse; other targets cannot take scores (OTLP has none).
 * They go through the run's one client, so its pacing (a spent rate-limit budget) holds across
 * calls and steps.
 */
export async function deliverScores(
  scores: readonly ScoreToSend[],
  { target, langfuse }: { target: Target; langfuse: RunLangfuse },
): Promise<ScoreDelivery> {
  if (scores.length === 0) return { planned: 0, sent: 0, failed: {} };
  if (!target.langfuseApi) return scoresNotSent(scores.length);
  const result = await sendScores(langfuse.client, scores);
  const failed: Record<string, number> = {};
  for (const { reason } of result.failed) failed[reason] = (failed[reason] ?? 0) + 1;
  return { planned: scores.length, sent: result.sent, failed };
}
