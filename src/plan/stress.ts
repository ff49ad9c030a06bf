/**
 * Stress shapes applied to a planned session (a script's `stress:` section): more turns, a
 * large and deeply nested payload on each turn's input or output, wide traces, deep chains,
 * and traces filled up to thousands of observations. Everything comes from the seed: the same
 * seed gives the same ids, times and text. Pure.
 */
import type { ScriptInput } from "../script/schema.ts";
import type { StressInput } from "../script/schema_stress.ts";
import type { Rng } from "./random.ts";
import { jsonStringBytes, stressParagraph, stressSentence, utf8Bytes } from "./stress_text.ts";
import { countSpans, type Json, type ObservationPlan, type SessionPlan } from "./types.ts";

/** The pause before a turn played again, ms: like the default think time. */
export const REPLAYED_GAP_MS = { min: 15_000, max: 45_000 };

/** Tool calls per agent step when a trace is filled up to `observations`. */
export const STEP_TOOLS = 49;

const TOOLS = [
  "search_orders",
  "get_shipment",
  "lookup_customer",
  "check_inventory",
  "fetch_policy",
  "list_invoices",
  "get_refund_status",
  "search_knowledge_base",
];

/** How to apply the shapes. */
export interface StressOptions {
  /** The stream ids, gaps and text are drawn from. */
  rng: Rng;
  /** When set, the session is moved to end here after turns are added (it was planned to). */
  endMs?: number;
}

/** `script` with a load profile's `stress` over its own stress section, field by field. */
export function withStress(script: ScriptInput, stress: StressInput): ScriptInput {
  return { ...script, stress: { ...script.stress, ...stress } };
}

/** Applies `stress` to `plan` in place and returns it. */
export function applyStress(
  plan: SessionPlan,
  stress: StressInput,
  options: StressOptions,
): SessionPlan {
  const { rng } = options;
  const unicode = stress.payload?.unicode ?? false;
  if (stress.turns !== undefined) addTurns(plan, stress.turns, rng.fork("turns"));
  for (const [position, turn] of plan.turns.entries()) {
    const root = turn.root;
    const text = rng.fork(`text:${position}`);
    if (stress.width !== undefined) {
      root.children.push(...spread(root, stress.width, (slot) => tool(slot, text, unicode)));
    }
    if (stress.depth !== undefined) root.children.push(chain(root, stress.depth, text, unicode));
    if (stress.observations !== undefined) {
      root.children.push(...fill(root, stress.observations - countSpans(root), text, unicode));
    }
    if (stress.payload) {
      const { on } = stress.payload;
      if (on !== "output") root.input = stressPayload(text, stress.payload, root.input);
      if (on !== "input") root.output = stressPayload(text, stress.payload, root.output);
    }
  }
  assignIds(plan, rng.fork("ids"));
  if (options.endMs !== undefined && plan.turns.length > 0) {
    const lastEnd = plan.turns.at(-1)!.root.endMs;
    for (const turn of plan.turns) shiftTimes(turn.root, options.endMs - lastEnd);
  }
  return plan;
}

/**
 * A JSON document of `bytes` bytes (as JSON.stringify writes it, in UTF-8) whose objects nest
 * `nestDepth` deep: each level a section with a title and summary, the deepest holding the
 * body text. The turn's own input or output is kept as `request`. A document whose sections
 * alone are larger than `bytes` is those sections.
 */
export function stressPayload(
  rng: Rng,
  payload: { bytes: number; unicode: boolean; nestDepth: number },
  original: Json | undefined,
): Json {
  const { unicode, nestDepth } = payload;
  const levels: { [key: string]: Json }[] = [];
  for (let level = 1; level <= nestDepth; level++) {
    levels.push({
      section: `${level}`,
      title: stressSentence(rng, unicode),
      summary: stressSentence(rng, unicode),
    });
  }
  if (original !== undefined) levels[0] = { request: original, ...levels[0] };
  const deepest = levels[nestDepth - 1];
  deepest.body = "";
  for (let level = nestDepth - 1; level > 0; level--) levels[level - 1].detail = levels[level];
  const document = levels[0];
  const need = payload.bytes - utf8Bytes(JSON.stringify(document));
  deepest.body = bodyText(rng, unicode, need);
  return document;
}

