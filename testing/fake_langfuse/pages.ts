/**
 * The fake Langfuse's paged list reads besides those in reads.ts: v1 observations and the
 * v2 and v3 scores lists, with their filters and paging. Pure: stored rows and a query in, a
 * response body out, or an {@link HttpAnswer} thrown for 400. Private to the folder.
 */
import { interpretSpans } from "../../src/langfuse/ingestion/view.ts";
import { HttpAnswer, integer, matches, pageMeta, pageParams } from "./reads.ts";
import type { StoredScore } from "./types.ts";
import { compareRows, observationRow, type StoredSpan } from "./views.ts";
import {
  MAX_SCORES_LIMIT,
  type ObservationsV1Response,
  type ObservationV1,
  type ScoreDataType,
  type ScoreSubjectV3,
  type ScoresV2Response,
  type ScoresV3Response,
  type ScoreV2,
  type ScoreV3,
} from "../../src/langfuse/api_types.ts";
import {
  dataTypeOf,
  parseV2ScoreQuery,
  parseV3ScoreQuery,
  type TimedScore,
} from "./scores_query.ts";

/** v1 `GET /api/public/observations`: filtered rows, newest first, page-paged. */
export function observationsV1Page(
  spans: readonly StoredSpan[],
  query: URLSearchParams,
  facts: { projectId: string },
): ObservationsV1Response {
  const { page, limit } = pageParams(query, 1000);
  const from = query.get("fromStartTime");
  const to = query.get("toStartTime");
  const rows = spans.map((s) => observationRow(s, facts)).filter((row) =>
    matches(query.get("traceId"), row.traceId) && matches(query.get("userId"), row.userId) &&
    matches(query.get("type"), row.type) && matches(query.get("name"), row.name) &&
    (from === null || Date.parse(row.startTime) >= Date.parse(from)) &&
    (to === null || Date.parse(row.startTime) < Date.parse(to))
  ).sort(compareRows);
  const data = rows.slice((page - 1) * limit, page * limit).map((row): ObservationV1 => {
    const usage = row.usageDetails ?? {};
    const cost = row.costDetails ?? {};
    return {
      id: row.id,
      projectId: row.projectId,
      traceId: row.traceId,
      parentObservationId: row.parentObservationId,
      name: row.name ?? null,
      type: row.type,
      environment: row.environment ?? "default",
      startTime: row.startTime,
      endTime: row.endTime,
      version: row.version ?? null,
      release: row.release ?? null,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
      input: row.input ?? null,
      output: row.output ?? null,
      metadata: row.metadata ?? {},
      level: row.level ?? "DEFAULT",
      statusMessage: row.statusMessage ?? null,
      model: row.model ?? null,
      modelParameters: row.modelParameters ?? null,
      completionStartTime: row.completionStartTime ?? null,
      promptId: row.promptId ?? null,
      promptName: row.promptName ?? null,
      promptVersion: row.promptVersion ?? null,
      usageDetails: usage,
      costDetails: cost,
      usage: {
        unit: "TOKENS",
        input: usage.input ?? 0,
        output: usage.output ?? 0,
        total: usage.total ?? 0,
      },
      unit: "TOKENS",
      promptTokens: usage.input ?? 0,
      completionTokens: usage.output ?? 0,
      totalTokens: usage.total ?? 0,
      usagePricingTierName: null,
      usagePricingTierId: null,
      modelId: null,
      inputPrice: null,
      outputPrice: null,
      totalPrice: null,
      calculatedInputCost: cost.input ?? null,
      calculatedOutputCost: cost.output ?? null,
      calculatedTotalCost: cost.total ?? null,
      latency: row.latency ?? null,
      timeToFirstToken: row.timeToFirstToken ?? null,
    };
  });
  return { data, meta: pageMeta(page, limit, rows.length) };
}

