/**
 * The fields a score declares for its Langfuse score config: `categories` (CATEGORICAL),
 * `range` (NUMERIC) and `description`, and the checks that every value the script can send
 * lies within them (Langfuse drops a score outside its config silently, rule 34 of
 * `fixtures/langfuse/review/README.md`).
 */
import { z } from "zod";
import { freeText } from "./schema_text.ts";

/** Most characters of a score config name in Langfuse (rule 12); the score's name names it. */
export const MAX_CONFIG_NAME = 35;

/** The score fields for its config, spread into the score's schema. */
export const SCORE_CONFIG_FIELDS = {
  categories: z.array(freeText(z.string().min(1).max(40))).min(1).max(50).optional().describe(
    "CATEGORICAL: the config's categories; default the value and every byOutcome key",
  ),
  range: z.strictObject({ min: z.number(), max: z.number() }).optional().describe(
    "NUMERIC: the config's minimum and maximum; default none (any number)",
  ),
  description: freeText(z.string().min(1).max(500)).optional().describe(
    "The config's description, shown to reviewers in Langfuse",
  ),
};

interface ScoreLike {
  name: string;
  dataType: "NUMERIC" | "BOOLEAN" | "CATEGORICAL";
  value: number | string;
  byOutcome?: Partial<Record<string, Record<string, number>>>;
  byFinding?: Partial<Record<string, Record<string, number>>>;
  comments?: Record<string, unknown>;
  categories?: string[];
  range?: { min: number; max: number };
}

/** Every value a score can take: its value, then its byOutcome keys, each once, in order. */
export function scoreValues(score: ScoreLike): (number | string)[] {
  const values: (number | string)[] = [score.value];
  for (const weights of Object.values(score.byOutcome ?? {})) {
    for (const key of Object.keys(weights ?? {})) {
      values.push(score.dataType === "CATEGORICAL" ? key : Number(key));
    }
  }
  return [...new Set(values)];
}

/** Problems of a score's config fields, with paths relative to the score. */
export function scoreConfigProblems(score: ScoreLike): { path: PropertyKey[]; message: string }[] {
  const problems: { path: PropertyKey[]; message: string }[] = [];
  if (score.name.length > MAX_CONFIG_NAME) {
    problems.push({
      path: ["name"],
      message:
        `must be at most ${MAX_CONFIG_NAME} characters: it names the score's config in Langfuse`,
    });
  }
  if (score.categories !== undefined && score.dataType !== "CATEGORICAL") {
    problems.push({ path: ["categories"], message: "is only for a CATEGORICAL score" });
  }
  if (score.range !== undefined && score.dataType !== "NUMERIC") {
    problems.push({ path: ["range"], message: "is only for a NUMERIC score" });
  }
  if (score.categories !== undefined && score.dataType === "CATEGORICAL") {
    const seen = new Set<string>();
    for (const [i, category] of score.categories.entries()) {
      if (seen.has(category)) {
        problems.push({ path: ["categories", i], message: `lists "${category}" twice` });
      }
      seen.add(category);
    }
    for (const { path, value } of valuePlaces(score)) {
      if (!seen.has(String(value))) {
        problems.push({
          path,
          message: `"${value}" is not one of the categories (${score.categories.join(", ")})`,
        });
      }
    }
  }
  if (score.range !== undefined && score.dataType === "NUMERIC") {
    const { min, max } = score.range;
    if (!(max > min)) {
      problems.push({ path: ["range", "max"], message: "must be greater than range.min" });
    } else {
      for (const { path, value } of valuePlaces(score)) {
        const n = Number(value);
        if (n < min || n > max) {
          problems.push({ path, message: `${n} is outside the range ${min}..${max}` });
        }
      }
    }
  }
  return problems;
}

/**
 * Where each value of a score is written: `value`, `byOutcome.<outcome>.<key>`,
 * `byFinding.<finding>.<key>` and `comments.<key>`.
 */
function valuePlaces(score: ScoreLike): { path: PropertyKey[]; value: number | string }[] {
  const places: { path: PropertyKey[]; value: number | string }[] = [
    { path: ["value"], value: score.value },
  ];
  for (const field of ["byOutcome", "byFinding"] as const) {
    for (const [name, weights] of Object.entries(score[field] ?? {})) {
      for (const key of Object.keys(weights ?? {})) {
        places.push({ path: [field, name, key], value: key });
      }
    }
  }
  for (const key of Object.keys(score.comments ?? {})) {
    places.push({ path: ["comments", key], value: key });
  }
  return places;
}
