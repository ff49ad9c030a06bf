/**
 * The fake Langfuse's read endpoints as pure functions: visible spans and a query in, a response
 * body out, or an {@link HttpAnswer} thrown for 400 and 404; also the query-parameter helpers
 * the fake's other read endpoints (pages.ts) share. Private to the folder.
 */
import { interpretSpans } from "../../src/langfuse/ingestion/view.ts";
import {
  compareRows,
  decodeCursor,
  encodeCursor,
  observationRow,
  pickGroups,
  sessionWithTraces,
  type StoredSpan,
  traceWithDetails,
  type ViewFacts,
} from "./views.ts";
import {
  MAX_OBSERVATIONS_LIMIT,
  MAX_PAGE_LIMIT,
  OBSERVATION_FIELD_GROUPS,
  type ObservationFieldGroup,
  type ObservationsV2Response,
  type SessionWithTraces,
  type TracesResponse,
  type TraceWithDetails,
} from "../../src/langfuse/api_types.ts";

/** Thrown by a handler to answer with `status` and a `{ message }` body (see `body()`). */
export class HttpAnswer extends Error {
  /** `headers` are extra response headers, e.g. Retry-After. */
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  /** The JSON body Langfuse answers with: `{ message }`. */
  body(): Record<string, unknown> {
    return { message: this.message };
  }
}

/** A Langfuse error answer: `{message, error}` where `error` is a class name or zod issues. */
export class LangfuseAnswer extends HttpAnswer {
  /** `error` is the body's `error` value. */
  constructor(status: number, message: string, readonly error: unknown) {
    super(status, message);
  }

  override body(): Record<string, unknown> {
    return { message: this.message, error: this.error };
  }
}

const DEFAULT_GROUPS: ObservationFieldGroup[] = ["core", "basic"];

/** `GET /api/public/v2/observations`: filtered rows, newest first, cursor-paged. */
export function observationsPage(
  spans: readonly StoredSpan[],
  query: URLSearchParams,
  facts: Pick<ViewFacts, "projectId">,
): ObservationsV2Response {
  const limit = integer(query.get("limit"), 50, 0, MAX_OBSERVATIONS_LIMIT);
  const groups = fieldGroups(query.get("fields"));
  const raw = query.get("cursor");
  const cursor = raw === null ? undefined : decodeCursor(raw);
  if (raw !== null && cursor === undefined) throw new HttpAnswer(400, "Invalid cursor format");
  const from = timeParam(query.get("fromStartTime"));
  const to = timeParam(query.get("toStartTime"));
  // A trace's rows are its spans': the others are not made into rows (a load's probe reads
  // trace by trace from a fake holding thousands of spans).
  const traceId = query.get("traceId");
  const candidates = traceId === null ? spans : spans.filter((s) => s.span.traceId === traceId);
  const rows = candidates.map((s) => observationRow(s, facts)).filter((row) =>
    matches(query.get("sessionId"), row.sessionId) &&
    matches(query.get("traceId"), row.traceId) &&
    matches(query.get("userId"), row.userId) &&
    matches(query.get("name"), row.name) &&
    matches(query.get("type"), row.type) &&
    (from === undefined || row.startTime >= from) &&
    (to === undefined || row.startTime < to)
  ).sort(compareRows).filter((row) => cursor === undefined || compareRows(row, cursor) > 0);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    data: page.map((row) => pickGroups(row, groups)),
    meta: rows.length > limit && last ? { cursor: encodeCursor(last) } : {},
  };
}

