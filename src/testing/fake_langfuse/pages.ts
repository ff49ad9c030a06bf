/**
 * The fake Langfuse's paged list reads besides those in _fake_reads.ts: v1 observations and the
 * v2 and v3 scores lists, with their filters and paging. Pure: stored rows and a query in, a
 * response body out, or an {@link HttpAnswer} thrown for 400. Private to the folder.
 */
import { interpretSpans } from "../../report/langfuse_view.ts";
import { HttpAnswer, integer, matches, pageMeta, pageParams } from "./reads.ts";
import type { StoredScore } from "./types.ts";
import { compareRows, observationRow, type StoredSpan } from "./views.ts";
import {
  MAX_SCORES_LIMIT,
  type ObservationsV1Response,
  type ObservationV1,
  type ScoresV2Response,
  type ScoresV3Response,
  type ScoreV2,
  type ScoreV3,
} from "../../langfuse/api_types.ts";

const SCORE_FIELD_GROUPS = ["details", "subject", "annotation"];

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

/** `GET /api/public/v3/scores`: filtered by comma lists, newest first, cursor-paged. */
export function scoresV3Page(
  stored: readonly { score: StoredScore; receivedMs: number }[],
  query: URLSearchParams,
  projectId: string,
): ScoresV3Response {
  const limit = integer(query.get("limit"), 50, 1, MAX_SCORES_LIMIT);
  const fields = (query.get("fields") ?? "").split(",").map((f) => f.trim()).filter(Boolean);
  const unknown = fields.find((f) => !SCORE_FIELD_GROUPS.includes(f));
  if (unknown) throw new HttpAnswer(400, `Invalid request data: unknown field group "${unknown}"`);
  const ids = listParam(query.get("id"));
  const traceIds = listParam(query.get("traceId"));
  const sessionIds = listParam(query.get("sessionId"));
  if (traceIds && sessionIds) {
    throw new HttpAnswer(400, "At most one of traceId, sessionId, experimentId may be specified");
  }
  const raw = query.get("cursor");
  const offset = raw === null ? 0 : Number(atob(raw.replace(/-/g, "+").replace(/_/g, "/")));
  if (!Number.isInteger(offset) || offset < 0) throw new HttpAnswer(400, "Invalid cursor");
  const rows = newestFirst(stored).filter(({ score }) =>
    (!ids || ids.includes(score.id)) &&
    (!traceIds || (score.traceId !== undefined && traceIds.includes(score.traceId))) &&
    (!sessionIds || (score.sessionId !== undefined && sessionIds.includes(score.sessionId)))
  );
  const page = rows.slice(offset, offset + limit).map(({ score, receivedMs }): ScoreV3 => {
    const dataType = score.dataType ??
      (typeof score.value === "string" ? "CATEGORICAL" : "NUMERIC");
    const at = new Date(receivedMs).toISOString();
    const row: ScoreV3 = {
      id: score.id,
      projectId,
      name: score.name,
      source: "API",
      timestamp: at,
      environment: score.environment ?? "default",
      createdAt: at,
      updatedAt: at,
      dataType,
      value: dataType === "BOOLEAN"
        ? score.value === 1
        : dataType === "CATEGORICAL"
        ? score.stringValue ?? score.value
        : score.value,
    };
    if (fields.includes("details")) {
      Object.assign(row, {
        comment: score.comment ?? null,
        configId: score.configId ?? null,
        metadata: {},
      });
    }
    if (fields.includes("subject")) {
      row.subject = score.traceId !== undefined
        ? { kind: "trace", id: score.traceId }
        : { kind: "session", id: score.sessionId ?? "" };
    }
    return row;
  });
  const next = offset + limit < rows.length ? btoa(String(offset + limit)) : undefined;
  return { data: page, meta: { limit, ...(next ? { cursor: next.replace(/=+$/, "") } : {}) } };
}

/** `GET /api/public/v2/scores`: filtered, newest first, page-paged, with the trace's data. */
export function scoresV2Page(
  stored: readonly { score: StoredScore; receivedMs: number }[],
  spans: readonly StoredSpan[],
  query: URLSearchParams,
  facts: { projectId: string },
): ScoresV2Response {
  const { page, limit } = pageParams(query, MAX_SCORES_LIMIT);
  const ids = listParam(query.get("scoreIds"));
  const traces = new Map(interpretSpans(spans.map((s) => s.span)).traces.map((t) => [t.id, t]));
  const rows = newestFirst(stored).filter(({ score }) =>
    (!ids || ids.includes(score.id)) && matches(query.get("traceId"), score.traceId) &&
    matches(query.get("sessionId"), score.sessionId) && matches(query.get("name"), score.name)
  );
  const data = rows.slice((page - 1) * limit, page * limit).map(({ score, receivedMs }) => {
    const dataType = score.dataType ??
      (typeof score.value === "string" ? "CATEGORICAL" : "NUMERIC");
    const at = new Date(receivedMs).toISOString();
    const trace = score.traceId === undefined ? undefined : traces.get(score.traceId);
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
      source: "API",
      authorUserId: null,
      comment: score.comment ?? null,
      metadata: {},
      configId: score.configId ?? null,
      queueId: null,
      executionTraceId: null,
      createdAt: at,
      updatedAt: at,
      timestamp: at,
      traceId: score.traceId ?? null,
      observationId: null,
      sessionId: score.sessionId ?? null,
      datasetRunId: null,
      trace: trace
        ? {
          userId: trace.userId ?? null,
          tags: trace.tags,
          environment: trace.environment,
          sessionId: trace.sessionId ?? null,
        }
        : null,
    };
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

/** A comma list parameter as its parts; undefined when absent or blank (no filter). */
function listParam(raw: string | null): string[] | undefined {
  if (raw === null || raw.trim() === "") return undefined;
  return raw.split(",").map((part) => part.trim()).filter(Boolean);
}
