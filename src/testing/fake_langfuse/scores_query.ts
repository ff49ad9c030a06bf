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
 * Pure; private to the folder. Each parser answers a predicate over stored scores, or throws an
 * {@link HttpAnswer} 400.
 */
import { HttpAnswer } from "./reads.ts";
import type { StoredScore } from "./types.ts";

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
  const unknown = [...new Set(query.keys())].filter((key) => !V3_PARAMS.has(key));
  if (unknown.length > 0) {
    throw invalid(`Unrecognized key${unknown.length === 1 ? "" : "s"}: ${quoted(unknown)}`);
  }
  const fields = list(query.get("fields")) ?? ["core"];
  const badGroup = fields.find((f) => !(SCORE_FIELD_GROUPS_V3 as readonly string[]).includes(f));
  if (badGroup !== undefined) {
    throw invalid(
      `Invalid option: expected one of ${SCORE_FIELD_GROUPS_V3.map((g) => `"${g}"`).join("|")}`,
    );
  }
  const source = enumList(query.get("source"), SOURCES, "source");
  const dataType = enumList(query.get("dataType"), DATA_TYPES, "dataType");
  for (const refused of ["userId", "traceTags"]) {
    if ((query.get(refused) ?? "") !== "") {
      throw invalid(
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
  if (observationIds && !traceIds) {
    throw invalid("observationId filter requires traceId — observation IDs are scoped to a trace");
  }
  if ([traceIds, sessionIds, experimentIds].filter(Boolean).length > 1) {
    throw invalid("At most one of traceId, sessionId, experimentId may be specified");
  }
  const from = time(query.get("fromTimestamp"));
  const to = time(query.get("toTimestamp"));
  const values = list(query.get("value"));
  if (values && dataType?.length !== 1) {
    throw invalid("value filter requires a single dataType from: NUMERIC, BOOLEAN, CATEGORICAL");
  }
  const valueMin = number(query.get("valueMin"));
  const valueMax = number(query.get("valueMax"));
  if ((valueMin !== undefined || valueMax !== undefined) && dataType?.join() !== "NUMERIC") {
    throw invalid("valueMin and valueMax require dataType=NUMERIC as a single value");
  }
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
    throw new HttpAnswer(400, "Scores needs to be selected always.");
  }
  const withTrace = fields.includes("trace");
  const userId = single(query.get("userId"));
  if (!withTrace && (userId !== undefined || single(query.get("traceTags")) !== undefined)) {
    throw new HttpAnswer(
      400,
      "Cannot filter by trace properties (userId, traceTags) when 'trace' field is not included. " +
        "Please add 'trace' to the fields parameter or remove trace filters.",
    );
  }
  const source = exactEnum(query.get("source"), SOURCES);
  const dataType = exactEnum(query.get("dataType"), DATA_TYPES);
  const ids = list(query.get("scoreIds"));
  const observationIds = list(query.get("observationId"));
  const name = single(query.get("name"));
  const configId = single(query.get("configId"));
  const queueId = single(query.get("queueId"));
  const sessionId = single(query.get("sessionId"));
  const traceId = single(query.get("traceId"));
  const datasetRunId = single(query.get("datasetRunId"));
  const from = time(query.get("fromTimestamp"));
  const to = time(query.get("toTimestamp"));
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
): string[] | undefined {
  const values = list(raw)?.map((v) => v.toUpperCase());
  const bad = values?.find((v) => !allowed.includes(v));
  if (bad !== undefined) {
    throw invalid(`Invalid ${label} value: "${bad}". Allowed: ${allowed.join(", ")}`);
  }
  return values;
}

function exactEnum(raw: string | null, allowed: readonly string[]): string | undefined {
  const value = single(raw);
  if (value !== undefined && !allowed.includes(value)) {
    throw invalid(`Invalid option: expected one of ${allowed.map((v) => `"${v}"`).join("|")}`);
  }
  return value;
}

function time(raw: string | null): number | undefined {
  if (raw === null || raw === "") return undefined;
  const ms = Date.parse(raw);
  if (Number.isNaN(ms)) throw invalid(`Invalid input: "${raw}" is not a date`);
  return ms;
}

function number(raw: string | null): number | undefined {
  if (raw === null || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw invalid(`Invalid input: "${raw}" is not a number`);
  return value;
}

function quoted(keys: readonly string[]): string {
  return keys.map((key) => `"${key}"`).join(", ");
}

/** Langfuse's zod 400, as the fake words its messages. */
function invalid(detail: string): HttpAnswer {
  return new HttpAnswer(400, `Invalid request data: ${detail}`);
}
