/**
 * The review layer's flags in `replay` and `load`: `--review FILE`, `--review-timeout D` and
 * `--no-review`, checked, then the review layer read (see run/review.ts).
 */
import { DEFAULT_REVIEW_TIMEOUT_MS } from "../langfuse/review_apply.ts";
import type { ScriptFile } from "../script/read.ts";
import { readReview, type ReviewRun } from "../run/review.ts";
import { CliError, EXIT } from "../run/exit_codes.ts";
import { durationFlag, type DurationFlagOptions, MAX_TIMEOUT_MS } from "../run/limits.ts";
import { durationFlag as durationKind, switchFlag, textFlag } from "./flags.ts";

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

/**
 * The review sections that apply to the run: `--review FILE` (checked against every script's
 * score and step names, problems with file:line:col) or else each script's own section.
 * Throws ScriptError (exit 3) for a bad file and CliError for bad flags or conflicts.
 */
export async function prepareReview(
  scripts: readonly ScriptFile[],
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
  return await readReview(scripts, {
    off: values["no-review"],
    file: values.review,
    timeoutMs,
  });
}
