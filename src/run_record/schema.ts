/**
 * The run record as one zod schema: the replay manifest (`out/<runId>.json`), the load report
 * (`out/<runId>.load.json`, a shard's, or shards merged by `report merge`) and one line of a
 * load run's sessions file (`out/<runId>.sessions.jsonl`). These files are the contract between
 * replay/load and verify, purge, grade, record, the anchor re-use and `report merge`; the types
 * every one of them uses are inferred from here. Pure.
 *
 * Versions: the field `recordVersion` (the record's format; `version` is the tool's in a
 * manifest and the script's in a session). Files written before it have none and are version 1;
 * version 2 renamed `fixtures` (the prompts and score configs made in Langfuse) to `resources`.
 * {@link upgradeRecord} turns a version-1 file into the version-2 record, so both read the same.
 */
import { DIALECTS } from "../plan/dialects.ts";
import { z } from "zod";
import type { PlantedFinding, ScorePlan } from "../plan/types.ts";
import type { RunResources as PlannedResources } from "../plan/resources.ts";
import type { HistogramState } from "../plan/stats.ts";
import type { ThresholdCheck } from "../plan/thresholds.ts";
import type { PopulationShape as PopulationShapeOf } from "../plan/population.ts";
import type { IdentityValue as IdentityValueOf, RunIdentity } from "./identity.ts";

/** The record version this code writes, and the newest it reads. */
export const RECORD_VERSION = 2;

/** The field that holds the record version. */
export const VERSION_FIELD = "recordVersion";

const counts = z.record(z.string(), z.number());

/** The prompts and score configs a run made sure of in Langfuse (`fixtures` in version 1). */
export const RunResources = z.object({
  prompts: z.array(z.object({
    name: z.string(),
    version: z.number(),
    id: z.string(),
    labels: z.array(z.string()),
    created: z.boolean(),
  })),
  scoreConfigs: z.array(z.object({
    name: z.string(),
    id: z.string(),
    dataType: z.string(),
    created: z.boolean(),
  })),
});

/** The run's annotation queues, queue items and comments; `created` false: it was there. */
export const RunReview = z.object({
  queues: z.array(z.object({
    name: z.string(),
    id: z.string(),
    objectType: z.enum(["SESSION", "TRACE"]),
    created: z.boolean(),
  })),
  items: z.array(z.object({
    queueId: z.string(),
    id: z.string(),
    objectType: z.string(),
    objectId: z.string(),
    created: z.boolean(),
  })),
  /** `traceId`: an observation's trace (manifests before it was recorded lack it). */
  comments: z.array(z.object({
    id: z.string(),
    objectType: z.string(),
    objectId: z.string(),
    traceId: z.string().optional(),
    created: z.boolean(),
  })),
  /** What could not be made, by reason -> count. */
  failed: counts,
  /** When the run did not deliver everything: nothing was made; what was selected, and why. */
  notMade: z.object({ reason: z.string(), items: z.number(), comments: z.number() }).optional(),
});

/** The time anchor of a run: epoch ms, the `--at` spec, and what it was resolved for. */
export const RunAnchor = z.object({
  ms: z.number(),
  iso: z.string(),
  spec: z.string(),
  command: z.string(),
  scripts: z.array(z.string()),
  reusedFrom: z.string().optional(),
});

const IdentityValue: z.ZodType<IdentityValueOf> = z.lazy(() =>
  z.union([
    z.string(),
    z.number(),
    z.boolean(),
    z.array(IdentityValue),
    z.record(z.string(), IdentityValue),
  ])
);

/** What a run is (see `run_record/identity.ts`). */
export const Identity = z.object({
  fingerprint: z.string(),
  command: z.string(),
  seed: z.number(),
  scripts: z.array(z.object({ file: z.string(), sha256: z.string() })),
  shape: z.record(z.string(), IdentityValue),
  target: z.object({ kind: z.string(), host: z.string().optional(), protocol: z.string() }),
});

/** Span counts, as the export stage reports them. */
export const SpanCounts = z.object({
  generated: z.number(),
  acknowledged: z.number(),
  failed: z.number(),
  failures: counts,
});

