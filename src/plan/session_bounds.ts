/**
 * The longest a session of a script can last in load mode, worked out from the script alone
 * (no session planned): every turn reached (of turns that need different values of a var, the
 * longest combination), each think time and step at its maximum, leaves at the largest slow
 * outlier, failures at their failed duration with their retry, streamed generations writing
 * their most tokens at their model's slowest speed, and the turn a
 * late_escalation adds. The user schedule keeps a user's sessions this far apart. Pure.
 */
import { parseDurationRange } from "../script/duration.ts";
import type { ScriptInput, StepInput } from "../script/schema.ts";
import {
  DEFAULT_BACKOFF,
  DEFAULT_GAP,
  DEFAULT_LEAF,
  failedTimeoutMs,
  OUTLIER_FACTOR as STRETCH,
  OUTLIER_MAX_MS,
  outlierStretches,
  TAIL,
  timeoutOf,
} from "./layout.ts";
import { modelProfile } from "./models.ts";
import { REPLAYED_GAP_MS } from "./stress.ts";
import { outputTokens } from "./tokens.ts";

/** A slow outlier lasts at most this many times its drawn duration (see `layoutStep`). */
const OUTLIER_FACTOR = STRETCH.max;

/** The output parameters that cap a generation's output tokens, as providers name them. */
const OUTPUT_CAPS = ["max_completion_tokens", "max_tokens", "max_output_tokens"];

/** How sessions are planned, as far as their length goes. */
export interface BoundOptions {
  /** Share of leaf steps that become slow outliers; above 0, leaves may last 8 times as long. */
  outlierRate: number;
}

/** An upper bound of a session's duration, ms, from its first turn's start to its last turn's end. */
export function longestSessionMs(script: ScriptInput, options: BoundOptions): number {
  const turns = script.turns.map((turn, t) =>
    (t === 0 ? 0 : maxMs(turn.thinkTime ?? script.timing.thinkTime)) +
    stepsMs({ type: "span", name: "", steps: turn.steps }, options)
  );
  const stalls = script.findings?.variants.some((variant) => variant.finding === "late_escalation");
  // A stress section's turns played again: each at most the longest turn after the longest gap.
  const replayed = (script.stress?.turns ?? 0) * (REPLAYED_GAP_MS.max + Math.max(...turns));
  // Rounding of each draw adds well under a millisecond per step; a second covers it.
  return playedMs(script, turns) + (stalls ? Math.max(...turns) : 0) + replayed + 1_000;
}

/**
 * The longest the turns a session can play take together, given each turn's longest (`turns`):
 * a session draws one value of each var, so of the turns played `when: { var, in }` only those
 * whose list holds that value play together, and per var the value whose turns take longest
 * counts; every other turn counts in full.
 */
function playedMs(script: ScriptInput, turns: number[]): number {
  let total = 0;
  const byVar = new Map<string, { values: string[]; ms: number }[]>();
  for (const [t, turn] of script.turns.entries()) {
    const when = turn.when;
    if (when && "var" in when) {
      byVar.set(when.var, [...(byVar.get(when.var) ?? []), { values: when.in, ms: turns[t] }]);
    } else total += turns[t];
  }
  for (const conditional of byVar.values()) {
    const values = new Set(conditional.flatMap(({ values }) => values));
    total += Math.max(
      ...[...values].map((value) =>
        conditional.reduce((sum, turn) => sum + (turn.values.includes(value) ? turn.ms : 0), 0)
      ),
    );
  }
  return total;
}

function stepsMs(step: StepInput, options: BoundOptions): number {
  if (step.type === "event") return 0;
  const children = step.steps ?? [];
  if (children.length === 0) {
    const timeout = timeoutOf(step);
    if (timeout !== undefined) return timeout;
    const failed = Math.max(
      step.error?.duration === undefined ? 0 : maxMs(step.error.duration),
      failedTimeoutMs(step) ?? 0,
    );
    const streams = step.type === "generation" && step.timeToFirstToken !== undefined &&
      step.duration === undefined;
    if (streams) {
      const outlier = options.outlierRate > 0 ? OUTLIER_FACTOR : 1;
      const runs = maxMs(step.timeToFirstToken!) * outlier +
        Math.ceil(mostOutputTokens(step) * 1000 / modelProfile(step.model ?? "").outputSpeed.min);
      return Math.max(runs, failed);
    }
    const duration = step.duration ?? DEFAULT_LEAF;
    const longest = maxMs(duration);
    // The slowest a leaf gets: the longest draw an outlier stretches, at its largest factor.
    const stretched = options.outlierRate > 0 && outlierStretches(step.type, minMs(duration))
      ? Math.min(longest, OUTLIER_MAX_MS) * OUTLIER_FACTOR
      : 0;
    return Math.max(longest, stretched, failed);
  }
  const spans = children.map((child) =>
    maxMs(child.gap ?? DEFAULT_GAP) + withRetryMs(child, options)
  );
  const needed = step.parallel ? Math.max(...spans) : spans.reduce((sum, ms) => sum + ms, 0);
  const own = step.duration === undefined ? 0 : maxMs(step.duration);
  return Math.max(own, needed + maxMs(TAIL));
}

/** A step's longest time, with the backoff and second attempt of a retry it may get. */
function withRetryMs(step: StepInput, options: BoundOptions): number {
  const once = stepsMs(step, options);
  const error = step.error;
  const retries = error ? [error, ...(error.variants ?? [])].filter((c) => c.retry) : [];
  if (retries.length === 0) return once;
  const backoff = Math.max(...retries.map((c) => maxMs(c.retry!.gap ?? DEFAULT_BACKOFF)));
  return once + backoff + once;
}

/**
 * The most output tokens a generation writes: its fixed count, else the cap its model
 * parameters set, else (templates unrendered) twice its output's tokens and 256 more.
 */
function mostOutputTokens(step: StepInput): number {
  const fixed = step.usage?.output;
  if (fixed !== undefined) return typeof fixed === "number" ? fixed : Number(fixed.split("..")[1]);
  const cap = OUTPUT_CAPS.map((key) => step.modelParameters?.[key]).find((value) =>
    typeof value === "number"
  );
  if (typeof cap === "number") return cap;
  return 2 * outputTokens(step.output, step.model ?? "") + 256;
}

function minMs(duration: number | string): number {
  if (typeof duration === "number") return Math.floor(duration);
  return parseDurationRange(duration)?.min ?? 0;
}

function maxMs(duration: number | string): number {
  if (typeof duration === "number") return Math.ceil(duration);
  return parseDurationRange(duration)?.max ?? 0;
}
