/**
 * A turn's timing, drawn before its content: gaps, durations, times to first token, output
 * speeds, fixed usage, injected failures and their retries. A streamed generation (one with a
 * time to first token and no duration) lasts its time to first token plus its output tokens at
 * the model's speed, known only once its content is rendered: `streamed()` sets that and
 * `place()` lays the turn out again. A step whose status message names a timeout lasts exactly
 * that timeout, never stretched as a slow outlier. Pure.
 */
import { mentionedTimeout, type MsRange, parseDurationRange } from "../script/duration.ts";
import type { StepInput, TurnInput } from "../script/schema.ts";
import type { Consequence } from "./failures.ts";
import { modelProfile } from "./models.ts";
import type { Rng } from "./random.ts";
import { outputTokens } from "./tokens.ts";
import { drawCounts } from "./usage.ts";

/** The gap before a step without `gap`. */
export const DEFAULT_GAP = "2ms..15ms";
/** The duration of a leaf step without `duration`. */
export const DEFAULT_LEAF = "5ms..40ms";
/** How much longer than its children a container lasts. */
export const TAIL = "1ms..6ms";
/** The backoff before a retry without `retry.gap`. */
export const DEFAULT_BACKOFF = "500ms..1.5s";
/** A slow outlier lasts this many times its drawn duration, at most. */
export const OUTLIER_FACTOR = { min: 3, max: 8 };

/** The longest leaf a slow outlier stretches: a call, not a wait that takes minutes anyway. */
export const OUTLIER_MAX_MS = 60_000;

/**
 * Whether a slow outlier may stretch a leaf of this type and duration: calls (generations,
 * embeddings, tools, retrievers, guardrails, evaluators) of up to a minute. A leaf span (a wait
 * for a person, audio playing) and a longer step last what the script says.
 */
export function outlierStretches(type: StepInput["type"], durationMs: number): boolean {
  return type !== "span" && type !== "agent" && type !== "chain" && durationMs <= OUTLIER_MAX_MS;
}

/** A step's timing, relative to its parent's start, with its children's. */
export interface Layout {
  step: StepInput;
  /** Start relative to the parent's start (set by `place`). */
  offsetMs: number;
  durationMs: number;
  /**
   * Wait before the step: after the previous sibling ends, or after the parent starts when the
   * parent runs its children in parallel (unless the step `follows` the previous one).
   */
  gapMs: number;
  /** The step starts after the previous sibling even in a parallel parent (a retry). */
  follows?: boolean;
  /** A container lasts at least its own drawn duration, and this long after its last child. */
  ownMs: number;
  tailMs: number;
  ttftMs?: number;
  /** A streamed generation's output speed, tokens per second. */
  tokensPerSecond?: number;
  /** The usage the script fixes, drawn from its ranges, per usage type. */
  usage: Record<string, number>;
  /** The step's injected failure happened. */
  failed: boolean;
  /** A retried step's attempt: 1 failed, 2 succeeded. */
  attempt?: number;
  /** The second attempt of a failed step that is retried (a later sibling). */
  retry?: Layout;
  children: Layout[];
}

/** How to lay out a turn. */
export interface LayoutOptions {
  /** Share of leaf steps that become slow outliers (3 to 8 times as long). */
  outlierRate: number;
  /** The steps whose injected failure happens, with what follows it. */
  failed: Map<StepInput, Consequence>;
}

/** Draws a turn's timing: its root span (named `traceName` unless the turn names it) and steps. */
export function layoutTurn(
  turn: TurnInput,
  traceName: string,
  rng: Rng,
  options: LayoutOptions,
): Layout {
  const rootStep: StepInput = {
    type: "span",
    name: turn.name ?? traceName,
    level: turn.level,
    statusMessage: turn.statusMessage,
    steps: turn.steps,
  };
  const layout = layoutStep(rootStep, rng, options);
  place(layout);
  return layout;
}