/** Request counts, as the export stage reports them. */
export const RequestCounts = z.object({
  total: z.number(),
  retried: z.number(),
  byStatus: counts,
});

/** What became of a run's scores. */
export const ScoreDelivery = z.object({
  planned: z.number(),
  sent: z.number(),
  /** Scores not accepted, by reason. */
  failed: counts,
  /** Why none were sent, when the target cannot take them. */
  skipped: z.string().optional(),
});

/** A score as planned and sent: linked to one trace or one session, with a stable id. */
export const ManifestScore = z.object({
  id: z.string(),
  name: z.string(),
  dataType: z.enum(["NUMERIC", "BOOLEAN", "CATEGORICAL"]),
  value: z.union([z.number(), z.string()]),
  comment: z.string().optional(),
  traceId: z.string().optional(),
  sessionId: z.string().optional(),
  configId: z.string().optional(),
});

/** A finding planted in a session: the answer key reviewers are graded against. */
export const PlantedFindingRecord = z.object({
  finding: z.string(),
  turn: z.number(),
  traceId: z.string(),
});

/** One trace in the manifest, with what verify expects to find. */
export const ManifestTrace = z.object({
  traceId: z.string(),
  turn: z.number(),
  kind: z.string(),
  outcome: z.string(),
  name: z.string(),
  startTime: z.string(),
  endTime: z.string(),
  spans: z.number(),
  /** The trace metadata as sent (session metadata, run_id, turn_kind, outcome). */
  metadata: z.record(z.string(), z.string()),
  observations: z.object({
    types: counts,
    models: z.array(z.string()),
    usage: z.object({ input: z.number(), output: z.number(), total: z.number() }),
    costUsd: z.number(),
  }),
  /** The generations linked to a prompt version (what verify expects Langfuse to link). */
  prompts: z.array(z.object({ spanId: z.string(), name: z.string(), version: z.number() }))
    .optional(),
  /**
   * What Langfuse shows of the trace where the session's dialect changes it (the trace name,
   * observation types, models, usage); absent in Langfuse's own dialect.
   */
  shown: z.object({
    name: z.string(),
    types: counts,
    models: z.array(z.string()),
    usage: z.object({ input: z.number(), output: z.number(), total: z.number() }),
  }).optional(),
});

/** One session, in the manifest and as one line of the sessions file. */
export const ManifestSession = z.object({
  script: z.string(),
  file: z.string(),
  sessionId: z.string(),
  userId: z.string(),
  traceName: z.string(),
  /** The script's version. */
  version: z.string(),
  release: z.string().optional(),
  environment: z.string().optional(),
  tags: z.array(z.string()),
  metadata: z.record(z.string(), z.string()),
  traces: z.array(ManifestTrace),
  scores: z.array(ManifestScore),
  /** The answer key: findings planted in this session; empty when none. Never sent to Langfuse. */
  findings: z.array(PlantedFindingRecord).optional(),
  /** The instrumentation dialect its spans were written in; absent: Langfuse's own. */
  dialect: z.enum(DIALECTS).optional(),
});

const tool = z.literal("session-replay");

/** A replay run's manifest. */
export const RunReport = z.object({
  tool,
  /** The session-replay version that wrote it. */
  version: z.string(),
  runId: z.string(),
  seed: z.number(),
  /** Whether the seed was given (a re-run with it overwrites the same traces). */
  seeded: z.boolean(),
  /** The time anchor the spans were laid out from (re-used by a seeded re-run). */
  anchor: RunAnchor.optional(),
  /** Everything else that shaped the spans; with the anchor, it decides the run id. */
  identity: Identity.optional(),
  startedAt: z.string(),
  finishedAt: z.string(),
  target: z.object({
    kind: z.string(),
    describe: z.string(),
    url: z.string().optional(),
    path: z.string().optional(),
    protocol: z.string(),
  }),
  sessions: z.array(ManifestSession),
  spans: SpanCounts,
  requests: RequestCounts,
  /** The run's scores, once sent. */
  scores: ScoreDelivery.optional(),
  /** The run's annotation queues, queue items and comments (Langfuse target). */
  review: RunReview.optional(),
  /** The prompts and score configs made sure of before the first span (Langfuse targets). */
  resources: RunResources.optional(),
  /** Why delivery stopped early, if it did. */
  stopped: z.string().optional(),
  /** `--dialect` as given (`genai`); absent: Langfuse's own. */
  dialect: z.string().optional(),
});

