/**
 * `record --session ID` and `record --user ID`: reads sessions through Langfuse's public API the
 * way verify reads them, and maps them to recorded sessions. v4: `GET /api/public/v2/observations`
 * with the core, basic, time, io, metadata, model, usage, prompt and trace_context field groups,
 * following cursors, and `GET /api/public/v3/scores` (by trace ids, and by session id for the
 * session's own scores); v3: `GET /api/public/sessions/{id}`, v1 `GET /api/public/observations`
 * per trace and `GET /api/public/v2/scores` (per trace, and by session id). With
 * `withPrompts`, each prompt version the generations link: `GET /api/public/v2/prompts/{name}`.
 * Every request goes through the client, which spaces reads and waits out 429s as Langfuse's
 * headers say.
 */
import type { LangfuseClient, LangfuseGeneration } from "../langfuse/client.ts";
import {
  type ApiTrace,
  type JsonValue,
  MAX_OBSERVATIONS_LIMIT,
  MAX_PAGE_LIMIT,
  MAX_SCORES_LIMIT,
  modelOf,
  type ObservationFieldGroup,
  type ObservationV1,
  type ObservationV2,
  type ScoreV2,
  type ScoreV3,
} from "../langfuse/api_types.ts";
import type { Json } from "../plan/types.ts";
import {
  type Level,
  LEVELS,
  OBSERVATION_TYPES,
  type ObservationType,
} from "../script/vocabulary.ts";
import { linkTree, orderTree } from "../langfuse/ingestion/parent_tree.ts";
import { brokenTrace } from "./broken_trace.ts";
import { modelParameters, RecordInputError } from "./from_spans.ts";
import { perUsageType } from "./usage_details.ts";
import type {
  RecordedObservation,
  RecordedPrompt,
  RecordedScore,
  RecordedSession,
  RecordedTrace,
} from "./types.ts";

/** The field groups a recording reads: everything a script can hold. */
export const RECORD_FIELD_GROUPS: readonly ObservationFieldGroup[] = [
  "core",
  "basic",
  "time",
  "io",
  "metadata",
  "model",
  "usage",
  "prompt",
  "trace_context",
];

/** Trace ids per score read (keeps URLs short). */
const IDS_PER_READ = 40;

/** Which sessions `--user`/`--from`/`--to` pick. */
export interface RecentQuery {
  userId?: string;
  /** Epoch ms; sessions with an observation (v4) or trace (v3) starting at or after it. */
  fromMs?: number;
  /** Epoch ms; ... starting before it. */
  toMs?: number;
  /** Most sessions, newest first; required. */
  limit: number;
}

/** Reads sessions from one Langfuse project. */
export class LangfuseSource {
  #generation: LangfuseGeneration | undefined;
  /** Prompt versions read so far, by `name@version`; undefined: Langfuse has no such version. */
  readonly #prompts = new Map<string, RecordedPrompt | undefined>();

  /** `generation` skips the detection request when known. */
  constructor(private readonly client: LangfuseClient, generation?: LangfuseGeneration) {
    this.#generation = generation;
  }

  /** The server's generation, detected once. */
  async generation(): Promise<LangfuseGeneration> {
    this.#generation ??= await this.client.detectGeneration();
    return this.#generation;
  }

  /** One session; RecordInputError when Langfuse has no trace in it. */
  async session(sessionId: string): Promise<RecordedSession> {
    const generation = await this.generation();
    const built = generation === "v4"
      ? await this.#v4Traces(sessionId)
      : await this.#v3Traces(sessionId);
    if (built.length === 0) {
      throw new RecordInputError(
        `Langfuse has no session "${sessionId}" (no traces found; ingestion takes a few seconds)`,
      );
    }
    const traces = built.flatMap(({ trace, broken }) => broken === undefined ? [trace] : []);
    const skipped = built.flatMap(({ trace, broken }) =>
      broken === undefined ? [] : [{ traceId: trace.id, reason: broken }]
    );
    traces.sort((a, b) => a.startMs - b.startMs || compare(a.id, b.id));
    const userId = traces.find((t) => t.userId !== undefined)?.userId;
    const scores = generation === "v4"
      ? await this.#v4SessionScores(sessionId)
      : await this.#v3SessionScores(sessionId);
    return {
      sessionId,
      ...(userId !== undefined ? { userId } : {}),
      traces,
      scores,
      source: `a Langfuse session (${generation} API)`,
      ...(skipped.length > 0 ? { skipped } : {}),
    };
  }

