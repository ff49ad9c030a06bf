/**
 * Verification as a pure comparison: what a run sent (its manifest sessions) against what was
 * read back from Langfuse, normalised from either storage generation into one shape. Per trace
 * matched, missing or differs (field, sent, found); traces of other runs in the same sessions
 * are information, extra traces of the same run a mismatch; each score found once, linked to
 * the right trace or session.
 *
 * @example
 * ```ts
 * const found = { sessions: [{ sessionId, traces: fromV4Observations(rows) }], scores: [] };
 * const result = compareRun(manifest.sessions, found);
 * if (!result.ok) console.log(result.traces.filter((t) => t.status !== "matched"));
 * ```
 */
import type { ManifestScore, ManifestSession, ManifestTrace } from "../report/run_report.ts";
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

/** Token counts of one observation, zero where Langfuse holds none. */
export interface FoundUsage {
  input: number;
  output: number;
  total: number;
}

/** One observation as read back. */
export interface FoundObservation {
  id: string;
  /** Lower case, as scripts and manifests spell it: "generation", "tool", ... */
  type: string;
  model?: string;
  usage: FoundUsage;
}

/** One trace as read back, whichever generation served it. */
export interface FoundTrace {
  id: string;
  name?: string;
  userId?: string;
  sessionId?: string;
  tags: string[];
  /** Flat trace metadata; values as strings. */
  metadata: Record<string, string>;
  version?: string;
  release?: string;
  environment?: string;
  /** How many observations Langfuse holds for the trace. */
  observationCount: number;
  /** The observations themselves, when they were read (else only the count is compared). */
  observations?: FoundObservation[];
}

/** The traces read back for one session id. */
export interface FoundSession {
  sessionId: string;
  traces: FoundTrace[];
}

/** One score as read back; `value` is a number for NUMERIC and BOOLEAN (1 or 0). */
export interface FoundScore {
  id: string;
  name: string;
  dataType: string;
  value: number | string;
  comment?: string;
  traceId?: string;
  sessionId?: string;
}

/** Everything read back for a run. */
export interface FoundData {
  sessions: FoundSession[];
  scores: FoundScore[];
}

/** One field that differs; values are printable (strings quoted, lists bracketed). */
export interface FieldDiff {
  field: string;
  sent: string;
  found: string;
}

/** The outcome for one expected item. */
export type CheckStatus = "matched" | "missing" | "differs";

/** One expected trace and what became of it. */
export interface TraceCheck {
  traceId: string;
  sessionId: string;
  script: string;
  turn: number;
  kind: string;
  status: CheckStatus;
  diffs: FieldDiff[];
}

/** A trace found in one of the run's sessions that the run did not send. */
export interface ExtraTrace {
  traceId: string;
  sessionId: string;
  name?: string;
  /** Its `run_id` metadata, if any. */
  runId?: string;
  /** True when it carries this run's id: then it is a mismatch, else information. */
  sameRun: boolean;
}

/** One expected score and what became of it; `duplicated` when found more than once. */
export interface ScoreCheck {
  id: string;
  name: string;
  script: string;
  traceId?: string;
  sessionId?: string;
  /** The turn of the scored trace, for trace scores. */
  turn?: number;
  status: CheckStatus | "duplicated";
  diffs: FieldDiff[];
}

/** Counts over a {@link VerifyResult}. */
export interface VerifySummary {
  traces: number;
  matched: number;
  missing: number;
  differs: number;
  /** Extra traces carrying this run's id (a mismatch). */
  sameRunExtras: number;
  /** Traces of other runs in the same sessions (information). */
  otherRunTraces: number;
  scores: number;
  scoresMatched: number;
}

/** The comparison of a run with what Langfuse holds. */
export interface VerifyResult {
  /** Every trace and score matched and no extra trace carries this run's id. */
  ok: boolean;
  traces: TraceCheck[];
  extras: ExtraTrace[];
  scores: ScoreCheck[];
  summary: VerifySummary;
}

/** Options for {@link compareRun}. */
export interface CompareOptions {
  /** This run's ids; default every `run_id` in the expected metadata. */
  runIds?: readonly string[];
}

