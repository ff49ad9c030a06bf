/**
 * The `vocabulary:` section of a script and the checks that use it. A script may declare its own
 * workflows, turn kinds, outcomes and usage types beside the defaults of `vocabulary.ts`; every
 * place that names one (trace metadata `workflow`, a turn's `kind` and `outcome`, a score's
 * `byOutcome`, a step's `usage`) must then name a default or a declared value.
 *
 * The fields themselves are plain strings in the schema, so an editor accepts a declared value;
 * `vocabularyProblems` checks them against the script's own vocabulary. It reads the document as
 * parsed so far, so its problems are reported with every other problem of the script.
 */
import { z } from "zod";
import type { PathProblem } from "./errors.ts";
import { findPersonalData } from "./privacy.ts";
import {
  MAX_DECLARED_VALUES,
  MAX_VOCABULARY_VALUE_CHARS,
  OPEN_VOCABULARIES,
  type OpenVocabulary,
  type ScriptVocabulary,
  scriptVocabulary,
  VOCABULARY_SLUG,
} from "./vocabulary.ts";

/** What each vocabulary holds, for error messages and the JSON Schema. */
const WHAT: Record<OpenVocabulary, string> = {
  workflows: "trace metadata workflow",
  turnKinds: "turn kind",
  outcomes: "turn outcome",
  usageTypes: "usage type",
};

/** Names no declared value may take: Langfuse computes `total` from the other usage types. */
const RESERVED: Partial<Record<OpenVocabulary, readonly string[]>> = { usageTypes: ["total"] };

const DeclaredValue = z.string()
  .max(MAX_VOCABULARY_VALUE_CHARS)
  .regex(VOCABULARY_SLUG, {
    error: `must be a short slug: lowercase letters and digits, words joined by "-" or "_", ` +
      `starting with a letter (at most ${MAX_VOCABULARY_VALUE_CHARS} characters)`,
    abort: true,
  })
  .superRefine((value, ctx) => {
    const found = findPersonalData(value);
    if (found) {
      ctx.addIssue({
        code: "custom",
        message: `looks like ${
          /^[aeiou]/.test(found) ? "an" : "a"
        } ${found}; it would be copied onto every span`,
      });
    }
  });

function declaredList(name: OpenVocabulary) {
  const defaults: readonly string[] = OPEN_VOCABULARIES[name];
  return z.array(DeclaredValue).min(1).max(MAX_DECLARED_VALUES).superRefine((values, ctx) => {
    for (const [i, value] of values.entries()) {
      const problem = RESERVED[name]?.includes(value)
        ? `"${value}" is reserved: Langfuse computes it`
        : defaults.includes(value)
        ? `"${value}" is already a ${WHAT[name]}; declare only new ones`
        : values.indexOf(value) < i
        ? `lists "${value}" twice`
        : undefined;
      if (problem) ctx.addIssue({ code: "custom", path: [i], message: problem });
    }
  }).optional().describe(
    `More ${WHAT[name]}s (defaults: ${defaults.join(", ")}); at most ${MAX_DECLARED_VALUES}`,
  );
}

/** The `vocabulary:` section: values a script adds to the defaults. */
export const Vocabulary = z.strictObject({
  workflows: declaredList("workflows"),
  turnKinds: declaredList("turnKinds"),
  outcomes: declaredList("outcomes"),
  usageTypes: declaredList("usageTypes"),
}).describe(
  "Workflows, turn kinds, outcomes and usage types this script uses beyond the defaults; " +
    "short slugs, since the first three go into the trace metadata of every span",
);

/** A validated vocabulary section. */
export type VocabularyInput = z.infer<typeof Vocabulary>;

/**
 * A field that takes a value of the script's vocabulary `name`: any string to the schema (a
 * declared value is valid), the defaults offered to editors as examples.
 */
export function vocabularyField(name: OpenVocabulary) {
  return z.string().meta({ examples: [...OPEN_VOCABULARIES[name]] });
}

/** The vocabularies a parsed (possibly invalid) document declares; invalid declarations are skipped. */
export function declaredVocabulary(document: unknown): ScriptVocabulary {
  const section = field(document, "vocabulary");
  const declared: Partial<Record<OpenVocabulary, string[]>> = {};
  for (const name of Object.keys(OPEN_VOCABULARIES) as OpenVocabulary[]) {
    const list = field(section, name);
    declared[name] = items(list).filter((value): value is string => isDeclarable(name, value));
  }
  return scriptVocabulary(declared);
}

/** Whether `value` may be declared in vocabulary `name`: a short slug, nothing personal, not reserved. */
export function isDeclarable(name: OpenVocabulary, value: unknown): value is string {
  return DeclaredValue.safeParse(value).success && !RESERVED[name]?.includes(value as string);
}

/**
 * Every value of a (possibly invalid) document that is not in the script's vocabulary: trace
 * metadata workflow, turn kinds and outcomes, scores' byOutcome keys, steps' usage types.
 * Review rules' outcomes are checked by `reviewProblems`, findings' turn kinds by
 * `findingProblems`.
 */
export function vocabularyProblems(document: unknown): PathProblem[] {
  const vocabulary = declaredVocabulary(document);
  const problems: PathProblem[] = [];
  const check = (value: unknown, name: OpenVocabulary, path: PropertyKey[], key = false) => {
    if (typeof value !== "string" || vocabulary[name].includes(value)) return;
    problems.push({ path, message: notInVocabulary(vocabulary[name], name), key });
  };
  check(field(field(field(document, "trace"), "metadata"), "workflow"), "workflows", [
    "trace",
    "metadata",
    "workflow",
  ]);
  const scores = (list: unknown, path: PropertyKey[]) => {
    for (const [s, score] of items(list).entries()) {
      for (const key of keys(field(score, "byOutcome"))) {
        check(key, "outcomes", [...path, s, "byOutcome", key], true);
      }
    }
  };
  scores(field(document, "scores"), ["scores"]);
  const steps = (list: unknown, path: PropertyKey[]) => {
    for (const [s, step] of items(list).entries()) {
      for (const key of keys(field(step, "usage"))) {
        check(key, "usageTypes", [...path, s, "usage", key], true);
      }
      steps(field(step, "steps"), [...path, s, "steps"]);
    }
  };
  for (const [t, turn] of items(field(document, "turns")).entries()) {
    check(field(turn, "kind"), "turnKinds", ["turns", t, "kind"]);
    check(field(turn, "outcome"), "outcomes", ["turns", t, "outcome"]);
    scores(field(turn, "scores"), ["turns", t, "scores"]);
    steps(field(turn, "steps"), ["turns", t, "steps"]);
  }
  return problems;
}

/** "must be one of …; declare others under vocabulary.<name>". */
export function notInVocabulary(allowed: readonly string[], name: OpenVocabulary): string {
  return `must be one of ${allowed.join(", ")}; declare others under vocabulary.${name}`;
}

function field(value: unknown, key: string): unknown {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

function items(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function keys(value: unknown): string[] {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? Object.keys(value)
    : [];
}