  /**
   * The session with the prompt versions its generations link to, each read once per source
   * (`GET /api/public/v2/prompts/{name}?version=`, with the prompts it references inlined, as
   * an application gets it); a version Langfuse no longer has is left out.
   */
  async withPrompts(session: RecordedSession): Promise<RecordedSession> {
    const prompts: RecordedPrompt[] = [];
    for (const { name, version } of linkedPrompts(session)) {
      const key = `${name}@${version}`;
      if (!this.#prompts.has(key)) {
        const stored = await this.client.getPrompt(name, { version, resolved: true });
        this.#prompts.set(
          key,
          stored && {
            name,
            version,
            type: stored.type,
            prompt: stored.prompt as Json,
            config: (stored.config ?? {}) as Json,
          },
        );
      }
      const found = this.#prompts.get(key);
      if (found) prompts.push(found);
    }
    return { ...session, prompts };
  }

  /** The session's own scores (subject kind "session"), from `GET /api/public/v3/scores?sessionId=`. */
  async #v4SessionScores(sessionId: string): Promise<RecordedScore[]> {
    const rows: ScoreV3[] = await this.client.allScoresV3({
      sessionIds: [sessionId],
      limit: MAX_SCORES_LIMIT,
    });
    return rows.flatMap((row) =>
      row.subject?.kind === "session" && row.subject.id === sessionId
        ? recordedScore(row.name, row.dataType, row.value, row.comment) ?? []
        : []
    );
  }

  /** The session's own scores (no trace or observation), from `GET /api/public/v2/scores?sessionId=`. */
  async #v3SessionScores(sessionId: string): Promise<RecordedScore[]> {
    const rows: ScoreV2[] = await this.client.allScoresV2({
      sessionId,
      limit: MAX_SCORES_LIMIT,
    });
    return rows.flatMap((row) =>
      row.sessionId === sessionId && !row.traceId && !row.observationId ? v2Score(row) ?? [] : []
    );
  }

  /** The ids of the newest sessions matching `query`, newest first. */
  async recentSessionIds(query: RecentQuery): Promise<string[]> {
    const found: string[] = [];
    const add = (id: string | null | undefined) => {
      if (id && !found.includes(id) && found.length < query.limit) found.push(id);
    };
    const fromIso = query.fromMs === undefined ? undefined : new Date(query.fromMs).toISOString();
    const toIso = query.toMs === undefined ? undefined : new Date(query.toMs).toISOString();
    if (await this.generation() === "v4") {
      const seen = new Set<string>();
      let cursor: string | undefined;
      do {
        const page = await this.client.observations({
          userId: query.userId,
          fromStartTime: fromIso,
          toStartTime: toIso,
          fields: ["core", "basic"],
          limit: MAX_OBSERVATIONS_LIMIT,
          cursor,
        });
        for (const row of page.data) add(row.sessionId);
        cursor = page.meta.cursor || undefined;
        if (cursor !== undefined && seen.has(cursor)) break;
        if (cursor !== undefined) seen.add(cursor);
      } while (cursor !== undefined && found.length < query.limit);
      return found;
    }
    for (let page = 1; found.length < query.limit; page++) {
      const answer = await this.client.traces({
        userId: query.userId,
        fromTimestamp: fromIso,
        toTimestamp: toIso,
        page,
        limit: MAX_PAGE_LIMIT,
      });
      for (const trace of answer.data) {
        const ms = Date.parse(trace.timestamp);
        if (query.fromMs !== undefined && ms < query.fromMs) continue;
        if (query.toMs !== undefined && ms >= query.toMs) continue;
        add(trace.sessionId);
      }
      if (answer.data.length === 0 || page >= answer.meta.totalPages) break;
    }
    return found;
  }

  async #v4Traces(sessionId: string): Promise<BuiltTrace[]> {
    const rows = await this.client.observationsBySession(sessionId, {
      fields: RECORD_FIELD_GROUPS,
      limit: MAX_OBSERVATIONS_LIMIT,
    });
    const groups = new Map<string, ObservationV2[]>();
    const ids = new Set<string>();
    for (const row of rows) {
      // A span sent twice is two rows with one id (Langfuse does not dedupe): keep one.
      if (row.traceId === null || ids.has(row.id)) continue;
      ids.add(row.id);
      groups.set(row.traceId, [...(groups.get(row.traceId) ?? []), row]);
    }
    const scores = await this.#v4Scores([...groups.keys()]);
    return [...groups].map(([traceId, list]) => {
      const latestFirst = [...list].sort((a, b) => compare(b.startTime, a.startTime));
      const root = list.find((row) => row.parentObservationId === null) ??
        list.find((row) => row.isRootObservation);
      const latest = <K extends keyof ObservationV2>(key: K) =>
        latestFirst.map((row) => row[key]).find((v) => v !== null && v !== undefined && v !== "");
      const tags = latestFirst.map((row) => row.tags).find((t) => Array.isArray(t) && t.length > 0);
      const metadata = flatMetadata(root?.metadata);
      return buildTrace({
        id: traceId,
        name: text(root?.traceName ?? root?.name ?? latest("traceName")),
        sessionId: text(latest("sessionId")),
        userId: text(latest("userId")),
        tags: tags ?? [],
        metadata,
        version: text(latest("version")),
        release: text(latest("release")),
        environment: text(latest("environment")),
        input: root ? io(root.input) : undefined,
        output: root ? io(root.output) : undefined,
        rows: list.map((row) => normalise(row, modelOf(row), metadata)),
        scores: scores.get(traceId) ?? [],
      });
    });
  }

  async #v4Scores(traceIds: string[]): Promise<Map<string, RecordedTrace["scores"]>> {
    const out = new Map<string, RecordedTrace["scores"]>();
    for (let at = 0; at < traceIds.length; at += IDS_PER_READ) {
      const rows: ScoreV3[] = await this.client.allScoresV3({
        traceIds: traceIds.slice(at, at + IDS_PER_READ),
        limit: MAX_SCORES_LIMIT,
      });
      for (const row of rows) {
        if (row.subject?.kind !== "trace") continue;
        const score = recordedScore(row.name, row.dataType, row.value, row.comment);
        if (score) out.set(row.subject.id, [...(out.get(row.subject.id) ?? []), score]);
      }
    }
    return out;
  }

  async #v3Traces(sessionId: string): Promise<BuiltTrace[]> {
    const session = await this.client.session(sessionId);
    if (!session) return [];
    const out: BuiltTrace[] = [];
    for (const trace of session.traces) {
      const rows = await this.client.allObservationsV1({
        traceId: trace.id,
        limit: MAX_PAGE_LIMIT,
      });
      const scores: ScoreV2[] = await this.client.allScoresV2({
        traceId: trace.id,
        limit: MAX_SCORES_LIMIT,
      });
      out.push(fromV3Trace(trace, rows, scores));
    }
    return out;
  }
}