/** The population shape of a load run (see `plan/population.ts`). */
export const PopulationShape = z.object({
  sessions: z.number(),
  sessionsPerScript: counts,
  turnsPerSession: counts,
  lastOutcome: counts,
  escalationRate: z.number(),
  errorRate: z.number(),
  users: z.number(),
  maxSessionsPerUser: z.number(),
  traces: z.number(),
  spans: z.number(),
  stoppedInProgress: z.object({
    sessions: z.number(),
    turnsNotSent: z.number(),
    spansNotSent: z.number(),
  }).optional(),
});

/** A latency histogram as plain data (see LatencyHistogram.state), so merges are exact. */
const Histogram = z.object({
  buckets: z.array(z.tuple([z.number(), z.number()])),
  count: z.number(),
  sum: z.number(),
  min: z.number().optional(),
  max: z.number().optional(),
});

/**
 * Time to visible (`load` to Langfuse): a sample of the traces acknowledged, read back through
 * the public API until each is readable or `timeoutMs` passes. A trace's clock starts when the
 * request holding its root span is acknowledged.
 */
export const VisibleReport = z.object({
  /** The read API probed: "v4" observations v2 by trace id, "v3" the trace; absent if unknown. */
  api: z.enum(["v4", "v3"]).optional(),
  /** Most probe reads a second (shares the run's pacing of Langfuse's budgets). */
  readsPerSecond: z.number(),
  /** How long a trace is read before it counts as never visible, ms. */
  timeoutMs: z.number(),
  /** Traces chosen: each k-th acknowledged trace, by trace id and seed. */
  sampleEvery: z.number(),
  /** Chosen traces probed: visible + neverVisible + undecided. */
  probed: z.number(),
  /** Probed traces found readable. */
  visible: z.number(),
  /** Probed traces accepted but not readable within `timeoutMs`. */
  neverVisible: z.number(),
  /** Probed traces not decided: the run was stopped or a read failed (see `stopped`). */
  undecided: z.number(),
  /** Chosen traces left out because the read budget had no room for them. */
  skipped: z.number(),
  /** Read requests made. */
  reads: z.number(),
  /** Time-to-visible quantiles of the visible traces, ms. */
  ms: z.object({
    p50: z.number().optional(),
    p95: z.number().optional(),
    p99: z.number().optional(),
  }),
  /** The time-to-visible histogram, so `report merge` has the whole run's quantiles. */
  histogram: Histogram,
  /** The never-visible traces' ids (the first 1000). */
  neverVisibleIds: z.array(z.string()),
  /** Why probing stopped early (a read that failed), when it did. */
  stopped: z.string().optional(),
  /**
   * How long the run waited after its end (`finishedAt`) for the last traces probed to be
   * decided, ms; not in `durationMs` nor in the rate.
   */
  waitedMs: z.number().optional(),
});

/** Which shard a report is, with the counts a merge needs. */
export const ShardFacts = z.object({
  /** The shard, 1..n. */
  k: z.number().int().min(1),
  /** How many shards the run has. */
  n: z.number().int().min(1),
  tally: z.object({
    escalated: z.number(),
    errored: z.number(),
    /** Sessions of each user of the run's pool, most active user first. */
    userSessions: z.array(z.number()),
  }),
  /** The export latency histogram, so merged quantiles are the whole run's. */
  latency: Histogram,
});

/** What a merged report is made of. */
export const ShardsMerged = z.object({
  n: z.number(),
  /** The shards merged, ascending. */
  merged: z.array(z.number()),
  /** The shards of 1..n with no report given. */
  missing: z.array(z.number()),
});

/** Thresholds given on the command line. */
export const Thresholds = z.object({
  /** Most spans allowed to fail; default 0. */
  maxFailed: z.number(),
  /** Least acknowledged spans per second, if given. */
  minRate: z.number().optional(),
  /** Live runs: most arrivals allowed to be dropped; default 0. */
  maxDropped: z.number().optional(),
});