/** `GET /api/public/traces`: filtered traces, newest first, page-paged. */
export function tracesPage(
  spans: readonly StoredSpan[],
  query: URLSearchParams,
  facts: ViewFacts,
): TracesResponse {
  const { page, limit } = pageParams(query, MAX_PAGE_LIMIT);
  const tags = query.getAll("tags");
  const environments = query.getAll("environment");
  // trace.yml: fromTimestamp on or after, toTimestamp before (the trace's timestamp).
  const from = timeParam(query.get("fromTimestamp"));
  const to = timeParam(query.get("toTimestamp"));
  const all = interpretSpans(spans.map((s) => s.span)).traces.filter((trace) =>
    (from === undefined || trace.startMs >= Date.parse(from)) &&
    (to === undefined || trace.startMs < Date.parse(to)) &&
    matches(query.get("sessionId"), trace.sessionId) &&
    matches(query.get("userId"), trace.userId) &&
    matches(query.get("name"), trace.name) &&
    (environments.length === 0 || environments.includes(trace.environment)) &&
    tags.every((tag) => trace.tags.includes(tag))
  ).sort((a, b) => b.startMs - a.startMs || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  return {
    data: all.slice((page - 1) * limit, page * limit).map((trace) =>
      traceWithDetails(trace, spans, facts)
    ),
    meta: pageMeta(page, limit, all.length),
  };
}

/** `GET /api/public/traces/{id}` (v3 servers); 404 when no visible span has that trace id. */
export function traceAnswer(
  id: string,
  spans: readonly StoredSpan[],
  facts: ViewFacts,
): TraceWithDetails {
  const trace = interpretSpans(spans.map((s) => s.span)).traces.find((t) => t.id === id);
  if (!trace) {
    throw new LangfuseAnswer(
      404,
      `Trace ${id} not found within authorized project`,
      "LangfuseNotFoundError",
    );
  }
  return traceWithDetails(trace, spans, facts);
}

/** `GET /api/public/sessions/{id}`; 404 when no visible trace has that session. */
export function sessionAnswer(
  id: string,
  spans: readonly StoredSpan[],
  facts: ViewFacts,
): SessionWithTraces {
  const view = interpretSpans(spans.map((s) => s.span));
  const found = sessionWithTraces(id, view.traces, spans, facts);
  if (!found) {
    const message = "Session not found within authorized project";
    throw new LangfuseAnswer(404, message, "LangfuseNotFoundError");
  }
  return found;
}

function fieldGroups(raw: string | null): ObservationFieldGroup[] {
  if (raw === null || raw.trim() === "") return DEFAULT_GROUPS;
  // Unknown groups are ignored, as Langfuse does.
  const groups = raw.split(",").map((g) => g.trim()).filter((g): g is ObservationFieldGroup =>
    (OBSERVATION_FIELD_GROUPS as readonly string[]).includes(g)
  );
  return groups.length > 0 ? groups : DEFAULT_GROUPS;
}

/** `page` (from 1) and `limit` (1 to `maxLimit`, default 50) of a page-paged read. */
export function pageParams(
  query: URLSearchParams,
  maxLimit: number,
): { page: number; limit: number } {
  return {
    page: integer(query.get("page"), 1, 1, Number.MAX_SAFE_INTEGER),
    limit: integer(query.get("limit"), 50, 1, maxLimit),
  };
}

/** The `meta` of a page-paged response. */
export function pageMeta(
  page: number,
  limit: number,
  total: number,
): { page: number; limit: number; totalItems: number; totalPages: number } {
  return { page, limit, totalItems: total, totalPages: Math.ceil(total / limit) };
}

/** The integer query parameter, `fallback` when absent; a 400 outside `min` to `max`. */
export function integer(raw: string | null, fallback: number, min: number, max: number): number {
  if (raw === null || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new HttpAnswer(
      400,
      `Invalid request data: "${raw}" is not an integer from ${min} to ${max}`,
    );
  }
  return value;
}

function timeParam(raw: string | null): string | undefined {
  if (raw === null || raw === "") return undefined;
  const ms = Date.parse(raw);
  if (Number.isNaN(ms)) {
    throw new HttpAnswer(400, `Invalid request data: "${raw}" is not a datetime`);
  }
  return new Date(ms).toISOString();
}

/** Whether a filter parameter lets `actual` through: absent, or equal. */
export function matches(wanted: string | null, actual: string | null | undefined): boolean {
  return wanted === null || wanted === actual;
}