/** Paragraphs that take exactly `need` bytes inside a JSON string (none when `need` ≤ 0). */
function bodyText(rng: Rng, unicode: boolean, need: number): string {
  const parts: string[] = [];
  let used = 0;
  while (used < need) {
    const separator = parts.length === 0 ? "" : "\n\n";
    const paragraph = separator + stressParagraph(rng, unicode);
    const bytes = jsonStringBytes(paragraph);
    if (used + bytes <= need) {
      parts.push(paragraph);
      used += bytes;
      continue;
    }
    // The last paragraph is cut at a character (never inside a surrogate pair), then padded
    // with spaces to the byte.
    let cut = "";
    for (const char of paragraph) {
      const size = jsonStringBytes(char);
      if (used + size > need) break;
      cut += char;
      used += size;
    }
    parts.push(cut + " ".repeat(need - used));
    used = need;
  }
  return parts.join("");
}

/** Plays the session's turns again, in order, until it has `count` turns. */
function addTurns(plan: SessionPlan, count: number, rng: Rng): void {
  const played = plan.turns.length;
  for (let position = played; position < count; position++) {
    const source = plan.turns[position % played];
    const turn = structuredClone(source);
    const previousEnd = plan.turns[position - 1].root.endMs;
    const gapMs = rng.int(REPLAYED_GAP_MS.min, REPLAYED_GAP_MS.max);
    shiftTimes(turn.root, previousEnd + gapMs - turn.root.startMs);
    turn.index = position;
    turn.traceId = "";
    plan.turns.push(turn);
  }
}

/** New trace ids for added turns and span ids for added observations (those left empty). */
function assignIds(plan: SessionPlan, rng: Rng): void {
  const visit = (observation: ObservationPlan) => {
    if (observation.spanId === "") observation.spanId = rng.hex(16);
    observation.children.forEach(visit);
  };
  for (const turn of plan.turns) {
    if (turn.traceId === "") {
      turn.traceId = rng.hex(32);
      // A turn played again is a trace of its own: its spans get ids of their own.
      const renew = (observation: ObservationPlan) => {
        observation.spanId = "";
        observation.children.forEach(renew);
      };
      renew(turn.root);
    }
    visit(turn.root);
  }
}

/** `count` observations made by `make`, side by side across `parent`'s time. */
function spread(
  parent: ObservationPlan,
  count: number,
  make: (slot: { startMs: number; endMs: number }, index: number) => ObservationPlan,
): ObservationPlan[] {
  const span = parent.endMs - parent.startMs;
  return Array.from({ length: count }, (_, index) =>
    make({
      startMs: parent.startMs + Math.floor((index * span) / count),
      endMs: parent.startMs + Math.floor(((index + 1) * span) / count),
    }, index));
}

function tool(
  slot: { startMs: number; endMs: number },
  rng: Rng,
  unicode: boolean,
): ObservationPlan {
  return {
    spanId: "",
    name: rng.pick(TOOLS),
    type: "tool",
    ...slot,
    input: { query: stressSentence(rng, unicode) },
    output: { result: stressSentence(rng, unicode) },
    children: [],
  };
}

/** A chain of `depth` nested spans inside `parent`'s time, each inside the one above. */
function chain(
  parent: ObservationPlan,
  depth: number,
  rng: Rng,
  unicode: boolean,
): ObservationPlan {
  const inset = Math.floor((parent.endMs - parent.startMs) / (2 * (depth + 1)));
  let top: ObservationPlan | undefined;
  let above: ObservationPlan | undefined;
  for (let level = 1; level <= depth; level++) {
    const link: ObservationPlan = {
      spanId: "",
      name: `delegate level ${level}`,
      type: "chain",
      startMs: parent.startMs + level * inset,
      endMs: parent.endMs - level * inset,
      input: { task: stressSentence(rng, unicode) },
      children: [],
    };
    if (above) above.children.push(link);
    else top = link;
    above = link;
  }
  return top!;
}

/** `count` observations as agent steps of up to STEP_TOOLS tool calls each. */
function fill(
  parent: ObservationPlan,
  count: number,
  rng: Rng,
  unicode: boolean,
): ObservationPlan[] {
  if (count <= 0) return [];
  const steps = Math.ceil(count / (STEP_TOOLS + 1));
  let left = count;
  return spread(parent, steps, (slot, index) => {
    const tools = Math.min(STEP_TOOLS, left - 1);
    left -= tools + 1;
    const step: ObservationPlan = {
      spanId: "",
      name: `agent step ${index + 1}`,
      type: "agent",
      ...slot,
      children: [],
    };
    step.children = spread(step, tools, (toolSlot) => tool(toolSlot, rng, unicode));
    return step;
  });
}

/** Moves an observation tree by `deltaMs`. */
function shiftTimes(observation: ObservationPlan, deltaMs: number): void {
  if (deltaMs === 0) return;
  observation.startMs += deltaMs;
  observation.endMs += deltaMs;
  if (observation.completionStartMs !== undefined) observation.completionStartMs += deltaMs;
  for (const child of observation.children) shiftTimes(child, deltaMs);
}
