/**
 * The interface between the `record` sources (Langfuse API, OTLP files, live
 * receiver) and the pure script builder (`toScripts` in `script.ts`).
 */
import type { Json } from "../plan/types.ts";
import type { Level, ObservationType } from "../script/vocabulary.ts";
import type { Dialect } from "../plan/dialects.ts";

/** One observation as recorded, with its children ordered by start time. Times epoch ms. */
export interface RecordedObservation {
  /** The recorded observation id (never written into a script). */
  id: string;
  /** The observation type as Langfuse shows it. */
  type: ObservationType;
  /** The observation name. */
  name: string;
  /** Start time, epoch ms. */
  startMs: number;
  /** End time, epoch ms. */
  endMs: number;
  /** Level, when recorded. */
  level?: Level;
  /** Status message, when recorded. */
  statusMessage?: string;
  /** Input, when recorded. */
  input?: Json;
  /** Output, when recorded. */
  output?: Json;
  /** Observation metadata, when recorded. */
  metadata?: Record<string, Json>;
  /** Model name (generation-like observations). */
  model?: string;
  /** Model parameters (generation-like observations). */
  modelParameters?: Record<string, string | number | boolean>;
  /** Tokens per usage type (Langfuse's usage_details without total): input, output, input_cached_tokens, … */
  usage?: Record<string, number>;
  /** USD per usage type and `total` as recorded (Langfuse's cost_details / calculated cost). */
  cost?: Record<string, number>;
  /** When the first token arrived, epoch ms. */
  completionStartMs?: number;
  /** The linked Langfuse prompt. */
  prompt?: { name: string; version?: number };
  /** Child observations ordered by start time. */
  children: RecordedObservation[];
}

/** A score as recorded, on a trace or on the whole session. */
export interface RecordedScore {
  /** Score name as recorded. */
  name: string;
  /** Langfuse's data type (other types are not recorded). */
  dataType: "NUMERIC" | "BOOLEAN" | "CATEGORICAL";
  /** The value: a number (booleans 0/1) or the category. */
  value: number | string;
  /** The comment, when recorded. */
  comment?: string;
}

/** One trace (one turn). `root` is the trace's root span when it has one; its children are the turn's steps. */
export interface RecordedTrace {
  /** The recorded trace id (never written into a script). */
  id: string;
  /** Trace name. */
  name?: string;
  /** Recorded session id (never written into a script). */
  sessionId?: string;
  /** Recorded user id (never written into a script). */
  userId?: string;
  /** Trace tags. */
  tags: string[];
  /** Trace metadata. */
  metadata: Record<string, Json>;
  /** Trace version. */
  version?: string;
  /** Trace release. */
  release?: string;
  /** Trace environment. */
  environment?: string;
  /** Trace input. */
  input?: Json;
  /** Trace output. */
  output?: Json;
  /** Trace start, epoch ms. */
  startMs: number;
  /** Trace end, epoch ms. */
  endMs: number;
  /** The root observation (no parent); absent when the source had none. */
  root?: RecordedObservation;
  /** Observations without a parent besides the root (rare), ordered by start. */
  orphans: RecordedObservation[];
  /** Scores attached to the trace. */
  scores: RecordedScore[];
}

/** A prompt version a recorded generation links to, with its content as Langfuse stores it. */
export interface RecordedPrompt {
  name: string;
  version: number;
  type: "text" | "chat";
  /** The text (text prompts) or the messages and placeholders (chat prompts), as stored. */
  prompt: Json;
  /** The prompt's config as stored (`{}` when none). */
  config: Json;
}

/** One session's traces ordered by start time. `source` describes where it came from, for the script's header (never a secret, never an id). */
export interface RecordedSession {
  /** Recorded session id (never written into a script). */
  sessionId?: string;
  /** Recorded user id (never written into a script). */
  userId?: string;
  /** The session's traces, ordered by start time. */
  traces: RecordedTrace[];
  /** Scores of the session itself (not of a trace or observation); empty when the source has none (OTLP). */
  scores: RecordedScore[];
  /** Where the session came from, for the header (never a secret, never an id). */
  source: string;
  /**
   * The prompt versions its generations link to, read with their content (Langfuse sources);
   * absent when not read, and then generations link to prompts by name and version only.
   */
  prompts?: RecordedPrompt[];
  /** Traces left out because they cannot become a turn (see broken_trace.ts). */
  skipped?: SkippedTrace[];
  /**
   * OTLP sources: the `--dialect` that replays the session in the vocabulary its spans spoke
   * (so a replay takes Langfuse's mapping path the app's traffic takes); absent for Langfuse.
   */
  dialect?: Dialect;
}

/** A recorded trace left out of its script, and why. */
export interface SkippedTrace {
  /** The recorded trace id (shown to the user, never written into a script). */
  traceId: string;
  /** Why, e.g. its spans' parent ids form a cycle. */
  reason: string;
}

/** One script made from a recorded session. */
export interface RecordedScript {
  /** Kebab-case script name (also the file name stem). */
  name: string;
  /** The YAML text, header comments included; passes `validate`. */
  yaml: string;
  /** What was dropped or replaced, as counts and reasons (never the values). */
  notes: string[];
}
