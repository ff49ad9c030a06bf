/**
 * Plans one session from a script: pure and deterministic for a seed and an end time. Work
 * runs backwards from the end: durations are drawn first, then turns are laid out so the last
 * one ends at `endMs`, separated by think time.
 */
import { parseDurationRange } from "../script/duration.ts";
import { parseIdFormat } from "../script/privacy.ts";
import type { ScriptInput, StepInput, TurnInput } from "../script/schema.ts";
import { ContentRenderer } from "./content.ts";
import { Rng } from "./random.ts";
import type { Cost, Json, ObservationPlan, SessionPlan, TurnPlan, Usage } from "./types.ts";

/** How to plan a session. */
export interface PlanOptions {
  /** Seed for ids, timing and content. */
  seed: number;
  /** When the session's last turn ends, epoch ms. */
  endMs: number;
  /** The script's file, for reports. */
  file: string;
  /** Separates the random streams of scripts planned with one seed; default the script name. */
  label?: string;
}

const DEFAULT_GAP = "2ms..15ms";
const DEFAULT_LEAF = "5ms..40ms";
const TAIL = "1ms..6ms";

/** Plans a session: ids, timestamps and rendered content for every turn. */
export function planSession(script: ScriptInput, options: PlanOptions): SessionPlan {
  const rng = new Rng(options.seed, options.label ?? script.name);
  const ids = rng.fork("ids");
  const timing = rng.fork("timing");

  const layouts = script.turns.map((turn, t) =>
    layoutTurn(turn, script.trace.name, timing.fork(`turn${t}`))
  );
  const thinks = script.turns.map((turn, t) =>
    t === 0 ? 0 : draw(turn.thinkTime ?? script.timing.thinkTime, timing.fork(`think${t}`))
  );
  const total = layouts.reduce((sum, layout, t) => sum + layout.durationMs + thinks[t], 0);
  const startMs = options.endMs - total;

  const sessionId = resolveId(script.session.id, rng.fork("session"));
  const userId = resolveId(script.user.id, rng.fork("user"));
  const content = new ContentRenderer(rng.fork("content"), startMs, { sessionId, userId });
  content.drawVars(script.vars ?? {}, startMs);

  let cursor = startMs;
  const turns: TurnPlan[] = script.turns.map((turn, t) => {
    cursor += thinks[t];
    const traceId = ids.hex(32);
    const root = materialize(layouts[t], cursor, ids, content);
    root.input = content.render(turn.input, cursor);
    root.output = content.render(turn.output, cursor);
    cursor = root.endMs;
    return { index: t, kind: turn.kind, outcome: turn.outcome, traceId, root };
  });

  const metadata = Object.fromEntries(
    Object.entries(script.trace.metadata).filter((entry): entry is [string, string] =>
      typeof entry[1] === "string"
    ),
  );
  return {
    script: script.name,
    file: options.file,
    seed: options.seed,
    sessionId,
    userId,
    traceName: script.trace.name,
    version: script.trace.version,
    release: script.trace.release,
    environment: metadata.environment,
    tags: script.trace.tags,
    metadata,
    turns,
  };
}

/** A literal id as it is, or a generated one drawn from its format. */
export function resolveId(id: string, rng: Rng): string {
  const format = parseIdFormat(id);
  if (!format) return id;
  return format.prefix +
    (format.alphabet === "hex" ? rng.hex(format.length) : rng.alnum(format.length));
}

/** Draws a duration in ms from a duration field, skewed towards its minimum. */
export function draw(duration: number | string, rng: Rng): number {
  if (typeof duration === "number") return Math.round(duration);
  const range = parseDurationRange(duration);
  if (!range) throw new Error(`unchecked duration "${duration}"`);
  return Math.round(rng.skewed(range.min, range.max));
}

/** A step's timing decided, relative to its parent's start, before ids and content. */
interface Layout {
  step: StepInput;
  offsetMs: number;
  durationMs: number;
  ttftMs?: number;
  usage?: Usage;
  cost?: Cost;
  children: Layout[];
}

function layoutTurn(turn: TurnInput, traceName: string, rng: Rng): Layout {
  const rootStep: StepInput = {
    type: "span",
    name: turn.name ?? traceName,
    level: turn.level,
    statusMessage: turn.statusMessage,
    steps: turn.steps,
  };
  return layoutStep(rootStep, 0, rng);
}

function layoutStep(step: StepInput, offsetMs: number, rng: Rng): Layout {
  const children: Layout[] = [];
  let cursor = 0;
  let needed = 0;
  for (const [i, child] of (step.steps ?? []).entries()) {
    const gap = draw(child.gap ?? DEFAULT_GAP, rng);
    const start = step.parallel ? gap : cursor + gap;
    const layout = layoutStep(child, start, rng.fork(`s${i}`));
    children.push(layout);
    cursor = start + layout.durationMs;
    needed = Math.max(needed, cursor);
  }
  let durationMs: number;
  if (step.type === "event") durationMs = 0;
  else if (children.length > 0) {
    const own = step.duration === undefined ? 0 : draw(step.duration, rng);
    durationMs = Math.max(own, needed + draw(TAIL, rng));
  } else durationMs = draw(step.duration ?? DEFAULT_LEAF, rng);

  const layout: Layout = { step, offsetMs, durationMs, children };
  if (step.type === "generation") {
    if (step.timeToFirstToken !== undefined) {
      layout.ttftMs = Math.min(draw(step.timeToFirstToken, rng), durationMs);
    }
    if (step.usage) {
      const input = drawInt(step.usage.input, rng);
      const output = drawInt(step.usage.output, rng);
      layout.usage = { input, output, total: input + output };
      if (step.cost) layout.cost = cost(step.cost.input, step.cost.output);
      if (step.price) {
        layout.cost = cost(input * step.price.input / 1e6, output * step.price.output / 1e6);
      }
    }
  }
  return layout;
}

function drawInt(value: number | string, rng: Rng): number {
  if (typeof value === "number") return value;
  const [min, max] = value.split("..").map(Number);
  return rng.int(min, max);
}

function cost(input: number, output: number): Cost {
  // Rounded to a nano-dollar so float noise does not show up in payloads or reports.
  const round = (usd: number) => Math.round(usd * 1e9) / 1e9;
  return { input: round(input), output: round(output), total: round(input + output) };
}

function materialize(layout: Layout, parentStartMs: number, ids: Rng, content: ContentRenderer) {
  const { step } = layout;
  const startMs = parentStartMs + layout.offsetMs;
  const observation: ObservationPlan = {
    spanId: ids.hex(16),
    name: step.name,
    type: step.type,
    startMs,
    endMs: startMs + layout.durationMs,
    children: [],
  };
  if (step.level) observation.level = step.level;
  if (step.statusMessage) observation.statusMessage = step.statusMessage;
  if (step.metadata) observation.metadata = step.metadata;
  if (step.type === "generation") {
    observation.model = step.model;
    if (step.modelParameters) observation.modelParameters = step.modelParameters;
    if (step.messages) observation.input = content.render(step.messages as Json, startMs);
    if (layout.usage) observation.usage = layout.usage;
    if (layout.cost) observation.cost = layout.cost;
    if (layout.ttftMs !== undefined) observation.completionStartMs = startMs + layout.ttftMs;
    if (step.prompt) observation.prompt = step.prompt;
  }
  if (step.input !== undefined) observation.input = content.render(step.input as Json, startMs);
  if (step.output !== undefined) observation.output = content.render(step.output as Json, startMs);
  observation.children = layout.children.map((child) => materialize(child, startMs, ids, content));
  return observation;
}
