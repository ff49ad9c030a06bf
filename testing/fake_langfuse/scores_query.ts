/**
 * The query rules of the fake's two score lists, as Langfuse v4.16.0 parses them.
 *
 * `GET /api/public/v3/scores` (v4 servers; `packages/shared/src/features/scores/interfaces/api/v3/endpoints.ts`
 * `GetScoresQueryV3`, `web/src/pages/api/public/v3/scores/index.ts`): a **strict** query (an
 * unknown parameter is a 400); `fields` groups from core, details, subject, annotation (an
 * unknown group is a 400, default core); comma-separated lists for id, name, environment,
 * configId, queueId, authorUserId, traceId, sessionId, observationId, experimentId, value;
 * `source` and `dataType` comma lists matched case-insensitively; `userId` and `traceTags` are
 * refused ("use v2"); at most one of traceId, sessionId, experimentId; observationId needs
 * traceId.
 *
 * `GET /api/public/v2/scores` (v3 servers; `.../api/v2/endpoints.ts` `GetScoresQueryV2`
 * extending `GetScoresQuery` in `.../api/shared.ts`, handler `web/src/pages/api/public/v2/scores/index.ts`):
 * **not** strict (unknown parameters such as `authorUserId` are ignored, so nothing filters by
 * author there); single values for name, configId, queueId, sessionId, traceId, datasetRunId,
 * `source` and `dataType` (exact upper-case enums), `userId` (the scored **trace's** user, needs
 * the trace field group), comma lists for scoreIds and observationId; `fields` groups score and
 * trace (unknown ones dropped, score required).
 *
 * Pure; private to the folder. Each parser answers a predicate over stored scores, or throws
 * Langfuse's 400: `{"message": "Invalid request data", "error": [zod issues]}` for a failed
 * parse or refine, `{"message", "error": "InvalidRequestError"}` for the v2 handler's checks.
 */
import type { StoredScore } from "./types.ts";
import { invalidRequest, Issues, strictKeys } from "./validate.ts";

/** The v3 field groups, `core` always returned. */
export const SCORE_FIELD_GROUPS_V3 = ["core", "details", "subject", "annotation"] as const;

const V3_PARAMS = new Set([
  "limit",
  "cursor",
  "fields",
  "id",
  "name",
  "source",
  "dataType",
  "environment",
  "configId",
  "queueId",
  "authorUserId",
  "value",
  "valueMin",
  "valueMax",
  "traceId",
  "sessionId",
  "observationId",
  "experimentId",
  "fromTimestamp",
  "toTimestamp",
  "userId",
  "traceTags",
]);

const SOURCES = ["API", "EVAL", "ANNOTATION"];
const DATA_TYPES = ["NUMERIC", "BOOLEAN", "CATEGORICAL", "CORRECTION", "TEXT"];

/** A stored score with when it arrived (its timestamp in the fake). */
export interface TimedScore {
  score: StoredScore;
  receivedMs: number;
}

/** A parsed v3 query: the groups to return and which scores pass. */
export interface V3ScoreQuery {
  fields: string[];
  keep: (row: TimedScore) => boolean;
}