function layoutStep(step: StepInput, rng: Rng, options: LayoutOptions, attempt?: number): Layout {
  const children: Layout[] = [];
  for (const [i, child] of (step.steps ?? []).entries()) {
    const gapMs = draw(child.gap ?? DEFAULT_GAP, rng);
    const layout: Layout = { ...layoutStep(child, rng.fork(`s${i}`), options), gapMs };
    children.push(layout);
    const retry = layout.failed ? options.failed.get(child)?.retry : undefined;
    if (retry) {
      // After the backoff the step runs again, and succeeds; its own streams keep the other
      // steps' draws as they are without the failure.
      const retryRng = rng.fork(`s${i}:retry`);
      const backoffMs = draw(retry.gap ?? DEFAULT_BACKOFF, retryRng);
      if (retry.event) children.push(retryEvent(child, retry.event, backoffMs));
      layout.attempt = 1;
      layout.retry = {
        ...layoutStep(child, retryRng, options, 2),
        gapMs: backoffMs,
        follows: true,
      };
      children.push(layout.retry);
    }
  }
  const failed = attempt !== 2 && options.failed.has(step);
  const layout: Layout = {
    step,
    offsetMs: 0,
    durationMs: 0,
    gapMs: 0,
    ownMs: 0,
    tailMs: 0,
    usage: {},
    failed,
    children,
  };
  if (attempt) layout.attempt = attempt;
  // A call that timed out gives up exactly then, however slow the service; it wrote nothing.
  const timeoutMs = children.length === 0 && step.type !== "event"
    ? failed ? failedTimeoutMs(step) : timeoutOf(step)
    : undefined;
  const streamed = step.type === "generation" && step.timeToFirstToken !== undefined &&
    step.duration === undefined && timeoutMs === undefined && !failed;
  if (step.type === "event") layout.durationMs = 0;
  else if (children.length > 0) {
    layout.ownMs = step.duration === undefined ? 0 : draw(step.duration, rng);
    layout.tailMs = draw(TAIL, rng);
  } else if (timeoutMs !== undefined) layout.durationMs = timeoutMs;
  else if (!streamed) {
    layout.durationMs = draw(step.duration ?? DEFAULT_LEAF, rng);
    const stretch = outlier(rng, options);
    if (stretch !== undefined && outlierStretches(step.type, layout.durationMs)) {
      layout.durationMs = Math.round(layout.durationMs * stretch);
      // A call that succeeds ends before its client gives up.
      const limit = failedTimeoutMs(step);
      if (limit !== undefined) layout.durationMs = Math.min(layout.durationMs, limit - 1);
    }
    if (failed && step.error?.duration !== undefined) {
      layout.durationMs = draw(step.error.duration, rng.fork("failed"));
    }
  }
  if (step.type === "generation" || step.type === "embedding") {
    drawModelCall(layout, rng, { ...options, streamed, timedOut: timeoutMs !== undefined });
  }
  return layout;
}

/** A model call's fixed usage, and a generation's time to first token and output speed. */
function drawModelCall(
  layout: Layout,
  rng: Rng,
  options: LayoutOptions & { streamed: boolean; timedOut: boolean },
): void {
  const { step } = layout;
  if (step.timeToFirstToken !== undefined && !options.timedOut) {
    layout.ttftMs = draw(step.timeToFirstToken, rng);
  }
  if (step.usage) layout.usage = drawCounts(step.usage, rng);
  if (layout.ttftMs === undefined) return;
  if (!options.streamed) {
    layout.ttftMs = Math.min(layout.ttftMs, layout.durationMs);
    return;
  }
  const speed = modelProfile(step.model ?? "").outputSpeed;
  layout.tokensPerSecond = speed.min + rng.next() * (speed.max - speed.min);
  // A slow streamed call waits longer for its first token (a queue); it then streams as fast.
  const stretch = outlier(rng, options);
  if (stretch !== undefined) layout.ttftMs = Math.round(layout.ttftMs * stretch);
  // Until the content is rendered, the output is estimated from the script's text.
  streamed(layout, layout.usage.output ?? estimatedOutput(step));
}

