/**
 * The review layer in `replay` and `load`: before sending, reads the scripts' `review:`
 * sections (or `--review FILE` instead) and checks them; after the spans are acknowledged,
 * makes the queues, items and comments exist in Langfuse (Langfuse target only) and says
 * what became of them.
 *
 * @example
 * ```ts
 * const review = await prepareReview(scripts, values);      // before sending
 * for (const plan of plans) review.start(seed).add(plan);
 * const reviewed = await deliverReview(target, review, io);      // after sending
 * ```
 */
import type { Target } from "../export/target.ts";
import { systemClock } from "../load/clock.ts";
import {
  applyReview,
  createQueue,
  DEFAULT_REVIEW_TIMEOUT_MS,
  type QueueDeclaration,
  QueueRefused,
} from "../langfuse/review_apply.ts";
import {
  reviewConfigsOf,
  ReviewConflictError,
  type ReviewScoreConfigSpec,
  ReviewSelector,
  type ReviewSource,
} from "../plan/review_select.ts";
import { formatReview, type ReviewMix, type RunReview } from "../report/review_report.ts";
import { parseYaml, readInputText } from "../script/load.ts";
import type { LoadedScript } from "../script/load.ts";
import { Review, reviewContext, reviewProblems } from "../script/schema_review.ts";
import { formatMs } from "../script/duration.ts";
import { CliError, EXIT } from "./exit_codes.ts";
import type { Io } from "./io.ts";
import { durationFlag, type DurationFlagOptions, MAX_TIMEOUT_MS } from "./limits.ts";
import { durationFlag as durationKind, switchFlag, textFlag } from "./flags.ts";
import { apiFailure, langfuseClientFromEnv } from "./verify.ts";

/** The bounds of `--review-timeout`. */
const REVIEW_TIMEOUT: DurationFlagOptions = {
  maxMs: MAX_TIMEOUT_MS,
  maxText: "1d",
  allowZero: true,
  example: "30s or 5m",
};

/** The flags replay and load take for the review layer. */
export const REVIEW_FLAGS = {
  review: textFlag(
    "FILE",
    "the review layer (annotation queues, review-only score configs, comments) from FILE " +
      "instead of the scripts' review: sections; Langfuse target only, done after the spans " +
      "are acknowledged",
  ),
  "review-timeout": durationKind(
    "D",
    "how long comments wait for Langfuse to show their objects (default 2m, at most 1d)",
    { ...REVIEW_TIMEOUT, default: DEFAULT_REVIEW_TIMEOUT_MS },
  ),
  "no-review": switchFlag(
    "leave the review layer out (no queues, items, comments or review-only score configs): " +
      "each comment costs two requests of Langfuse's public-API budget (30 a minute on Cloud " +
      "Hobby), which a large load may not want",
  ),
};

/** A run's review layer, checked before anything is sent; `start` it with the run's seed. */
export class ReviewRun {
  #selector?: ReviewSelector;
  /** Queues this run created before its first span (see {@link prepareQueues}). */
  readonly createdBefore = new Set<string>();

  /** Checks that the sources' queues and configs agree; throws ReviewConflictError. */
  constructor(readonly sources: ReviewSource[], readonly timeoutMs: number) {
    new ReviewSelector(sources, 0);
  }

  /** The selector the run's sessions are added to, drawing samples from `seed`. */
  start(seed: number): ReviewSelector {
    this.#selector = new ReviewSelector(this.sources, seed);
    return this.#selector;
  }

