/**
 * How Langfuse v4.16.0 checks a score against its config (fixtures/langfuse/review/README.md
 * rules 33-34): synchronously, a score names exactly one of a trace (with an optional
 * observation), a session or a dataset run, `source` must be API or ANNOTATION and an ANNOTATION
 * score needs a `configId`; later, in the worker, a score with a `configId` that does not fit the config is
 * dropped without a trace (the endpoint has already answered success), and one that fits takes
 * the config's name and data type, a CATEGORICAL one the category's number. Private to the
 * folder.
 */
import type { ApiScoreConfig } from "../../src/langfuse/api_review_types.ts";
import type { StoredScore } from "./types.ts";
import { Issues } from "./validate.ts";

/** The 400s `POST /api/public/scores` answers before storing anything (rule 33). */
export function checkScoreBody(body: Record<string, unknown>): void {
  const issues = new Issues();
  // applyScoreValidation, packages/shared/src/utils/scores.ts
  const [trace, session, run, observation] = [
    "traceId",
    "sessionId",
    "datasetRunId",
    "observationId",
  ]
    .map((key) => Boolean(body[key]));
  if (
    !(trace && !session && !run) && !(session && !trace && !run && !observation) &&
    !(run && !trace && !session && !observation)
  ) {
    issues.custom(
      ["traceId", "sessionId", "datasetRunId", "observationId"],
      "Provide exactly one of the following: traceId (with optional observationId), sessionId " +
        "or datasetRunId. ObservationId requires traceId.",
    );
  }
  const source = body.source;
  if (source !== undefined && source !== "API" && source !== "ANNOTATION") {
    issues.add(
      "invalid_value",
      ["source"],
      'Invalid option: expected one of "API"|"ANNOTATION"',
      { values: ["API", "ANNOTATION"] },
    );
  }
  if (source === "ANNOTATION" && body.configId == null && body.dataType !== "CORRECTION") {
    issues.custom(
      ["configId"],
      "configId is required when source is ANNOTATION (except for CORRECTION scores).",
    );
  }
  issues.check();
}

/** The score as the worker stores it, or why it drops it. */
export type ConfigVerdict = { score: StoredScore } | { dropped: string };

/** Applies the worker's config check to a score with a `configId` (rule 34). */
export function fitToConfig(
  score: StoredScore,
  configs: readonly ApiScoreConfig[],
): ConfigVerdict {
  const config = configs.find((c) => c.id === score.configId);
  if (config === undefined) return { dropped: `score config ${score.configId} not found` };
  if (config.isArchived) return { dropped: `score config ${config.name} is archived` };
  if (score.dataType !== undefined && score.dataType !== config.dataType) {
    return { dropped: `data type ${score.dataType} differs from the config's ${config.dataType}` };
  }
  // The config's name wins over the score's (the worker renames before its checks).
  const fitted: StoredScore = { ...score, name: config.name, dataType: config.dataType };
  const value = score.value;
  switch (config.dataType) {
    case "NUMERIC": {
      if (typeof value !== "number") return { dropped: "NUMERIC value is not a number" };
      if (config.minValue !== null && value < config.minValue) {
        return { dropped: `value ${value} is below the config's minimum ${config.minValue}` };
      }
      if (config.maxValue !== null && value > config.maxValue) {
        return { dropped: `value ${value} is above the config's maximum ${config.maxValue}` };
      }
      return { score: fitted };
    }
    case "CATEGORICAL": {
      if (typeof value !== "string") return { dropped: "CATEGORICAL value is not a label" };
      const category = (config.categories ?? []).find((c) => c.label === value);
      if (category === undefined) return { dropped: `"${value}" is not a category of the config` };
      return { score: { ...fitted, value: category.value, stringValue: category.label } };
    }
    case "BOOLEAN": {
      if (value !== 0 && value !== 1) return { dropped: "BOOLEAN value is not 0 or 1" };
      return { score: { ...fitted, stringValue: value === 1 ? "True" : "False" } };
    }
    case "TEXT": {
      if (typeof value !== "string" || value.length < 1 || value.length > 500) {
        return { dropped: "TEXT value is not 1-500 characters" };
      }
      return { score: { ...fitted, stringValue: value } };
    }
  }
}
