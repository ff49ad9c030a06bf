/**
 * The review layer of a run: read and checked before anything is sent (the scripts' `review:`
 * sections or one review file), its queues made before the first span, and after the spans
 * are acknowledged its items and comments made in Langfuse (Langfuse target only), saying what
 * became of them.
 *
 * @example
 * ```ts
 * const review = await readReview(scripts, { timeoutMs });   // before sending
 * for (const plan of plans) review.start(seed).add(plan);
 * const reviewed = await deliverReview(review, { target, langfuse, io });   // after sending
 * ```
 */
import type { Target } from "../export/target.ts";
import { systemClock } from "../load/clock.ts";
import {
  applyReview,
  createQueue,
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
import { parseYaml, readInputText } from "../script/yaml.ts";
import type { ScriptFile } from "../script/read.ts";
import { Review, reviewContext, reviewProblems } from "../script/schema_review.ts";
import { formatMs } from "../script/duration.ts";
import { CliError, EXIT } from "./exit_codes.ts";
import type { Io } from "./io.ts";
import { apiFailure, type RunLangfuse } from "./langfuse_access.ts";

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

/** Where a run's review layer comes from (see {@link readReview}). */
export interface ReviewSpec {
  /** Leave the review layer out; default false. */
  off?: boolean;
  /** A review file used instead of the scripts' own sections. */
  file?: string;
  /** How long comments wait for Langfuse to show their objects, ms. */
  timeoutMs: number;
}

/**
 * The review sections that apply to the run: the review file (checked against every script's
 * score and step names, problems with file:line:col) or else each script's own section.
 * Throws ScriptError (exit 3) for a bad file and CliError 3 for conflicting sections.
 */
export async function readReview(
  scripts: readonly ScriptFile[],
  spec: ReviewSpec,
): Promise<ReviewRun> {
  let sources: ReviewSource[];
  if (spec.off) {
    sources = [];
  } else if (spec.file !== undefined) {
    const file = spec.file;
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
    return new ReviewRun(sources, spec.timeoutMs);
  } catch (error) {
    if (error instanceof ReviewConflictError) {
      throw new CliError(`${error.message}\nNothing was sent.`, EXIT.invalidScript);
    }
    throw error;
  }
}

/** Where a run sends its review layer. */
export interface ReviewDelivery {
  target: Target;
  /** The run's Langfuse access (one client for the run). */
  langfuse: RunLangfuse;
  /** The score config ids the resources step resolved, by name. */
  configIds?: ReadonlyMap<string, string>;
}

/** The review-only score configs of a run, for the resources step to ensure before the first span. */
export function reviewScoreConfigs(review: ReviewRun): ReviewScoreConfigSpec[] {
  return reviewConfigsOf(review.sources);
}

/**
 * Makes the run's declared queues exist before the first span: a queue needs no visibility,
 * only its score configs (`configIds`, from the resources step), so a queue Langfuse refuses (Cloud
 * Hobby's one-queue cap, a validation error) stops the run with nothing sent instead of after
 * every span went out. Other targets, and runs declaring no queue, do nothing.
 */
export async function prepareQueues(
  run: ReviewRun,
  { target, langfuse, configIds }: ReviewDelivery,
): Promise<void> {
  const declared = new Map<string, QueueDeclaration>();
  for (const source of run.sources) {
    for (const queue of source.review.queues ?? []) declared.set(queue.name, queue);
  }
  if (declared.size === 0 || !target.langfuseApi) return;
  const client = langfuse.client;
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
  if (target.langfuseApi) return undefined;
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
 * why. `configIds` are the score config ids the resources step resolved, by name.
 */
export async function deliverReview(
  run: ReviewRun,
  { target, langfuse, configIds, io }: ReviewDelivery & { io: Pick<Io, "clock" | "progress"> },
): Promise<ReviewOutcome> {
  const skipped = reviewSkipped(target, run);
  if (skipped) return skipped;
  const clock = io.clock ?? systemClock;
  const sleep = (ms: number) => clock.sleepUntil(clock.now() + ms);
  const client = langfuse.client;
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