/** Parses a v3 scores query strictly; a 400 for what Langfuse refuses. */
export function parseV3ScoreQuery(query: URLSearchParams): V3ScoreQuery {
  const issues = new Issues();
  strictKeys(Object.fromEntries(query), [...V3_PARAMS], issues);
  const fields = list(query.get("fields")) ?? ["core"];
  fields.forEach((field, i) => {
    if (!(SCORE_FIELD_GROUPS_V3 as readonly string[]).includes(field)) {
      issues.add(
        "invalid_value",
        ["fields", i],
        `Invalid option: expected one of ${SCORE_FIELD_GROUPS_V3.map((g) => `"${g}"`).join("|")}`,
        { values: [...SCORE_FIELD_GROUPS_V3] },
      );
    }
  });
  const source = enumList(query.get("source"), SOURCES, "source", issues);
  const dataType = enumList(query.get("dataType"), DATA_TYPES, "dataType", issues);
  const from = time(query.get("fromTimestamp"), "fromTimestamp", issues);
  const to = time(query.get("toTimestamp"), "toTimestamp", issues);
  const valueMin = number(query.get("valueMin"), "valueMin", issues);
  const valueMax = number(query.get("valueMax"), "valueMax", issues);
  issues.check();
  // The route's superRefine, once the fields parsed.
  for (const refused of ["userId", "traceTags"]) {
    if ((query.get(refused) ?? "") !== "") {
      issues.custom(
        [],
        `${refused} filter requires a trace JOIN and is not supported in v3 — use v2 or omit this filter`,
      );
    }
  }
  const ids = list(query.get("id"));
  const names = list(query.get("name"));
  const environments = list(query.get("environment"));
  const configIds = list(query.get("configId"));
  const queueIds = list(query.get("queueId"));
  const authors = list(query.get("authorUserId"));
  const traceIds = list(query.get("traceId"));
  const sessionIds = list(query.get("sessionId"));
  const observationIds = list(query.get("observationId"));
  const experimentIds = list(query.get("experimentId"));
  const values = list(query.get("value"));
  if (values && dataType?.length !== 1) {
    issues.custom(
      [],
      "value filter requires a single dataType from: NUMERIC, BOOLEAN, CATEGORICAL",
    );
  }
  if ((valueMin !== undefined || valueMax !== undefined) && dataType?.join() !== "NUMERIC") {
    issues.custom([], "valueMin and valueMax require dataType=NUMERIC as a single value");
  }
  if (observationIds && !traceIds) {
    issues.custom(
      [],
      "observationId filter requires traceId — observation IDs are scoped to a trace",
    );
  }
  if ([traceIds, sessionIds, experimentIds].filter(Boolean).length > 1) {
    issues.custom([], "At most one of traceId, sessionId, experimentId may be specified");
  }
  issues.check();
  return {
    fields,
    keep: ({ score, receivedMs }) =>
      within(ids, score.id) && within(names, score.name) &&
      within(source, score.source ?? "API") && within(dataType, dataTypeOf(score)) &&
      within(environments, score.environment ?? "default") &&
      within(configIds, score.configId) && within(queueIds, score.queueId) &&
      within(authors, score.authorUserId ?? undefined) && within(traceIds, score.traceId) &&
      within(sessionIds, score.sessionId) && within(observationIds, score.observationId) &&
      within(experimentIds, score.datasetRunId) &&
      (from === undefined || receivedMs >= from) && (to === undefined || receivedMs < to) &&
      (values === undefined || values.includes(valueText(score))) &&
      (valueMin === undefined || Number(score.value) >= valueMin) &&
      (valueMax === undefined || Number(score.value) <= valueMax),
  };
}

/** A parsed v2 query: whether the trace group is returned and which scores pass. */
export interface V2ScoreQuery {
  withTrace: boolean;
  /** `traceUser` is the user id of the score's trace, if any. */
  keep: (row: TimedScore, traceUser: string | undefined) => boolean;
}

