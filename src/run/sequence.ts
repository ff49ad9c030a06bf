/**
 * The steps replay and load share around sending their spans: the run's identity, anchor and
 * run id decided; its prompts, score configs and queues made sure of before the first span;
 * its scores and review layer settled after the last.
 */
import type { Target } from "../export/target.ts";
import type { IdentityValue, RunIdentity } from "../run_record/identity.ts";
import { configIdsOf } from "../report/review_report.ts";
import type { ScoreDelivery } from "../report/run_report.ts";
import type { ScriptFile } from "../script/read.ts";
import type { Io } from "./io.ts";
import { resolveAnchor, type TimeAnchor } from "./anchor.ts";
import { type PreparedResources, prepareResources } from "./resources.ts";
import type { RunLangfuse } from "./langfuse_access.ts";
import {
  deliverReview,
  prepareQueues,
  reviewNotMade,
  type ReviewOutcome,
  type ReviewRun,
  reviewScoreConfigs,
} from "./review.ts";
import { runIdentity, runIdOf } from "./run_identity.ts";
import { scoresNotSent } from "./scores.ts";

/** What decides a run's identity and anchor. */
export interface IdentitySpec {
  command: "replay" | "load";
  seed: number;
  /** Whether the seed was chosen: only then is an earlier anchor re-used. */
  seeded: boolean;
  /** The script files as given, and the scripts. */
  files: string[];
  scripts: readonly ScriptFile[];
  /** The flags that shape the sessions, as resolved. */
  shape: Record<string, IdentityValue | undefined>;
  target: Target;
  /** `--at`. */
  at?: string;
  /** Where earlier manifests or reports of this run are; empty: re-use no anchor. */
  dirs: string[];
  /** The run id leaves the anchor out (the shards of a live run, which each start when they start). */
  unanchored?: boolean;
}

/** A run's identity, its time anchor, its run id, and the line to say when an anchor was re-used. */
export interface DecidedRun {
  identity: RunIdentity;
  anchor: TimeAnchor;
  runId: string;
  note?: string;
}

/**
 * Decides the run: from the identity and the anchor, a seeded re-run at the same anchor
 * overwrites the same traces, and other scripts, flags or targets are another run.
 */
export async function decideRun(spec: IdentitySpec, nowMs: number): Promise<DecidedRun> {
  const { command, seed, scripts, shape, target } = spec;
  const identity = runIdentity({ command, seed, scripts, shape, target });
  const { anchor, note } = await resolveAnchor({
    command,
    seed,
    seeded: spec.seeded,
    scripts: spec.files,
    fingerprint: identity.fingerprint,
    at: spec.at,
    dirs: spec.dirs,
    nowMs,
  });
  const runId = runIdOf(identity, spec.unanchored ? undefined : anchor.ms);
  return { identity, anchor, runId, ...(note ? { note } : {}) };
}

/** Where a run's Langfuse steps go. */
export interface RunPlace {
  target: Target;
  /** The run's Langfuse access (one client for the run). */
  langfuse: RunLangfuse;
  review: ReviewRun;
}

/** What was made sure of before the first span. */
export interface Prepared {
  resources: PreparedResources;
  /** The score config ids by name, for the review layer. */
  configIds?: ReadonlyMap<string, string>;
}

/**
 * Makes the run's prompts, score configs (the review layer's too) and queues exist before the
 * first span, on a target with Langfuse's API; the plans link to them. Throws CliError when
 * one is refused: nothing has been sent then.
 */
export async function prepareRun(
  scripts: readonly ScriptFile[],
  { target, langfuse, review }: RunPlace,
): Promise<Prepared> {
  const resources = await prepareResources(scripts, {
    target,
    langfuse,
    reviewConfigs: reviewScoreConfigs(review),
  });
  const configIds = configIdsOf(resources.resources);
  await prepareQueues(review, { target, langfuse, configIds });
  return { resources, ...(configIds ? { configIds } : {}) };
}

/** How a run's scores are settled. */
export interface SettleOptions extends RunPlace {
  prepared: Prepared;
  io: Pick<Io, "clock" | "progress">;
  /** Scores the run planned. */
  planned: number;
  /** Sends them (only called when the run delivered everything). */
  sendScores: () => Promise<ScoreDelivery>;
}

/**
 * Sends the run's scores and makes its review layer after the spans, when `notSent` is
 * undefined; otherwise counts both as not sent, with that reason, so the record says what is
 * missing.
 */
export async function settleRun(
  notSent: string | undefined,
  options: SettleOptions,
): Promise<{ scores: ScoreDelivery; reviewed: ReviewOutcome }> {
  const { target, langfuse, review, prepared, io } = options;
  if (notSent !== undefined) {
    return {
      scores: scoresNotSent(options.planned, target.langfuseApi ? notSent : undefined),
      reviewed: reviewNotMade(target, review, notSent),
    };
  }
  const scores = await options.sendScores();
  const reviewed = await deliverReview(review, {
    target,
    langfuse,
    configIds: prepared.configIds,
    io,
  });
  return { scores, reviewed };
}
