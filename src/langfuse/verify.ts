/**
 * Verification as a pure comparison: what a run sent (its manifest sessions) against what was
 * read back from Langfuse, normalised from either storage generation into one shape. Per trace
 * matched, missing or differs (field, sent, found); traces of other runs in the same sessions
 * are information, extra traces of the same run a mismatch; each score found once, linked to
 * the right trace or session. The result shapes live in `_verify_types.ts` and the converters
 * from API rows in `_verify_found.ts`; this module re-exports both, so importers need only it.
 *
 * @example
 * ```ts
 * const found = { sessions: [{ sessionId, traces: fromV4Observations(rows) }], scores: [] };
 * const result = compareRun(manifest.sessions, found);
 * if (!result.ok) console.log(result.traces.filter((t) => t.status !== "matched"));
 * ```
 */
import { escapeControls } from "../text/escape.ts";
import type { ManifestScore, ManifestSession, ManifestTrace } from "../run_record/schema.ts";
import type { RunResources } from "../plan/resources.ts";
import { promptLinkDiffs, scoreConfigDiffs } from "./verify_resources.ts";
import { carries, notCheckedOf } from "./verify_dialects.ts";
import type {
  ExtraTrace,
  FieldDiff,
  FoundData,
  FoundObservation,
  FoundScore,
  FoundTrace,
  FoundUsage,
  ScoreCheck,
  TraceCheck,
  VerifyResult,
  VerifySummary,
} from "./_verify_types.ts";

// Re-exported so this stays the one public entry for verification's types and converters.
export type {
  CheckStatus,
  ExtraTrace,
  FieldDiff,
  FoundData,
  FoundObservation,
  FoundScore,
  FoundSession,
  FoundTrace,
  FoundUsage,
  ScoreCheck,
  TraceCheck,
  VerifyResult,
  VerifySummary,
} from "./_verify_types.ts";
export { fromV2Scores, fromV3Scores, fromV3Traces, fromV4Observations } from "./_verify_found.ts";

/** Options for {@link compareRun}. */
export interface CompareOptions {
  /** This run's ids; default every `run_id` in the expected metadata. */
  runIds?: readonly string[];
  /** The run's resources: the prompt ids its generations should be linked to. */
  resources?: RunResources;
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
      const diffs = [
        ...compareTrace(session, trace, got),
        ...(carries(session.dialect, "prompt links")
          ? promptLinkDiffs(trace, got, options.resources)
          : []),
      ];
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
  const notChecked = notCheckedOf(expected);
  return { ok, traces, extras, scores, summary, ...(notChecked.length > 0 ? { notChecked } : {}) };
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
  // A dialect's own names, types, models and usage, as Langfuse maps them (absent: as sent).
  const shown = trace.shown;
  const has = (name: Parameters<typeof carries>[1]) => carries(session.dialect, name);
  field("name", shown?.name ?? trace.name, got.name);
  field("sessionId", session.sessionId, got.sessionId);
  field("userId", session.userId, got.userId);
  field("environment", session.environment ?? "default", got.environment);
  if (has("version")) field("version", session.version, got.version);
  if (has("release")) field("release", session.release, got.release);
  if (has("tags")) field("tags", uniqueSorted(session.tags), uniqueSorted(got.tags));
  const metadata = has("metadata") ? trace.metadata ?? session.metadata : {};
  for (const key of Object.keys(metadata).sort()) {
    const sent = metadata[key];
    const found = got.metadata[key];
    // The v2 observations API cuts metadata values to 200 characters.
    const cut = found !== undefined && found.length === 200 && sent.startsWith(found);
    if (found !== sent && !cut) field(`metadata.${key}`, sent, found);
  }

  const want = shown ?? trace.observations;
  if (got.observations === undefined) {
    field("observations", sum(Object.values(want.types)), got.observationCount);
    return diffs;
  }
  // Langfuse v4 keeps a span re-sent with another start time as a second row of the same id.
  field("observations.duplicated", [], duplicatedIds(got.observations));
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

/** Observation ids found more than once, as `id ×n`, sorted. */
function duplicatedIds(observations: readonly FoundObservation[]): string[] {
  const counts = new Map<string, number>();
  for (const { id } of observations) counts.set(id, (counts.get(id) ?? 0) + 1);
  return [...counts].filter(([, n]) => n > 1).map(([id, n]) => `${id} ×${n}`).sort();
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
  diffs.push(...scoreConfigDiffs(score, got));
  return { ...base, status: diffs.length === 0 ? "matched" : "differs", diffs };
}

/** "trace <id>" or "session <id>": what a score is attached to. */
function subjectOf(score: { traceId?: string; sessionId?: string }): string {
  if (score.traceId !== undefined) return `trace ${score.traceId}`;
  if (score.sessionId !== undefined) return `session ${score.sessionId}`;
  return "nothing";
}

function uniqueSorted(list: readonly string[]): string[] {
  return [...new Set(list)].sort();
}

function sum(list: readonly number[]): number {
  return list.reduce((a, b) => a + b, 0);
}

/**
 * A value as the table prints it: strings quoted, lists bracketed, nothing as "(none)"; what
 * Langfuse answered is outside text, so control characters are escaped.
 */
function show(value: unknown): string {
  if (value === undefined || value === null) return "(none)";
  if (Array.isArray(value)) return escapeControls(`[${value.map((v) => String(v)).join(", ")}]`);
  return escapeControls(typeof value === "string" ? JSON.stringify(value) : String(value));
}