  /** The started selector. */
  get selector(): ReviewSelector {
    if (this.#selector === undefined) throw new Error("ReviewRun.start was not called");
    return this.#selector;
  }
}

/**
 * The review sections that apply to the run: `--review FILE` (checked against every script's
 * score and step names, problems with file:line:col) or else each script's own section.
 * Throws ScriptError (exit 3) for a bad file and CliError for bad flags or conflicts.
 */
export async function prepareReview(
  scripts: readonly LoadedScript[],
  values: { review?: string; "review-timeout"?: string; "no-review"?: boolean },
): Promise<ReviewRun> {
  if (
    values["no-review"] && (values.review !== undefined || values["review-timeout"] !== undefined)
  ) {
    throw new CliError(
      `give --no-review or ${
        values.review !== undefined ? "--review" : "--review-timeout"
      }, not both`,
      EXIT.usage,
    );
  }
  const timeoutMs = values["review-timeout"] === undefined
    ? DEFAULT_REVIEW_TIMEOUT_MS
    : durationFlag(values["review-timeout"], "--review-timeout", REVIEW_TIMEOUT);
  let sources: ReviewSource[];
  if (values["no-review"]) {
    sources = [];
  } else if (values.review !== undefined) {
    const file = values.review;
    const context = reviewContext(scripts.map(({ script }) => script));
    const text = await readInputText(file);
    const { value } = parseYaml(text, file, Review, (review) => reviewProblems(review, context));
    sources = [{ label: file, review: value }];
  } else {
    sources = scripts.flatMap(({ file, script }) =>
      script.review ? [{ label: file, review: script.review, scripts: [script.name] }] : []
    );
  }
  try {
    return new ReviewRun(sources, timeoutMs);
  } catch (error) {
    if (error instanceof ReviewConflictError) {
      throw new CliError(`${error.message}\nNothing was sent.`, EXIT.invalidScript);
    }
    throw error;
  }
}

/** The review-only score configs of a run, for the fixtures step to ensure before the first span. */
export function reviewScoreConfigs(review: ReviewRun): ReviewScoreConfigSpec[] {
  return reviewConfigsOf(review.sources);
}

/**
 * Makes the run's declared queues exist before the first span: a queue needs no visibility,
 * only its score configs (`configIds`, from the fixtures step), so a queue Langfuse refuses (Cloud
 * Hobby's one-queue cap, a validation error) stops the run with nothing sent instead of after
 * every span went out. Other targets, and runs declaring no queue, do nothing.
 */
export async function prepareQueues(
  target: Target,
  run: ReviewRun,
  io: Io,
  configIds?: ReadonlyMap<string, string>,
): Promise<void> {
  const declared = new Map<string, QueueDeclaration>();
  for (const source of run.sources) {
    for (const queue of source.review.queues ?? []) declared.set(queue.name, queue);
  }
  if (declared.size === 0 || target.kind !== "langfuse") return;
  const { client } = langfuseClientFromEnv(io.env, "review");
  let existing: { name: string }[];
  try {
    existing = await client.allAnnotationQueues();
  } catch (error) {
    throw apiFailure(error);
  }
  for (const [name, queue] of declared) {
    if (existing.some((q) => q.name === name)) continue;
    try {
      await createQueue(client, queue, configIds, () => client.allScoreConfigs());
    } catch (error) {
      if (error instanceof QueueRefused) {
        throw new CliError(`${error.message}\nNothing was sent.`, EXIT.langfuseApi);
      }
      throw error;
    }
    run.createdBefore.add(name);
  }
}

/** What {@link deliverReview} did: the manifest's `review` (absent when skipped) and lines to print. */
export interface ReviewOutcome {
  review?: RunReview;
  /** Lines for the summary; empty when the run declares no review layer. */
  text: string;
}

const PREFIX = "  review    ";

/** The outcome when there is nothing to make, or no Langfuse to make it in. */
function reviewSkipped(target: Target, run: ReviewRun): ReviewOutcome | undefined {
  if (run.selector.empty) return { text: "" };
  if (target.kind === "langfuse") return undefined;
  return {
    text: `${PREFIX}skipped: annotation queues and comments are made through Langfuse's API, ` +
      `so only the langfuse target gets them (this run went to ${target.kind})`,
  };
}

/**
 * The review layer of a run that did not deliver everything (stopped, or spans failed): not
 * made, and counted, with `reason`, so the report says what is missing.
 */
export function reviewNotMade(target: Target, run: ReviewRun, reason: string): ReviewOutcome {
  const skipped = reviewSkipped(target, run);
  if (skipped) return skipped;
  const plan = run.selector.result();
  const items = plan.queues.reduce((sum, queue) => sum + queue.items.length, 0);
  const review: RunReview = {
    queues: [],
    items: [],
    comments: [],
    failed: {},
    notMade: { reason, items, comments: plan.comments.length },
  };
  return { review, text: formatReview(review, PREFIX) };
}

/**
 * Makes the run's queues, items and comments exist in Langfuse. Other targets skip it, saying
 * why. `configIds` are the score config ids the fixtures step resolved, by name.
 */
export async function deliverReview(
  target: Target,
  run: ReviewRun,
  io: Io,
  configIds?: ReadonlyMap<string, string>,
): Promise<ReviewOutcome> {
  const skipped = reviewSkipped(target, run);
  if (skipped) return skipped;
  const clock = io.clock ?? systemClock;
  const sleep = (ms: number) => clock.sleepUntil(clock.now() + ms);
  const { client } = langfuseClientFromEnv(io.env, "review", { now: clock.now, sleep });
  const plan = run.selector.result();
  let review: RunReview;
  try {
    review = await applyReview(client, plan, {
      configIds,
      timeoutMs: run.timeoutMs,
      now: clock.now,
      sleep,
      progress: (waiting, nextDelayMs) =>
        io.progress?.(
          `review: ${waiting} comment${waiting === 1 ? "" : "s"} waiting for Langfuse to show ` +
            `their objects; trying again in ${formatMs(nextDelayMs)}\n`,
        ),
    });
  } catch (error) {
    throw apiFailure(error);
  }
  // A queue made before the first span is still this run's.
  for (const queue of review.queues) if (run.createdBefore.has(queue.name)) queue.created = true;
  const mix: ReviewMix = { planted: {} };
  for (const queue of plan.queues) {
    mix.planted[queue.name] = [queue.items.length, queue.items.filter((i) => i.planted).length];
  }
  return { review, text: formatReview(review, PREFIX, mix) };
}