/** Parses a v2 scores query as Langfuse does: unknown parameters are ignored. */
export function parseV2ScoreQuery(query: URLSearchParams): V2ScoreQuery {
  const given = list(query.get("fields"));
  const fields = given?.filter((f) => f === "score" || f === "trace") ?? ["score", "trace"];
  if (!fields.includes("score")) {
    throw invalidRequest("Scores needs to be selected always.");
  }
  const withTrace = fields.includes("trace");
  const userId = single(query.get("userId"));
  if (!withTrace && (userId !== undefined || single(query.get("traceTags")) !== undefined)) {
    throw invalidRequest(
      "Cannot filter by trace properties (userId, traceTags) when 'trace' field is not included. " +
        "Please add 'trace' to the fields parameter or remove trace filters.",
    );
  }
  const issues = new Issues();
  const source = exactEnum(query.get("source"), SOURCES, "source", issues);
  const dataType = exactEnum(query.get("dataType"), DATA_TYPES, "dataType", issues);
  const ids = list(query.get("scoreIds"));
  const observationIds = list(query.get("observationId"));
  const name = single(query.get("name"));
  const configId = single(query.get("configId"));
  const queueId = single(query.get("queueId"));
  const sessionId = single(query.get("sessionId"));
  const traceId = single(query.get("traceId"));
  const datasetRunId = single(query.get("datasetRunId"));
  const from = time(query.get("fromTimestamp"), "fromTimestamp", issues);
  const to = time(query.get("toTimestamp"), "toTimestamp", issues);
  issues.check();
  return {
    withTrace,
    keep: ({ score, receivedMs }, traceUser) =>
      within(ids, score.id) && within(observationIds, score.observationId) &&
      is(name, score.name) && is(configId, score.configId) && is(queueId, score.queueId) &&
      is(sessionId, score.sessionId) && is(traceId, score.traceId) &&
      is(datasetRunId, score.datasetRunId) && is(source, score.source ?? "API") &&
      is(dataType, dataTypeOf(score)) && is(userId, traceUser) &&
      (from === undefined || receivedMs >= from) && (to === undefined || receivedMs < to),
  };
}

/** The score's data type as Langfuse stores it (inferred from the value when not given). */
export function dataTypeOf(score: StoredScore): string {
  return score.dataType ?? (typeof score.value === "string" ? "CATEGORICAL" : "NUMERIC");
}

function valueText(score: StoredScore): string {
  if (dataTypeOf(score) === "BOOLEAN") return score.value === 1 ? "true" : "false";
  return String(score.value);
}

function within(wanted: readonly string[] | undefined, actual: string | undefined): boolean {
  return wanted === undefined || (actual !== undefined && wanted.includes(actual));
}

function is(wanted: string | undefined, actual: string | undefined): boolean {
  return wanted === undefined || wanted === actual;
}

/** A comma list's parts; undefined when absent or blank (no filter). */
function list(raw: string | null): string[] | undefined {
  if (raw === null) return undefined;
  const parts = raw.split(",").map((part) => part.trim()).filter(Boolean);
  return parts.length > 0 ? parts : undefined;
}

function single(raw: string | null): string | undefined {
  return raw === null || raw === "" ? undefined : raw;
}

function enumList(
  raw: string | null,
  allowed: readonly string[],
  label: string,
  issues: Issues,
): string[] | undefined {
  const values = list(raw)?.map((v) => v.toUpperCase());
  for (const bad of values?.filter((v) => !allowed.includes(v)) ?? []) {
    issues.custom([label], `Invalid ${label} value: "${bad}". Allowed: ${allowed.join(", ")}`);
  }
  return values;
}

function exactEnum(
  raw: string | null,
  allowed: readonly string[],
  label: string,
  issues: Issues,
): string | undefined {
  const value = single(raw);
  if (value !== undefined && !allowed.includes(value)) {
    issues.add(
      "invalid_value",
      [label],
      `Invalid option: expected one of ${allowed.map((v) => `"${v}"`).join("|")}`,
      { values: [...allowed] },
    );
  }
  return value;
}

function time(raw: string | null, label: string, issues: Issues): number | undefined {
  if (raw === null || raw === "") return undefined;
  const ms = Date.parse(raw);
  if (Number.isNaN(ms)) {
    issues.add("invalid_type", [label], "Invalid input: expected date, received Date", {
      expected: "date",
    });
  }
  return ms;
}

function number(raw: string | null, label: string, issues: Issues): number | undefined {
  if (raw === null || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value)) {
    issues.add("invalid_type", [label], "Invalid input: expected number, received NaN", {
      expected: "number",
    });
  }
  return value;
}
