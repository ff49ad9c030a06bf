/**
 * The shapes of the Langfuse view: problems, observations, traces, sessions, users and the view
 * itself. They sit apart from view.ts, which re-exports them, so the private view files
 * can use them without importing the public module back. Private to the folder.
 */
import type { Json } from "../../plan/types.ts";
import type { Level, ObservationType } from "../../script/vocabulary.ts";
import type { Dialect } from "./dialects.ts";

/** A contract problem; `traceId`/`spanId` say where, the message says what and why. */
export interface ViewProblem {
  traceId?: string;
  spanId?: string;
  message: string;
}

/** Token counts as Langfuse stores them; `total` is the sum of the buckets when not sent. */
export interface ViewUsage {
  input?: number;
  output?: number;
  total?: number;
  /** The other usage types sent (input_cached_tokens, …), when there are any. */
  details?: Record<string, number>;
}

/** One observation (one span) with its children ordered by start time. Times are epoch ms. */
export interface ViewObservation {
  id: string;
  parentId?: string;
  name: string;
  type: ObservationType;
  level: Level;
  statusMessage?: string;
  startMs: number;
  durationMs: number;
  model?: string;
  usage?: ViewUsage;
  /** Total cost in USD. */
  cost?: number;
  completionStartMs?: number;
  /**
   * Model parameters as Langfuse stores them: strings and numbers kept, anything else as JSON
   * text. Absent when the span carries none (Langfuse stores `{}`).
   */
  modelParameters?: Record<string, string | number>;
  /** The observation's input as Langfuse shows it (a JSON string parsed); absent when none. */
  input?: Json;
  /** The observation's output as Langfuse shows it; absent when none. */
  output?: Json;
  /** Prompt link; generations only. `version` is absent when not sent as an int. */
  prompt?: { name?: string; version?: number };
  children: ViewObservation[];
}

/** One trace, defined by its root span; `observations` are the tree's top level. */
export interface ViewTrace {
  id: string;
  /** Absent only when the root is missing and no span names the trace. */
  name?: string;
  sessionId?: string;
  userId?: string;
  tags: string[];
  metadata: Record<string, string>;
  version?: string;
  release?: string;
  environment: string;
  /** Whether a span made the trace public (`langfuse.trace.public`). */
  public: boolean;
  /** The trace's input as Langfuse v4 shows it: its root observation's. */
  input?: Json;
  /** The trace's output as Langfuse v4 shows it: its root observation's. */
  output?: Json;
  /**
   * The input of Langfuse's trace record (v3 servers, the v1 traces API, trace evaluators): the
   * root's `langfuse.trace.input` (the Langfuse SDK's `setTraceIO`), else `input`.
   */
  traceInput?: Json;
  /** The output of Langfuse's trace record: `langfuse.trace.output`, else `output`. */
  traceOutput?: Json;
  /** Root start, epoch ms. */
  startMs: number;
  /** Earliest start to latest end over all spans, as Langfuse computes latency. */
  durationMs: number;
  /** When parent ids form a cycle (cut to show a tree): the names of the first cycle's spans. */
  parentCycle?: string[];
  hasRoot: boolean;
  /** The dialects its spans speak (dialects.ts), in DIALECTS order. */
  dialects: Dialect[];
  spanCount: number;
  totalCost: number;
  totalTokens: number;
  observations: ViewObservation[];
}

/** Traces sharing a session id, ordered by start time. */
export interface ViewSession {
  id: string;
  /** Distinct user ids of its traces, sorted. */
  userIds: string[];
  traceIds: string[];
  startMs: number;
  /** First trace start to last trace end. */
  durationMs: number;
  spanCount: number;
  totalCost: number;
  totalTokens: number;
}

/** One user id and what it adds up to. */
export interface ViewUser {
  id: string;
  sessionCount: number;
  traceCount: number;
  totalCost: number;
  totalTokens: number;
}

/** Everything Langfuse will show for a set of spans, and every contract problem found. */
export interface LangfuseView {
  /** All traces ordered by start time, with or without a session. */
  traces: ViewTrace[];
  sessions: ViewSession[];
  users: ViewUser[];
  problems: ViewProblem[];
}
