/**
 * Steps that time out. A step that times out lasts its timeout, so the script's numbers must
 * agree: a status message that names a timeout needs the same `timeout` (or `error.timeout` for
 * an injected failure's message), a timeout is one duration and does not sit beside a duration,
 * and a call that succeeds ends before its timeout.
 */
import { formatDuration, mentionedTimeout, parseDurationRange } from "./duration.ts";
import type { PathProblem } from "./errors.ts";

/** The parts of a step the timeout checks read. */
export interface TimedStep {
  type: string;
  duration?: number | string;
  statusMessage?: string;
  timeout?: number | string;
  steps?: unknown[];
  error?: { message: string; timeout?: number | string };
}

/** Problems of a step's timeouts and the status messages that name them. */
export function timeoutProblems(step: TimedStep): PathProblem[] {
  const problems: PathProblem[] = [];
  const agree = (text: string | undefined, timeout: PropertyKey[], said: PropertyKey[]) => {
    const mention = text === undefined ? undefined : mentionedTimeout(text);
    if (!mention) return;
    const declared = longestMs(valueAt(step, timeout));
    if (valueAt(step, timeout) === undefined) {
      problems.push({
        path: said,
        message: `names "${mention.words}"; add ${timeout.join(".")}: ${
          formatDuration(mention.ms)
        } so the step lasts exactly that`,
      });
    } else if (declared !== undefined && declared !== mention.ms) {
      problems.push({
        path: timeout,
        message: `is ${formatDuration(declared)}, but ${said.join(".")} names "${mention.words}"`,
      });
    }
  };
  agree(step.statusMessage, ["timeout"], ["statusMessage"]);
  agree(step.error?.message, ["error", "timeout"], ["error", "message"]);
  for (const path of [["timeout"], ["error", "timeout"]]) {
    const value = valueAt(step, path);
    if (value === undefined) continue;
    if (typeof value === "string" && value.includes("..")) {
      problems.push({ path, message: 'must be one duration like "5s", not a range' });
    }
    if (step.type === "event" || step.steps?.length) {
      problems.push({
        path,
        message: "is only allowed on a step that lasts and has no child steps",
      });
    }
  }
  if (step.timeout !== undefined && step.duration !== undefined) {
    problems.push({
      path: ["duration"],
      message: "give either duration or timeout (a step that times out lasts its timeout)",
    });
  }
  const timeout = longestMs(step.error?.timeout);
  const longest = longestMs(step.duration);
  if (timeout !== undefined && longest !== undefined && longest >= timeout) {
    problems.push({
      path: ["duration"],
      message: `runs to ${formatDuration(longest)}, not less than error.timeout ${
        formatDuration(timeout)
      }: a call that succeeds ends before its timeout`,
    });
  }
  return problems;
}

function valueAt(step: TimedStep, path: PropertyKey[]): number | string | undefined {
  return path.length === 1 ? step.timeout : step.error?.timeout;
}

/** The longest a duration field allows, in ms; undefined when absent or malformed. */
function longestMs(value: number | string | undefined): number | undefined {
  if (value === undefined) return undefined;
  return typeof value === "number" ? Math.round(value) : parseDurationRange(value)?.max;
}