/** Compares the expected sessions with what was found. */
export function compareRun(
  expected: readonly ManifestSession[],
  found: FoundData,
  options: CompareOptions = {},
): VerifyResult {
  const byId = new Map<string, FoundTrace>();
  for (const session of found.sessions) for (const t of session.traces) byId.set(t.id, t);
  const runIds = new Set(options.runIds ?? expected.flatMap(runIdsOf));
  const expectedIds = new Set(expected.flatMap((s) => s.traces.map((t) => t.traceId)));

  const traces = expected.flatMap((session) =>
    session.traces.map((trace): TraceCheck => {
      const base = {
        traceId: trace.traceId,
        sessionId: session.sessionId,
        script: session.script,
        turn: trace.turn,
        kind: trace.kind,
      };
      const got = byId.get(trace.traceId);
      if (!got) return { ...base, status: "missing", diffs: [] };
      const diffs = compareTrace(session, trace, got);
      return { ...base, status: diffs.length === 0 ? "matched" : "differs", diffs };
    })
  );

  const sessionIds = new Set(expected.map((s) => s.sessionId));
  const extras: ExtraTrace[] = [];
  const seen = new Set<string>();
  for (const session of found.sessions) {
    if (!sessionIds.has(session.sessionId)) continue;
    for (const t of session.traces) {
      if (expectedIds.has(t.id) || seen.has(t.id)) continue;
      seen.add(t.id);
      const runId = t.metadata.run_id;
      extras.push({
        traceId: t.id,
        sessionId: session.sessionId,
        ...(t.name === undefined ? {} : { name: t.name }),
        ...(runId === undefined ? {} : { runId }),
        sameRun: runId !== undefined && runIds.has(runId),
      });
    }
  }

  const turns = new Map(expected.flatMap((s) => s.traces.map((t) => [t.traceId, t.turn])));
  const scores = expected.flatMap((session) =>
    (session.scores ?? []).map((score) => checkScore(session.script, score, found.scores, turns))
  );

  const count = (status: string) => traces.filter((t) => t.status === status).length;
  const summary: VerifySummary = {
    traces: traces.length,
    matched: count("matched"),
    missing: count("missing"),
    differs: count("differs"),
    sameRunExtras: extras.filter((e) => e.sameRun).length,
    otherRunTraces: extras.filter((e) => !e.sameRun).length,
    scores: scores.length,
    scoresMatched: scores.filter((s) => s.status === "matched").length,
  };
  const ok = summary.matched === summary.traces && summary.sameRunExtras === 0 &&
    summary.scoresMatched === summary.scores;
  return { ok, traces, extras, scores, summary };
}

/** The run ids a session's metadata carries (per trace, else the session's). */
function runIdsOf(session: ManifestSession): string[] {
  const ids = session.traces.map((t) => t.metadata?.run_id ?? session.metadata.run_id);
  return ids.filter((id): id is string => id !== undefined);
}

function compareTrace(
  session: ManifestSession,
  trace: ManifestTrace,
  got: FoundTrace,
): FieldDiff[] {
  const diffs: FieldDiff[] = [];
  const field = (name: string, sent: unknown, found: unknown) => {
    const a = show(sent);
    const b = show(found);
    if (a !== b) diffs.push({ field: name, sent: a, found: b });
  };
  field("name", trace.name, got.name);
  field("sessionId", session.sessionId, got.sessionId);
  field("userId", session.userId, got.userId);
  field("environment", session.environment ?? "default", got.environment);
  field("version", session.version, got.version);
  field("release", session.release, got.release);
  field("tags", uniqueSorted(session.tags), uniqueSorted(got.tags));
  const metadata = trace.metadata ?? session.metadata;
  for (const key of Object.keys(metadata).sort()) {
    const sent = metadata[key];
    const found = got.metadata[key];
    // The v2 observations API cuts metadata values to 200 characters.
    const cut = found !== undefined && found.length === 200 && sent.startsWith(found);
    if (found !== sent && !cut) field(`metadata.${key}`, sent, found);
  }

  const want = trace.observations;
  if (got.observations === undefined) {
    field("observations", sum(Object.values(want.types)), got.observationCount);
    return diffs;
  }
  const types: Record<string, number> = {};
  const models = new Set<string>();
  const usage: FoundUsage = { input: 0, output: 0, total: 0 };
  for (const obs of got.observations) {
    types[obs.type] = (types[obs.type] ?? 0) + 1;
    if (obs.model) models.add(obs.model);
    usage.input += obs.usage.input;
    usage.output += obs.usage.output;
    usage.total += obs.usage.total;
  }
  for (const type of uniqueSorted([...Object.keys(want.types), ...Object.keys(types)])) {
    field(`observations.${type}`, want.types[type] ?? 0, types[type] ?? 0);
  }
  field("models", uniqueSorted(want.models), uniqueSorted([...models]));
  field("usage.input", want.usage.input, usage.input);
  field("usage.output", want.usage.output, usage.output);
  field("usage.total", want.usage.total, usage.total);
  return diffs;
}

