/**
 * The `findings:` section of a script: planted findings for reviewer training. Each variant
 * names a finding from `FINDINGS`, the turn it changes (by kind) and the content it needs. The
 * checks that need the whole script (does the turn exist, is there an earlier turn to repeat)
 * are in `findingProblems`, which the script schema runs.
 */
import { z } from "zod";
import { vocabularyField } from "./schema_vocabulary.ts";
import { ESCALATING_OUTCOMES, type Finding, FINDINGS } from "./vocabulary.ts";

/** Content a variant gives; templates are allowed, as in turns. */
const VariantContent = z.json().describe(
  "Replacement content; strings may use templates and the script's vars: {{carrier}}",
);

/** Which content fields each finding needs (required) and which it does not take (refused). */
const NEEDS: Record<Finding, { output: boolean; repeatedInput: boolean }> = {
  repeated_answer: { output: false, repeatedInput: false },
  lost_state: { output: true, repeatedInput: false },
  late_escalation: { output: true, repeatedInput: true },
  unsolved: { output: true, repeatedInput: false },
};

const WHY_NOT: Record<Finding, { output: string; repeatedInput: string }> = {
  repeated_answer: {
    output: "is not used by repeated_answer: the answer becomes the previous turn's answer",
    repeatedInput: "is only used by late_escalation",
  },
  lost_state: {
    output: "is required by lost_state: the answer that asks again for what the user said",
    repeatedInput: "is only used by late_escalation",
  },
  late_escalation: {
    output: "is required by late_escalation: the answer to the escalation request that " +
      "does not escalate",
    repeatedInput: "is required by late_escalation: the user's repeated request, before " +
      "the escalation turn",
  },
  unsolved: {
    output: "is required by unsolved: an answer that does not solve the user's problem",
    repeatedInput: "is only used by late_escalation",
  },
};

/** One way a session can carry a finding. */
export const FindingVariant = z.strictObject({
  finding: z.enum(FINDINGS).describe(
    "The finding planted: repeated_answer, lost_state, late_escalation or unsolved",
  ),
  turn: vocabularyField("turnKinds").describe(
    "The kind of the turn it changes (the first turn of that kind a session plays); for " +
      "late_escalation the escalation turn",
  ),
  output: VariantContent.optional().describe(
    "The changed turn's answer (lost_state, unsolved) or the answer to the escalation " +
      "request that does not escalate (late_escalation); not for repeated_answer",
  ),
  repeatedInput: VariantContent.optional().describe(
    "late_escalation only: what the user says when asking again; the escalation turn answers it",
  ),
  reaction: VariantContent.optional().describe(
    "What the user says first in the next turn, before its own message: \"That's not what I " +
      'asked."; not for late_escalation (its repeatedInput is the reaction)',
  ),
  weight: z.number().positive().default(1).describe(
    "How often load mode picks this variant relative to the others of its finding (or, " +
      "with rate, to all others) that fit the session",
  ),
}).superRefine((variant, ctx) => {
  if (variant.finding === "late_escalation" && variant.reaction !== undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["reaction"],
      message: "is not used by late_escalation: its repeatedInput is the user's reaction",
    });
  }
  const needs = NEEDS[variant.finding];
  for (const field of ["output", "repeatedInput"] as const) {
    const given = variant[field] !== undefined;
    if (given !== needs[field]) {
      ctx.addIssue({
        code: "custom",
        path: [field],
        message: WHY_NOT[variant.finding][field],
      });
    }
  }
});

/** A validated finding variant. */
export type FindingVariantInput = z.infer<typeof FindingVariant>;

/** The `findings:` section: how often load mode plants one, and the variants it picks from. */
export const Findings = z.strictObject({
  rate: z.number().min(0).max(1).default(0).describe(
    "Load mode: share of sessions (among those that reach a variant's turn) that get one " +
      "planted finding; default 0. A replay plants only when asked (plant option)",
  ),
  rates: z.partialRecord(z.enum(FINDINGS), z.number().min(0).max(1)).optional().describe(
    "Load mode, instead of rate: each finding's share of the sessions that play its variants' " +
      "turn, e.g. { unsolved: 0.05, late_escalation: 0.2 }; at most 1 together",
  ),
  variants: z.array(FindingVariant).min(1),
}).describe(
  "Planted findings for reviewer training; the answer key goes into the manifest, never to Langfuse",
);

/** A validated findings section. */
export type FindingsInput = z.infer<typeof Findings>;

/** The parts of a script the findings checks read. */
interface ScriptShape {
  turns: { kind: string; outcome: string }[];
  findings?: FindingsInput;
}

/** Problems of the findings section against the script's turns, with their paths. */
export function findingProblems(script: ScriptShape): { path: PropertyKey[]; message: string }[] {
  const problems: { path: PropertyKey[]; message: string }[] = [];
  const kinds = [...new Set(script.turns.map((turn) => turn.kind))];
  problems.push(...rateProblems(script.findings));
  for (const [v, variant] of (script.findings?.variants ?? []).entries()) {
    const path = ["findings", "variants", v, "turn"];
    // A session changes the first turn of the kind it plays: with `when` alternatives, any.
    const indexes = script.turns.flatMap((turn, t) => turn.kind === variant.turn ? [t] : []);
    const index = indexes[0] ?? -1;
    if (index < 0) {
      problems.push({
        path,
        message: `names turn kind "${variant.turn}", which no turn has (kinds: ${
          kinds.join(", ")
        })`,
      });
      continue;
    }
    if (indexes.every((t) => t === 0) && variant.finding !== "unsolved") {
      problems.push({
        path,
        message: `cannot be the first turn for ${variant.finding}: ${
          variant.finding === "repeated_answer"
            ? "there is no previous answer to repeat"
            : variant.finding === "lost_state"
            ? "the user has said nothing before it"
            : "there is no earlier turn to answer like before escalating"
        }`,
      });
    }
    const outcome = indexes.map((t) => script.turns[t].outcome)
      .find((outcome) => !ESCALATING_OUTCOMES.includes(outcome));
    if (variant.finding === "late_escalation" && outcome !== undefined) {
      problems.push({
        path,
        message: `must be an escalating turn for late_escalation (outcome ${
          ESCALATING_OUTCOMES.join(" or ")
        }), but a "${variant.turn}" turn's outcome is ${outcome}`,
      });
    }
  }
  return problems;
}

/** `rate` and `rates` do not mix; `rates` names findings that have variants and sums to <= 1. */
function rateProblems(
  findings: FindingsInput | undefined,
): { path: PropertyKey[]; message: string }[] {
  if (!findings?.rates) return [];
  const problems: { path: PropertyKey[]; message: string }[] = [];
  if (findings.rate > 0) {
    problems.push({
      path: ["findings", "rates"],
      message: "give either rate (one share for all findings) or rates (one per finding), not both",
    });
  }
  const planted = new Set(findings.variants.map((variant) => variant.finding));
  let sum = 0;
  for (const [finding, rate] of Object.entries(findings.rates)) {
    sum += rate ?? 0;
    if (!planted.has(finding as Finding)) {
      problems.push({
        path: ["findings", "rates", finding],
        message: `names ${finding}, which no variant plants`,
      });
    }
  }
  if (sum > 1 + 1e-9) {
    problems.push({
      path: ["findings", "rates"],
      message: `add up to ${Number(sum.toFixed(6))}; a session carries at most one finding, ` +
        "so they must add up to at most 1",
    });
  }
  return problems;
}