/** Every distinct prompt version the session's observations link to, in order of first use. */
function linkedPrompts(session: RecordedSession): { name: string; version: number }[] {
  const found = new Map<string, { name: string; version: number }>();
  const visit = (observation: RecordedObservation) => {
    const link = observation.prompt;
    if (link?.version !== undefined) {
      found.set(`${link.name}@${link.version}`, { ...link, version: link.version });
    }
    observation.children.forEach(visit);
  };
  for (const trace of session.traces) {
    if (trace.root) visit(trace.root);
    trace.orphans.forEach(visit);
  }
  return [...found.values()];
}

function fromV3Trace(trace: ApiTrace, rows: ObservationV1[], scores: ScoreV2[]): BuiltTrace {
  const metadata = flatMetadata(trace.metadata);
  const ids = new Set<string>();
  const own = rows.filter((row) => {
    if (row.traceId !== trace.id || ids.has(row.id)) return false;
    ids.add(row.id);
    return true;
  });
  return buildTrace({
    id: trace.id,
    name: text(trace.name),
    sessionId: text(trace.sessionId),
    userId: text(trace.userId),
    tags: trace.tags ?? [],
    metadata,
    version: text(trace.version),
    release: text(trace.release),
    environment: text(trace.environment),
    input: io(trace.input),
    output: io(trace.output),
    rows: own.map((row) => normalise(row, row.model, metadata)),
    scores: scores.flatMap((row) => row.observationId ? [] : v2Score(row) ?? []),
  });
}