/** What became of a live run's arrivals; a dropped arrival never started a session. */
export const ArrivalReport = z.object({
  scheduled: z.number(),
  started: z.number(),
  dropped: z.number(),
  droppedLate: z.number(),
  droppedAlive: z.number(),
  toleranceMs: z.number(),
  concurrency: z.number(),
  maxAlive: z.number(),
  peakAlive: z.number(),
  maxLagMs: z.number(),
});

const loadReportFields = {
  tool,
  kind: z.literal("load"),
  version: z.string(),
  runId: z.string(),
  seed: z.number(),
  seeded: z.boolean(),
  /** The time anchor (backfill window end, or the live start) the spans were laid out from. */
  anchor: RunAnchor.optional(),
  identity: Identity.optional(),
  mode: z.string(),
  /** Worker threads that sent (1: in-process); summed over the shards of a merged report. */
  workers: z.number().optional(),
  startedAt: z.string(),
  finishedAt: z.string(),
  durationMs: z.number(),
  target: z.object({
    kind: z.string(),
    describe: z.string(),
    url: z.string().optional(),
    protocol: z.string(),
  }),
  sessions: z.number(),
  users: z.number(),
  traces: z.number(),
  spans: SpanCounts,
  requests: RequestCounts,
  exportLatencyMs: z.object({
    p50: z.number().optional(),
    p95: z.number().optional(),
    p99: z.number().optional(),
  }),
  spansPerSecond: z.number(),
  population: PopulationShape,
  scores: ScoreDelivery.optional(),
  review: RunReview.optional(),
  resources: RunResources.optional(),
  /** Live runs: what became of the scheduled arrivals. */
  arrivals: ArrivalReport.optional(),
  /** Loads to Langfuse: how long the traces took to become readable (the probe's sample). */
  visible: VisibleReport.optional(),
  /** Session ids, for runs of up to 1000 sessions. */
  sessionIds: z.array(z.string()).optional(),
  /**
   * `met` and `missed` cover all thresholds; `checks` lists each `--threshold` expression met or
   * missed, with the value observed.
   */
  thresholds: Thresholds.extend({
    met: z.boolean(),
    missed: z.array(z.string()),
    checks: z.array(z.object({
      expression: z.string(),
      observed: z.number().optional(),
      met: z.boolean(),
    })).optional(),
  }),
  stopped: z.string().optional(),
  /** `--dialect` as given (`genai`, `mixed=langfuse:50,vercel:50`); absent: Langfuse's own. */
  dialect: z.string().optional(),
};

/** A load run's report (a whole run's, or one shard's with `shard`). */
export const LoadReport = z.object({
  ...loadReportFields,
  /** Sharded runs (`--shard K/N`): which shard, and the exact counts a merge needs. */
  shard: ShardFacts.optional(),
  /** One JSON line per session (ids of the session, user and traces). */
  sessionsFile: z.string(),
});

/** The report of shards merged (`report merge`): the run's counts, and each shard's sessions file. */
export const MergedLoadReport = z.object({
  ...loadReportFields,
  /** Which shards are in it, which are missing. */
  shards: ShardsMerged,
  /** The merged shards' sessions files, in shard order. */
  sessionsFiles: z.array(z.string()),
});

/** One line of a sessions file as written: a session and the record version. */
export const SessionLine = ManifestSession.extend({
  recordVersion: z.literal(RECORD_VERSION),
});

