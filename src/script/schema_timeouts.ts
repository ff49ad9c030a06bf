/**
 * Steps that time out. A status message that names a timeout ("payment provider timeout after
 * 5s") says how long the step lasted: a step without child steps lasts exactly that timeout,
 * never stretched as a slow outlier. So a duration given beside it may only be that one
 * duration, and a step whose injected failure is a timeout ends before it when it succeeds.
 */
import { formatDuration, mentionedTimeout, parseDurationRange } from "./duration.ts";
import type { PathProblem } from "./errors.ts";

/** The parts of a step the timeout checks read. */
export interface TimedStep {
  type: string;
  duration?: number | string;
  statusMessage?: string;
  steps?: unknown[];
  error?: { message: string; duration?: number | string };
}

/** Problems of durations that disagree with the timeout a step's messages name. */
export function timeoutProblems(step: TimedStep): PathProblem[] {
  if (step.type === "event" || step.steps?.length) return [];
  const problems: PathProblem[] = [];
  const agree = (text: string | undefined, duration: number | string | undefined, paths: {
    text: PropertyKey[];
    duration: PropertyKey[];
  }) => {
    const mention = text === undefined ? undefined : mentionedTimeout(text);
    if (!mention || duration === undefined) return;
    const range = rangeOf(duration);
    if (range && range.min === mention.ms && range.max === mention.ms) return;
    problems.push({
      path: paths.duration,
      message: `is ${show(duration)}, but ${paths.text.join(".")} names "${mention.words}": a ` +
        `step that times out lasts its timeout; give ${formatDuration(mention.ms)} or leave it out`,
    });
  };
  agree(step.statusMessage, step.duration, { text: ["statusMessage"], duration: ["duration"] });
  agree(step.error?.message, step.error?.duration, {
    text: ["error", "message"],
    duration: ["error", "duration"],
  });
  const timeout = step.error ? mentionedTimeout(step.error.message) : undefined;
  const longest = step.duration === undefined ? undefined : rangeOf(step.duration)?.max;
  if (timeout && longest !== undefined && longest >= timeout.ms) {
    problems.push({
      path: ["duration"],
      message:
        `runs to ${formatDuration(longest)}, not less than the timeout error.message names ` +
        `(${formatDuration(timeout.ms)}): a call that succeeds ends before its timeout`,
    });
  }
  return problems;
}

function rangeOf(duration: number | string) {
  if (typeof duration === "number") {
    return { min: Math.round(duration), max: Math.round(duration) };
  }
  return parseDurationRange(duration);
}

function show(duration: number | string): string {
  return typeof duration === "number" ? `${duration}ms` : duration;
}