/** A v2 score row as recorded: the category from `stringValue`, else the numeric `value`. */
function v2Score(row: ScoreV2): RecordedScore | undefined {
  const value = row.dataType === "CATEGORICAL" ? row.stringValue ?? "" : row.value ?? 0;
  return recordedScore(row.name, row.dataType, value, row.comment);
}

/** An observation row of either generation, reduced to what a recording keeps. */
interface Row {
  id: string;
  parentId: string | null;
  observation: RecordedObservation;
}

/** The fields v2 and v1 observation rows share. */
interface AnyRow {
  id: string;
  parentObservationId: string | null;
  type: string;
  name?: string | null;
  startTime: string;
  endTime: string | null;
  level?: string;
  statusMessage?: string | null;
  input?: JsonValue;
  output?: JsonValue;
  metadata?: JsonValue;
  modelParameters?: JsonValue;
  usageDetails?: Record<string, number>;
  costDetails?: Record<string, number>;
  totalCost?: number | null;
  completionStartTime?: string | null;
  promptName?: string | null;
  promptVersion?: number | null;
}

function normalise(
  row: AnyRow,
  model: string | null | undefined,
  traceMetadata: Record<string, Json>,
): Row {
  const startMs = Date.parse(row.startTime);
  const endMs = row.endTime === null ? startMs : Date.parse(row.endTime);
  const type = row.type.toLowerCase();
  const obs: RecordedObservation = {
    id: row.id,
    type: (OBSERVATION_TYPES as readonly string[]).includes(type)
      ? type as ObservationType
      : "span",
    name: row.name ?? "",
    startMs,
    endMs,
    children: [],
  };
  if (row.level !== undefined && (LEVELS as readonly string[]).includes(row.level)) {
    obs.level = row.level as Level;
  }
  if (row.statusMessage) obs.statusMessage = row.statusMessage;
  const input = io(row.input);
  if (input !== undefined) obs.input = input;
  const output = io(row.output);
  if (output !== undefined) obs.output = output;
  // Rows carry the trace's metadata beside their own: keep only what is the observation's.
  const metadata = Object.fromEntries(
    Object.entries(flatMetadata(row.metadata)).filter(([key, value]) =>
      !(key in traceMetadata && JSON.stringify(traceMetadata[key]) === JSON.stringify(value))
    ),
  );
  if (Object.keys(metadata).length > 0) obs.metadata = metadata;
  if (model) obs.model = model;
  const parameters = modelParameters(row.modelParameters ?? undefined);
  if (parameters) obs.modelParameters = parameters;
  const usage = perUsageType(row.usageDetails);
  if (usage) obs.usage = usage;
  const cost: NonNullable<RecordedObservation["cost"]> = { ...perUsageType(row.costDetails) };
  const total = row.costDetails?.total ?? row.totalCost;
  if (typeof total === "number" && total > 0) cost.total = total;
  if (Object.keys(cost).length > 0 && Object.values(cost).some((v) => v > 0)) obs.cost = cost;
  if (row.completionStartTime) {
    const ms = Date.parse(row.completionStartTime);
    if (!Number.isNaN(ms)) obs.completionStartMs = ms;
  }
  if (row.promptName) {
    obs.prompt = typeof row.promptVersion === "number"
      ? { name: row.promptName, version: row.promptVersion }
      : { name: row.promptName };
  }
  return { id: row.id, parentId: row.parentObservationId, observation: obs };
}