/** `GET /api/public/v3/scores`: filtered (see scores_query.ts), newest first, cursor-paged. */
export function scoresV3Page(
  stored: readonly TimedScore[],
  query: URLSearchParams,
  projectId: string,
): ScoresV3Response {
  const limit = integer(query.get("limit"), 50, 1, MAX_SCORES_LIMIT);
  const { fields, keep } = parseV3ScoreQuery(query);
  const raw = query.get("cursor");
  const offset = raw === null ? 0 : Number(atob(raw.replace(/-/g, "+").replace(/_/g, "/")));
  if (!Number.isInteger(offset) || offset < 0) throw new HttpAnswer(400, "Invalid cursor");
  const rows = newestFirst(stored).filter(keep);
  const page = rows.slice(offset, offset + limit).map(({ score, receivedMs }): ScoreV3 => {
    const dataType = dataTypeOf(score) as ScoreDataType;
    const at = new Date(receivedMs).toISOString();
    // Key order as scores_v3_annotation.json puts them on the wire.
    const row: ScoreV3 = {
      id: score.id,
      projectId,
      name: score.name,
      source: score.source ?? "API",
      timestamp: at,
      environment: score.environment ?? "default",
      createdAt: at,
      updatedAt: at,
    } as ScoreV3;
    if (fields.includes("details")) {
      Object.assign(row, {
        comment: score.comment ?? null,
        configId: score.configId ?? null,
        metadata: score.metadata ?? {},
      });
    }
    if (fields.includes("annotation")) {
      Object.assign(row, {
        authorUserId: score.authorUserId ?? null,
        queueId: score.queueId ?? null,
      });
    }
    if (fields.includes("subject")) row.subject = subjectOf(score);
    row.dataType = dataType;
    row.value = dataType === "BOOLEAN"
      ? score.value === 1
      : dataType === "CATEGORICAL"
      ? score.stringValue ?? score.value
      : score.value;
    return row;
  });
  const next = offset + limit < rows.length ? btoa(String(offset + limit)) : undefined;
  return { data: page, meta: { limit, ...(next ? { cursor: next.replace(/=+$/, "") } : {}) } };
}

/** What a score is on, as the v3 `subject` group says (scoreDomainToV3's deriveSubjectForV3). */
function subjectOf(score: StoredScore): ScoreSubjectV3 {
  if (score.datasetRunId !== undefined) return { kind: "experiment", id: score.datasetRunId };
  if (score.observationId !== undefined) {
    return {
      kind: "observation",
      id: score.observationId,
      ...(score.traceId === undefined ? {} : { traceId: score.traceId }),
    };
  }
  if (score.sessionId !== undefined) return { kind: "session", id: score.sessionId };
  return { kind: "trace", id: score.traceId ?? "" };
}

/** `GET /api/public/v2/scores`: filtered (see scores_query.ts), newest first, page-paged. */
export function scoresV2Page(
  stored: readonly TimedScore[],
  spans: readonly StoredSpan[],
  query: URLSearchParams,
  facts: { projectId: string },
): ScoresV2Response {
  const { page, limit } = pageParams(query, MAX_SCORES_LIMIT);
  const { withTrace, keep } = parseV2ScoreQuery(query);
  const traces = new Map(interpretSpans(spans.map((s) => s.span)).traces.map((t) => [t.id, t]));
  const traceOf = (score: StoredScore) =>
    score.traceId === undefined ? undefined : traces.get(score.traceId);
  const rows = newestFirst(stored).filter((row) => keep(row, traceOf(row.score)?.userId));
  const data = rows.slice((page - 1) * limit, page * limit).map(({ score, receivedMs }) => {
    const dataType = dataTypeOf(score) as ScoreDataType;
    const at = new Date(receivedMs).toISOString();
    const trace = traceOf(score);
    const row: ScoreV2 = {
      id: score.id,
      projectId: facts.projectId,
      environment: score.environment ?? "default",
      name: score.name,
      value: typeof score.value === "number" ? score.value : 0,
      stringValue: score.stringValue !== undefined
        ? score.stringValue
        : dataType === "CATEGORICAL"
        ? String(score.value)
        : dataType === "BOOLEAN"
        ? (score.value === 1 ? "True" : "False")
        : null,
      dataType,
      source: score.source ?? "API",
      authorUserId: score.authorUserId ?? null,
      comment: score.comment ?? null,
      metadata: score.metadata ?? {},
      configId: score.configId ?? null,
      queueId: score.queueId ?? null,
      executionTraceId: null,
      createdAt: at,
      updatedAt: at,
      timestamp: at,
      traceId: score.traceId ?? null,
      observationId: score.observationId ?? null,
      sessionId: score.sessionId ?? null,
      datasetRunId: score.datasetRunId ?? null,
    };
    if (withTrace) {
      row.trace = trace
        ? {
          userId: trace.userId ?? null,
          tags: trace.tags,
          environment: trace.environment,
          sessionId: trace.sessionId ?? null,
        }
        : null;
    }
    return row;
  });
  return { data, meta: pageMeta(page, limit, rows.length) };
}

/** Scores newest first, ties by id, so pages are stable. */
function newestFirst<T extends { score: StoredScore; receivedMs: number }>(
  list: readonly T[],
): T[] {
  return [...list].sort((a, b) =>
    b.receivedMs - a.receivedMs || (a.score.id < b.score.id ? -1 : a.score.id > b.score.id ? 1 : 0)
  );
}
