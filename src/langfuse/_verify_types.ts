/**
 * The shapes a verification deals in: what was read back from Langfuse (Found*, normalised
 * from either storage generation) and what the comparison makes of it (the Check*, extra-trace
 * and Verify* results). Kept apart so the converters and the comparison share them without
 * importing each other. Private to the folder; `verify.ts` re-exports them.
 */
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
  /** The prompt link as stored: an id when Langfuse found the prompt at ingestion. */
  promptId?: string;
  promptName?: string;
  promptVersion?: number;
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
  /** The score config Langfuse holds the score under. */
  configId?: string;
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
  /** The manifest's prompt versions and score configs checked, and how many matched. */
  resources?: number;
  resourcesMatched?: number;
}

/** The comparison of a run with what Langfuse holds. */
export interface VerifyResult {
  /** Every trace and score matched and no extra trace carries this run's id. */
  ok: boolean;
  traces: TraceCheck[];
  extras: ExtraTrace[];
  scores: ScoreCheck[];
  /** The manifest's prompt versions and score configs (`verify_resources.ts`). */
  resources?: ResourceCheck[];
  summary: VerifySummary;
  /** Per dialect of the run's sessions, the fields it does not carry, so not compared. */
  notChecked?: { dialect: string; sessions: number; fields: readonly NotChecked[] }[];
}

/** A field not compared, and why. */
export interface NotChecked {
  field: string;
  why: string;
}

/** One resource of the manifest and what became of it. */
export interface ResourceCheck {
  kind: "prompt" | "score config";
  /** `router v3`, or the config's name. */
  name: string;
  id: string;
  status: "matched" | "missing" | "differs";
  diffs: FieldDiff[];
}