/** A manifest session (also one line of a load run's sessions file). */
export type ManifestSession = z.infer<typeof ManifestSession>;
/** One trace of a manifest session. */
export type ManifestTrace = z.infer<typeof ManifestTrace>;
/** A score as planned and sent. */
export type ManifestScore = z.infer<typeof ManifestScore>;
/** A replay run's manifest. */
export type RunReport = z.infer<typeof RunReport>;
/** A load run's report, as printed and written with --report. */
export type LoadReport = z.infer<typeof LoadReport>;
/** Shard reports merged by `report merge`. */
export type MergedLoadReport = z.infer<typeof MergedLoadReport>;
/** The prompts and score configs a run made sure of in Langfuse. */
export type RunResources = z.infer<typeof RunResources>;
/** The run's annotation queues, queue items and comments. */
export type RunReview = z.infer<typeof RunReview>;
/** A run's time anchor. */
export type RunAnchor = z.infer<typeof RunAnchor>;
/** What became of a run's scores. */
export type ScoreDelivery = z.infer<typeof ScoreDelivery>;
/** Delivery counts, as the export stage reports them. */
export type DeliveryCounts = {
  spans: z.infer<typeof SpanCounts>;
  requests: z.infer<typeof RequestCounts>;
};
/** Which shard a report is, with the counts a merge needs. */
export type ShardFacts = z.infer<typeof ShardFacts>;
/** What a merged report is made of. */
export type ShardsMerged = z.infer<typeof ShardsMerged>;
/** Thresholds given on the command line. */
export type Thresholds = z.infer<typeof Thresholds>;
/** What became of a live run's arrivals. */
export type ArrivalReport = z.infer<typeof ArrivalReport>;
/** How long a load's traces took to become readable in Langfuse. */
export type VisibleReport = z.infer<typeof VisibleReport>;

/** A record read: a replay manifest, or a load report (a run's, a shard's or a merge's). */
export type RunRecord =
  | { kind: "replay"; record: RunReport }
  | { kind: "load"; record: LoadReport | MergedLoadReport };

/**
 * A version-1 value as version 2 has it: `fixtures` becomes `resources`; an older merge's
 * `sessionsFile` (the shards' paths joined with spaces) becomes `sessionsFiles`. Values that
 * are no objects are left for the schema to refuse.
 */
export function upgradeRecord(value: unknown): unknown {
  if (!isObject(value)) return value;
  const { fixtures, ...rest } = value;
  const upgraded: Record<string, unknown> = fixtures === undefined
    ? rest
    : { ...rest, resources: fixtures };
  if (
    upgraded.kind === "load" && upgraded.shards !== undefined &&
    upgraded.sessionsFiles === undefined && typeof upgraded.sessionsFile === "string"
  ) {
    const { sessionsFile, ...merged } = upgraded;
    return { ...merged, sessionsFiles: sessionsFile.split(" ") };
  }
  return upgraded;
}

/** Whether a value is a JSON object (not an array, not null). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

// The planner, the counters and the anchor build these shapes with their own types; the schema
// must describe exactly them, or a file written would not read back.
type Same<A, B> = [A] extends [B] ? [B] extends [A] ? true : false : false;
type Holds<T extends true> = T;
export type _SchemaMatchesTypes = [
  Holds<Same<ManifestScore, ScorePlan>>,
  Holds<Same<z.infer<typeof PlantedFindingRecord>, PlantedFinding>>,
  Holds<Same<RunResources, PlannedResources>>,
  Holds<Same<z.infer<typeof Identity>, RunIdentity>>,
  Holds<Same<z.infer<typeof PopulationShape>, PopulationShapeOf>>,
  Holds<Same<ShardFacts["latency"], HistogramState>>,
  Holds<Same<VisibleReport["histogram"], HistogramState>>,
  Holds<Same<NonNullable<LoadReport["thresholds"]["checks"]>[number], ThresholdCheck>>,
];

const versioned = { [VERSION_FIELD]: z.literal(RECORD_VERSION) };

/** The JSON Schemas of the files as version 2 writes them, by file name under `schema/run-record/`. */
export function runRecordJsonSchemas(): Record<string, Record<string, unknown>> {
  const schemas = {
    "manifest.schema.json": [RunReport.extend(versioned), "replay manifest"],
    "load-report.schema.json": [LoadReport.extend(versioned), "load report"],
    "merged-load-report.schema.json": [MergedLoadReport.extend(versioned), "merged load report"],
    "sessions-line.schema.json": [SessionLine, "sessions file line"],
  } as const;
  return Object.fromEntries(
    Object.entries(schemas).map(([name, [schema, title]]) => [name, {
      ...z.toJSONSchema(schema, { io: "input" }),
      $id: `https://github.com/session-replay/session-replay/schema/run-record/${name}`,
      title: `session-replay ${title}, record version ${RECORD_VERSION}`,
    }]),
  );
}