/** A trace's own fields as read, with its observation rows still flat. */
type TraceFacts = Omit<RecordedTrace, "startMs" | "endMs" | "root" | "orphans"> & { rows: Row[] };

/** A trace as read, and why it cannot become a turn when it cannot (see broken_trace.ts). */
interface BuiltTrace {
  trace: RecordedTrace;
  broken?: string;
}

/**
 * The observation tree from parent links, without recursion and cycle-safe (see
 * parent_tree.ts); a row whose parent is missing is an orphan.
 */
function buildTrace(facts: TraceFacts): BuiltTrace {
  const parents = new Map(facts.rows.map((row) => [row.observation, row.parentId]));
  const byStart = (a: RecordedObservation, b: RecordedObservation) =>
    a.startMs - b.startMs || compare(a.id, b.id);
  // In start order, so a cycle is cut (and named) the same way whatever order the API answers in.
  const { top, cycles } = linkTree(
    facts.rows.map((row) => row.observation).sort(byStart),
    (obs) => parents.get(obs),
  );
  orderTree(top, byStart);
  const rootRow = facts.rows.find((row) => row.parentId === null);
  const root = rootRow?.observation;
  const startMs = facts.rows.reduce((min, row) => Math.min(min, row.observation.startMs), Infinity);
  const endMs = facts.rows.reduce((max, row) => Math.max(max, row.observation.endMs), -Infinity);
  const trace: RecordedTrace = {
    id: facts.id,
    tags: [...facts.tags],
    metadata: facts.metadata,
    startMs: Number.isFinite(startMs) ? startMs : 0,
    endMs: Number.isFinite(endMs) ? endMs : 0,
    orphans: top.filter((obs) => obs !== root),
    scores: facts.scores,
  };
  if (root) trace.root = root;
  for (const key of ["name", "sessionId", "userId", "version", "release", "environment"] as const) {
    const value = facts[key];
    if (value !== undefined) trace[key] = value;
  }
  if (facts.input !== undefined) trace.input = facts.input;
  if (facts.output !== undefined) trace.output = facts.output;
  const broken = brokenTrace(top, cycles[0]?.map((obs) => obs.name));
  return broken === undefined ? { trace } : { trace, broken };
}

function recordedScore(
  name: string,
  dataType: string,
  value: number | boolean | string,
  comment: string | null | undefined,
): RecordedScore | undefined {
  if (dataType !== "NUMERIC" && dataType !== "BOOLEAN" && dataType !== "CATEGORICAL") {
    return undefined;
  }
  const v = typeof value === "boolean" ? (value ? 1 : 0) : value;
  return { name, dataType, value: v, ...(comment ? { comment } : {}) };
}

/** Input or output as stored: v4 serves raw strings, JSON ones are parsed. */
function io(value: JsonValue | undefined): Json | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") return value;
  if (value === "") return undefined;
  try {
    return JSON.parse(value) as Json;
  } catch {
    return value;
  }
}

function flatMetadata(metadata: JsonValue | undefined): Record<string, Json> {
  if (metadata === null || typeof metadata !== "object" || Array.isArray(metadata)) return {};
  return { ...metadata };
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
