/**
 * Normalising what each Langfuse generation serves into the Found* shapes: v4 observation rows
 * grouped into traces, v3 trace rows with their v1 observations, and both generations' score
 * rows, so the comparison never sees which API answered. Private to the folder; `verify.ts`
 * re-exports the converters.
 */
import {
  type ApiTrace,
  type JsonValue,
  modelOf,
  type ObservationV1,
  type ObservationV2,
  type ScoreV2,
  type ScoreV3,
  type TraceWithDetails,
} from "./api_types.ts";
import type { FoundObservation, FoundScore, FoundTrace } from "./_verify_types.ts";

/**
 * v4: observation rows (any sessions) grouped into traces. Trace name and metadata come from
 * the root row; session, user, environment, version, release and tags from the latest row
 * that has them, as Langfuse v4 aggregates its trace view.
 */
export function fromV4Observations(rows: readonly ObservationV2[]): FoundTrace[] {
  const groups = new Map<string, ObservationV2[]>();
  for (const row of rows) {
    if (row.traceId === null) continue;
    groups.set(row.traceId, [...(groups.get(row.traceId) ?? []), row]);
  }
  return [...groups].map(([id, list]) => {
    const latestFirst = [...list].sort((a, b) =>
      a.startTime < b.startTime ? 1 : a.startTime > b.startTime ? -1 : 0
    );
    const root = list.find((row) => row.parentObservationId === null) ??
      list.find((row) => row.isRootObservation);
    const latest = <K extends keyof ObservationV2>(key: K) =>
      latestFirst.map((row) => row[key]).find((v) => v !== null && v !== undefined && v !== "");
    const tags = latestFirst.map((row) => row.tags).find((t) => Array.isArray(t) && t.length > 0);
    return compact({
      id,
      name: text(root?.traceName ?? root?.name ?? latest("traceName")),
      userId: text(latest("userId")),
      sessionId: text(latest("sessionId")),
      tags: tags ?? [],
      metadata: flat(root?.metadata ?? latestFirst[0].metadata),
      version: text(latest("version")),
      release: text(latest("release")),
      environment: text(latest("environment")),
      observationCount: list.length,
      observations: list.map((row) =>
        observation(row.id, row.type, modelOf(row), row.usageDetails, row)
      ),
    });
  });
}

/**
 * v3: trace rows with, when read, their v1 observations (any traces; each is matched to its
 * trace by id). Without observations only their count (from the trace row) is known.
 */
export function fromV3Traces(
  traces: readonly (ApiTrace | TraceWithDetails)[],
  observations?: readonly ObservationV1[],
): FoundTrace[] {
  return traces.map((trace) => {
    const own = observations?.filter((obs) => obs.traceId === trace.id);
    const ids = "observations" in trace ? trace.observations : undefined;
    return compact({
      id: trace.id,
      name: text(trace.name),
      userId: text(trace.userId),
      sessionId: text(trace.sessionId),
      tags: trace.tags ?? [],
      metadata: flat(trace.metadata),
      version: text(trace.version),
      release: text(trace.release),
      environment: text(trace.environment),
      observationCount: ids?.length ?? own?.length ?? 0,
      observations: own?.map((obs) =>
        observation(obs.id, obs.type, obs.model, obs.usageDetails ?? obs.usage, obs)
      ),
    });
  });
}

/** v4's `GET /api/public/v3/scores` rows (with the `details` and `subject` groups). */
export function fromV3Scores(rows: readonly ScoreV3[]): FoundScore[] {
  return rows.map((row) =>
    compact({
      id: row.id,
      name: row.name,
      dataType: row.dataType,
      value: typeof row.value === "boolean" ? (row.value ? 1 : 0) : row.value,
      comment: text(row.comment),
      traceId: row.subject?.kind === "trace" ? row.subject.id : undefined,
      sessionId: row.subject?.kind === "session" ? row.subject.id : undefined,
      configId: text(row.configId),
    })
  );
}

/** v3's `GET /api/public/v2/scores` rows: categories come as `stringValue`. */
export function fromV2Scores(rows: readonly ScoreV2[]): FoundScore[] {
  return rows.map((row) =>
    compact({
      id: row.id,
      name: row.name,
      dataType: row.dataType,
      value: row.dataType === "NUMERIC" || row.dataType === "BOOLEAN"
        ? row.value ?? 0
        : row.stringValue ?? "",
      comment: text(row.comment),
      traceId: text(row.traceId),
      sessionId: row.traceId ? undefined : text(row.sessionId),
      configId: text(row.configId),
    })
  );
}

/** An observation row's prompt link fields (v4 with the `prompt` group, v3 always). */
interface PromptFields {
  promptId?: string | null;
  promptName?: string | null;
  promptVersion?: number | null;
}

function observation(
  id: string,
  type: string,
  model: string | null | undefined,
  usage: { input?: number; output?: number; total?: number } | null | undefined,
  prompt: PromptFields = {},
): FoundObservation {
  const input = usage?.input ?? 0;
  const output = usage?.output ?? 0;
  return compact({
    id,
    type: type.toLowerCase(),
    model: text(model),
    usage: { input, output, total: usage?.total ?? input + output },
    promptId: text(prompt.promptId),
    promptName: text(prompt.promptName),
    promptVersion: typeof prompt.promptVersion === "number" ? prompt.promptVersion : undefined,
  });
}

/** Flat metadata with string values; anything else is shown as JSON. */
function flat(metadata: JsonValue | undefined): Record<string, string> {
  if (metadata === null || typeof metadata !== "object" || Array.isArray(metadata)) return {};
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata)) {
    out[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return out;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** The object without its undefined fields, so results compare and print cleanly. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