/** A slow outlier's stretch (3 to 8), drawn only when outliers are asked for. */
function outlier(rng: Rng, options: LayoutOptions): number | undefined {
  // Drawn only when asked for, so plans without outliers stay as they were.
  if (options.outlierRate > 0 && rng.next() < options.outlierRate) {
    return OUTLIER_FACTOR.min + rng.next() * (OUTLIER_FACTOR.max - OUTLIER_FACTOR.min);
  }
  return undefined;
}

/** The WARNING event between a failed step and its retry, right after the failed attempt. */
function retryEvent(step: StepInput, name: string, backoffMs: number): Layout {
  const event: StepInput = {
    type: "event",
    name,
    level: "WARNING",
    statusMessage: `Retrying ${step.name} after ${step.error?.message ?? "a failure"} (attempt 2)`,
    input: { tool: step.name, attempt: 2, backoff_ms: backoffMs },
  };
  return {
    step: event,
    offsetMs: 0,
    durationMs: 0,
    gapMs: 0,
    follows: true,
    ownMs: 0,
    tailMs: 0,
    usage: {},
    failed: false,
    children: [],
  };
}

/** Sets a streamed generation's duration: first token, then `output` tokens at its speed. */
export function streamed(layout: Layout, output: number): void {
  if (layout.tokensPerSecond === undefined || layout.ttftMs === undefined) return;
  layout.durationMs = layout.ttftMs + Math.round(output * 1000 / layout.tokensPerSecond);
}

/**
 * Lays a step's children out from their gaps and durations: one after another, or all from the
 * start when parallel (a retry after its failed attempt all the same); a container lasts until
 * its last child ends plus its tail, or its own duration when longer.
 */
export function place(layout: Layout): void {
  if (layout.children.length === 0) return;
  let cursor = 0;
  let needed = 0;
  for (const child of layout.children) {
    place(child);
    child.offsetMs = layout.step.parallel && !child.follows ? child.gapMs : cursor + child.gapMs;
    cursor = child.offsetMs + child.durationMs;
    needed = Math.max(needed, cursor);
  }
  layout.durationMs = Math.max(layout.ownMs, needed + layout.tailMs);
}

/** The timeout a leaf step's status message names, in ms: the step lasts exactly that. */
export function timeoutOf(step: StepInput): number | undefined {
  return step.statusMessage === undefined ? undefined : mentionedMs(step.statusMessage);
}

/** The timeout a step's injected failure names in its message: the failed attempt lasts it. */
export function failedTimeoutMs(step: StepInput): number | undefined {
  return step.error === undefined ? undefined : mentionedMs(step.error.message);
}

// Messages come from the loaded scripts, a bounded set; each is read once per step per session.
const MENTIONS = new Map<string, number | undefined>();

function mentionedMs(text: string): number | undefined {
  if (!MENTIONS.has(text)) MENTIONS.set(text, mentionedTimeout(text)?.ms);
  return MENTIONS.get(text);
}

// Steps come from the loaded scripts, a bounded set; each is laid out once per session.
const ESTIMATES = new WeakMap<StepInput, number>();

/** The output tokens of a step's output as the script writes it, templates unrendered. */
function estimatedOutput(step: StepInput): number {
  let tokens = ESTIMATES.get(step);
  if (tokens === undefined) {
    tokens = outputTokens(step.output, step.model ?? "");
    ESTIMATES.set(step, tokens);
  }
  return tokens;
}

/** Draws a duration in ms from a duration field, skewed towards its minimum. */
export function draw(duration: number | string, rng: Rng): number {
  if (typeof duration === "number") return Math.round(duration);
  let range = RANGES.get(duration);
  if (range === undefined) {
    range = parseDurationRange(duration);
    if (!range) throw new Error(`unchecked duration "${duration}"`);
    RANGES.set(duration, range);
  }
  return Math.round(rng.skewed(range.min, range.max));
}

// Durations come from the loaded scripts, a bounded set, and each is drawn many times.
const RANGES = new Map<string, MsRange>();
