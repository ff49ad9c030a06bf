/**
 * Reviewers' annotations in the fake Langfuse: a score as Langfuse's UI writes it when a
 * reviewer fills in a score config on an annotation queue item (or on a trace, session or
 * observation page): source ANNOTATION, `authorUserId` the reviewer's user id, the config's id
 * and name (the worker renames a score to its config's name, rule 34 of
 * fixtures/langfuse/review/README.md), the queue's id when annotated from a queue. The public
 * POST cannot set `authorUserId` (rule 35), so tests simulate reviewers with this. Private to the
 * folder; the handle's `annotate` calls it.
 */
import type { ScoreDataType } from "../../src/langfuse/api_types.ts";
import type { ApiScoreConfig } from "../../src/langfuse/api_review_types.ts";
import { fitToConfig } from "./score_rules.ts";
import type { StoredScore } from "./types.ts";

/** One reviewer's annotation, as a test simulates it. */
export interface FakeAnnotation {
  /** The reviewer's Langfuse user id; stored as `authorUserId`. */
  reviewer: string;
  /** The annotation queue it was made from; absent when annotated outside a queue. */
  queueId?: string;
  /** The score config filled in. */
  configId: string;
  /** The config's name; needed only when the fake has no such config (else the config names it). */
  name?: string;
  /** The config's data type when the fake has no such config; default BOOLEAN for booleans and 0/1, else NUMERIC or CATEGORICAL. */
  dataType?: ScoreDataType;
  objectType: "SESSION" | "TRACE" | "OBSERVATION";
  /** The session id, trace id or observation id. */
  objectId: string;
  /** OBSERVATION only: the observation's trace. */
  traceId?: string;
  /** A boolean is stored as 1/0 (BOOLEAN); CATEGORICAL and TEXT take strings. */
  value: number | string | boolean;
  comment?: string;
  /** Environment of the annotated object; default "default". */
  environment?: string;
}

/**
 * The stored score for an annotation, with a fresh UUID. With the config in the fake, the score
 * is fitted to it as the worker does (its name, data type, a category's number; a value that
 * does not fit is a test mistake, which the UI would not let a reviewer make). Without it, the
 * annotation's `name` (and `dataType`) stand in.
 */
export function annotationScore(
  annotation: FakeAnnotation,
  configs: readonly ApiScoreConfig[],
): StoredScore {
  const config = configs.find((c) => c.id === annotation.configId);
  const name = config?.name ?? annotation.name;
  if (name === undefined) {
    throw new Error(
      `fake.annotate: no score config ${annotation.configId} in the fake; pass its name`,
    );
  }
  if (annotation.objectType === "OBSERVATION" && annotation.traceId === undefined) {
    throw new Error("fake.annotate: an OBSERVATION annotation needs the observation's traceId");
  }
  const value = typeof annotation.value === "boolean"
    ? (annotation.value ? 1 : 0)
    : annotation.value;
  const dataType = config?.dataType ?? annotation.dataType ??
    (typeof annotation.value === "boolean" || value === 0 || value === 1
      ? "BOOLEAN"
      : typeof value === "string"
      ? "CATEGORICAL"
      : "NUMERIC");
  const subject = annotation.objectType === "SESSION"
    ? { sessionId: annotation.objectId }
    : annotation.objectType === "TRACE"
    ? { traceId: annotation.objectId }
    : { traceId: annotation.traceId, observationId: annotation.objectId };
  const score: StoredScore = {
    id: crypto.randomUUID(),
    ...subject,
    name,
    value,
    dataType,
    source: "ANNOTATION",
    authorUserId: annotation.reviewer,
    configId: annotation.configId,
    ...(annotation.queueId === undefined ? {} : { queueId: annotation.queueId }),
    ...(annotation.comment === undefined ? {} : { comment: annotation.comment }),
    environment: annotation.environment ?? "default",
  };
  if (config === undefined) {
    return dataType === "BOOLEAN"
      ? { ...score, stringValue: value === 1 ? "True" : "False" }
      : score;
  }
  const verdict = fitToConfig(score, [config]);
  if ("dropped" in verdict) throw new Error(`fake.annotate: ${verdict.dropped}`);
  return verdict.score;
}
