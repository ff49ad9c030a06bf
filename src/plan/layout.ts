/**
 * A turn's timing, drawn before its content: gaps, durations, times to first token, output
 * speeds, fixed usage and injected failures. A streamed generation (one with a time to first
 * token and no duration) lasts its time to first token plus its output tokens at the model's
 * speed, known only once its content is rendered: `streamed()` sets that and `place()` lays the
 * turn out again. A step that times out lasts its timeout exactly. Pure.
 */
import { type MsRange, parseDurationRange } from "../script/duration.ts";
import type { StepInput, TurnInput } from "../script/schema.ts";
import { modelProfile } from "./models.ts";
import type { Rng } from "./random.ts";
import { outputTokens } from "./tokens.ts";
import { drawCounts } from "./usage.ts";

const DEFAULT_GAP = "2ms..15ms";
const DEFAULT_LEAF = "5ms..40ms";
const TAIL = "1ms..6ms";

/** A step's timing, relative to its parent's start, with its children's. */
export interface Layout {
  step: StepInput;
  /** Start relative to the parent's start (set by `place`). */
  offsetMs: number;
  durationMs: number;
  /** Wait before the step: after the previous sibling, or the parent's start when parallel. */
  gapMs: number;
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
  /** The step timed out: it lasts exactly its timeout. */
  timedOut: boolean;
  children: Layout[];
}

/** How to lay out a turn. */
export interface LayoutOptions {
  /** Share of leaf steps that become slow outliers (3 to 8 times as long). */
  outlierRate: number;
  /** The steps whose injected failure happens. */
  failed: Set<StepInput>;
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

function layoutStep(step: StepInput, rng: Rng, options: LayoutOptions): Layout {
  const children: Layout[] = [];
  for (const [i, child] of (step.steps ?? []).entries()) {
    const gapMs = draw(child.gap ?? DEFAULT_GAP, rng);
    children.push({ ...layoutStep(child, rng.fork(`s${i}`), options), gapMs });
  }
  const failed = options.failed.has(step);
  const layout: Layout = {
    step,
    offsetMs: 0,
    durationMs: 0,
    gapMs: 0,
    ownMs: 0,
    tailMs: 0,
    usage: {},
    failed,
    timedOut: false,
    children,
  };
  const timeout = step.timeout ?? (failed ? step.error?.timeout : undefined);
  const streamed = step.type === "generation" && step.timeToFirstToken !== undefined &&
    step.duration === undefined && timeout === undefined && !failed;
  if (step.type === "event") layout.durationMs = 0;
  else if (children.length > 0) {
    layout.ownMs = step.duration === undefined ? 0 : draw(step.duration, rng);
    layout.tailMs = draw(TAIL, rng);
  } else if (timeout !== undefined) {
    // A timeout is a setting: the call gives up exactly then, however slow the service.
    layout.durationMs = fixedMs(timeout);
    layout.timedOut = true;
  } else if (!streamed) {
    layout.durationMs = draw(step.duration ?? DEFAULT_LEAF, rng);
    const stretch = outlier(rng, options);
    if (stretch !== undefined) {
      layout.durationMs = Math.round(layout.durationMs * stretch);
      // A call that succeeds ends before its client gives up.
      const limit = step.error?.timeout;
      if (limit !== undefined) layout.durationMs = Math.min(layout.durationMs, fixedMs(limit) - 1);
    }
  }
  if (step.type === "generation" || step.type === "embedding") {
    drawModelCall(layout, rng, { ...options, streamed });
  }
  return layout;
}

/** A model call's fixed usage, and a generation's time to first token and output speed. */
function drawModelCall(
  layout: Layout,
  rng: Rng,
  options: LayoutOptions & { streamed: boolean },
): void {
  const { step } = layout;
  // A call that timed out wrote no first token.
  if (step.timeToFirstToken !== undefined && !layout.timedOut) {
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

/** A slow outlier's stretch (3 to 8), drawn only when outliers are asked for. */
function outlier(rng: Rng, options: LayoutOptions): number | undefined {
  // Drawn only when asked for, so plans without outliers stay as they were.
  if (options.outlierRate > 0 && rng.next() < options.outlierRate) return 3 + rng.next() * 5;
  return undefined;
}

/** Sets a streamed generation's duration: first token, then `output` tokens at its speed. */
export function streamed(layout: Layout, output: number): void {
  if (layout.tokensPerSecond === undefined || layout.ttftMs === undefined) return;
  layout.durationMs = layout.ttftMs + Math.round(output * 1000 / layout.tokensPerSecond);
}

/**
 * Lays a step's children out from their gaps and durations: one after another, or all from the
 * start when parallel; a container lasts until its last child ends plus its tail, or its own
 * duration when longer.
 */
export function place(layout: Layout): void {
  if (layout.children.length === 0) return;
  let cursor = 0;
  let needed = 0;
  for (const child of layout.children) {
    place(child);
    child.offsetMs = layout.step.parallel ? child.gapMs : cursor + child.gapMs;
    cursor = child.offsetMs + child.durationMs;
    needed = Math.max(needed, cursor);
  }
  layout.durationMs = Math.max(layout.ownMs, needed + layout.tailMs);
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

/** A fixed duration field (a timeout) in ms. */
function fixedMs(duration: number | string): number {
  return typeof duration === "number" ? Math.round(duration) : parseDurationRange(duration)!.min;
}

// Durations come from the loaded scripts, a bounded set, and each is drawn many times.
const RANGES = new Map<string, MsRange>();