function checkScore(
  script: string,
  score: ManifestScore,
  found: readonly FoundScore[],
  turns: ReadonlyMap<string, number>,
): ScoreCheck {
  const base = {
    id: score.id,
    name: score.name,
    script,
    ...(score.traceId === undefined ? {} : { traceId: score.traceId }),
    ...(score.sessionId === undefined ? {} : { sessionId: score.sessionId }),
    ...(score.traceId !== undefined && turns.has(score.traceId)
      ? { turn: turns.get(score.traceId) }
      : {}),
  };
  const slot = subjectOf(score);
  const same = found.filter((f) => f.id === score.id);
  const others = found.filter((f) =>
    f.id !== score.id && f.name === score.name && subjectOf(f) === slot
  );
  if (same.length === 0) {
    if (others.length === 0) return { ...base, status: "missing", diffs: [] };
    const ids = others.map((f) => f.id).sort();
    return {
      ...base,
      status: "differs",
      diffs: [{ field: "id", sent: show(score.id), found: show(ids) }],
    };
  }
  if (same.length + others.length > 1) {
    const n = String(same.length + others.length);
    return { ...base, status: "duplicated", diffs: [{ field: "count", sent: "1", found: n }] };
  }
  const got = same[0];
  const diffs: FieldDiff[] = [];
  const field = (name: string, sent: unknown, found: unknown) => {
    const a = show(sent);
    const b = show(found);
    if (a !== b) diffs.push({ field: name, sent: a, found: b });
  };
  field("linked to", slot, subjectOf(got));
  field("name", score.name, got.name);
  field("dataType", score.dataType, got.dataType);
  const numeric = score.dataType !== "CATEGORICAL";
  const sameValue = numeric
    ? Math.abs(Number(score.value) - Number(got.value)) < 1e-9
    : String(score.value) === String(got.value);
  if (!sameValue) field("value", score.value, got.value);
  field("comment", score.comment, got.comment);
  return { ...base, status: diffs.length === 0 ? "matched" : "differs", diffs };
}

/** "trace <id>" or "session <id>": what a score is attached to. */
function subjectOf(score: { traceId?: string; sessionId?: string }): string {
  if (score.traceId !== undefined) return `trace ${score.traceId}`;
  if (score.sessionId !== undefined) return `session ${score.sessionId}`;
  return "nothing";
}

// ---- Normalising what each generation serves ----

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
        observation(row.id, row.type, modelOf(row), row.usageDetails)
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
        observation(obs.id, obs.type, obs.model, obs.usageDetails ?? obs.usage)
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
    })
  );
}

function observation(
  id: string,
  type: string,
  model: string | null | undefined,
  usage: { input?: number; output?: number; total?: number } | null | undefined,
): FoundObservation {
  const input = usage?.input ?? 0;
  const output = usage?.output ?? 0;
  return compact({
    id,
    type: type.toLowerCase(),
    model: text(model),
    usage: { input, output, total: usage?.total ?? input + output },
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

function uniqueSorted(list: readonly string[]): string[] {
  return [...new Set(list)].sort();
}

function sum(list: readonly number[]): number {
  return list.reduce((a, b) => a + b, 0);
}

/** A value as the table prints it: strings quoted, lists bracketed, nothing as "(none)". */
function show(value: unknown): string {
  if (value === undefined || value === null) return "(none)";
  if (Array.isArray(value)) return `[${value.map((v) => String(v)).join(", ")}]`;
  if (typeof value === "string") return JSON.stringify(value);
  return String(value);
}
