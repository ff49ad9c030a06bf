/**
 * Planted findings: which variant a session carries (load mode: at the script's rate, drawn
 * from the seed; a replay: only the one asked for) and the content changes each finding makes
 * to a planned turn. The label goes to the answer key (`SessionPlan.findings`), never into a
 * span: a planted session differs from others only by the changed content. Pure.
 */
import type { FindingVariantInput } from "../script/schema_findings.ts";
import type { ScriptInput } from "../script/schema.ts";
import { FINDINGS } from "../script/vocabulary.ts";
import type { Rng } from "./random.ts";
import type { Json, ObservationPlan } from "./types.ts";

/** A finding to plant that the script cannot carry; the message says why. */
export class PlantError extends Error {
  override readonly name = "PlantError";
}

/** A variant chosen for a session, and the position (in the played turns) of the turn it changes. */
export interface Planting {
  variant: FindingVariantInput;
  position: number;
}

/**
 * The variant a session carries, if any. `played` are the script turn indexes the session plays,
 * in order; a variant changes the first played turn of its kind. With `plant`, the first
 * variant of that finding whose turn is played (PlantError when
 * there is none); else, in load mode (`branching`), one session in `findings.rate` gets one,
 * picked by weight among the variants whose turn it plays, or, with `findings.rates`, each
 * finding its rate of the sessions that play one of its variants' turns; a replay plants nothing.
 */
export function choosePlanting(
  script: ScriptInput,
  played: number[],
  options: { plant?: string; branching: boolean },
  rng: Rng,
): Planting | undefined {
  const variants = script.findings?.variants ?? [];
  const fits = (variant: FindingVariantInput): Planting | undefined => {
    // The first turn of the kind this session plays: with `when` alternatives, the one it took.
    const position = played.findIndex((index) => script.turns[index].kind === variant.turn);
    if (position < 0 || (position === 0 && variant.finding !== "unsolved")) return undefined;
    return { variant, position };
  };
  if (options.plant !== undefined) {
    const plant = options.plant;
    if (!(FINDINGS as readonly string[]).includes(plant)) {
      throw new PlantError(`"${plant}" is not a finding; the findings are ${FINDINGS.join(", ")}`);
    }
    const candidates = variants.filter((variant) => variant.finding === plant);
    if (candidates.length === 0) {
      const has = [...new Set(variants.map((variant) => variant.finding))];
      throw new PlantError(
        `script ${script.name} has no ${plant} variant in findings.variants` +
          (has.length > 0 ? ` (it has ${has.join(", ")})` : ""),
      );
    }
    const planting = candidates.map(fits).find((fit) => fit !== undefined);
    if (!planting) {
      throw new PlantError(
        `this session of ${script.name} does not play the turn its ${plant} variant changes`,
      );
    }
    return planting;
  }
  if (!options.branching) return undefined;
  const fitting = variants.map(fits).filter((fit): fit is Planting => fit !== undefined);
  const rates = script.findings?.rates;
  if (rates) {
    // One draw, cut into each fitting finding's share: a finding is planted in exactly its
    // rate of the sessions it fits, whatever the others do.
    const draw = rng.next();
    let below = 0;
    for (const finding of FINDINGS) {
      const rate = rates[finding] ?? 0;
      const ofFinding = fitting.filter((fit) => fit.variant.finding === finding);
      if (rate === 0 || ofFinding.length === 0) continue;
      below += rate;
      if (draw < below) return byWeight(ofFinding, rng);
    }
    return undefined;
  }
  const rate = script.findings?.rate ?? 0;
  if (rate === 0 || rng.next() >= rate) return undefined;
  if (fitting.length === 0) return undefined;
  return byWeight(fitting, rng);
}

function byWeight(fitting: Planting[], rng: Rng): Planting {
  let draw = rng.next() * fitting.reduce((sum, fit) => sum + fit.variant.weight, 0);
  return fitting.find((fit) => (draw -= fit.variant.weight) < 0) ?? fitting.at(-1)!;
}

/**
 * Gives a turn another answer: the trace output, and the main generation's output (its
 * `content` when it is a message, else the whole output) become `answer`, and so does every
 * text in the turn's observations that is the old answer (speech synthesis reading it out, a
 * tool posting it), so the steps after the answer carry what the agent now says.
 */
export function replaceAnswer(
  root: ObservationPlan,
  main: ObservationPlan | undefined,
  answer: Json,
): void {
  replaceText(root, root.output, answer, ["input", "output"]);
  root.output = answer;
  if (!main) return;
  const output = main.output;
  main.output = output !== null && typeof output === "object" && !Array.isArray(output) &&
      "content" in output
    ? { ...output, content: answer }
    : answer;
}

/**
 * Gives a turn another user message: the trace input becomes `question`, and so does every text
 * in the turn's observations that is the old message (a guardrail's input, generations' user
 * messages), so the turn's steps work on what the user now says.
 */
export function replaceQuestion(root: ObservationPlan, question: Json): void {
  replaceText(root, root.input, question, ["input"]);
  root.input = question;
}

/** Replaces every string that is `old` in the given fields of the turn's observations. */
function replaceText(
  root: ObservationPlan,
  old: Json | undefined,
  text: Json,
  fields: readonly ("input" | "output")[],
): void {
  if (typeof old !== "string") return;
  const swap = (value: Json): Json => {
    if (value === old) return text;
    if (Array.isArray(value)) return value.map(swap);
    if (value !== null && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, swap(item)]));
    }
    return value;
  };
  const visit = (obs: ObservationPlan) => {
    for (const field of fields) if (obs[field] !== undefined) obs[field] = swap(obs[field]);
    obs.children.forEach(visit);
  };
  visit(root);
}
