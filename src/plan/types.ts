/**
 * A planned session: pure data, everything decided (ids, timestamps, content), nothing sent.
 * The emitter turns it into spans; the report and verify read it back.
 */
import type { Level, ObservationType } from "../script/vocabulary.ts";
import type { Dialect } from "./dialects.ts";

/** JSON content as it will be sent. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/**
 * Token counts in Langfuse's usage_details keys: `input`, `output` (absent on an embedding), the
 * other usage types the script counts (`input_cached_tokens`, …), and `total`, their sum.
 */
export interface Usage {
  [type: string]: number | undefined;
  input: number;
  output?: number;
  total: number;
}

/** Cost in USD in Langfuse's cost_details keys: per usage type, and `total`, their sum. */
export interface Cost {
  [type: string]: number | undefined;
  total: number;
}

/** One observation (span) with its children. Times are epoch milliseconds. */
export interface ObservationPlan {
  spanId: string;
  name: string;
  type: ObservationType;
  startMs: number;
  endMs: number;
  level?: Level;
  statusMessage?: string;
  input?: Json;
  output?: Json;
  metadata?: Record<string, string | number | boolean>;
  model?: string;
  modelParameters?: Record<string, string | number | boolean>;
  usage?: Usage;
  cost?: Cost;
  completionStartMs?: number;
  /** The prompt link sent (`langfuse.observation.prompt.name` and the integer version). */
  prompt?: { name: string; version: number };
  /** A declared prompt's name, until its version is resolved in Langfuse (then `prompt`). */
  promptRef?: string;
  /**
   * Input tokens the script declares its messages do not show (`hiddenInputTokens`), for the
   * realism check's token fit; plan only, never sent.
   */
  hiddenInputTokens?: number;
  children: ObservationPlan[];
}

/** One turn: one trace with its root observation. */
export interface TurnPlan {
  index: number;
  kind: string;
  outcome: string;
  traceId: string;
  root: ObservationPlan;
}

/** A score to send through Langfuse's API (batched ingestion), linked to a trace or a session. */
export interface ScorePlan {
  /** Derived from the trace or session id and the name: re-sending replaces, never duplicates. */
  id: string;
  name: string;
  dataType: "NUMERIC" | "BOOLEAN" | "CATEGORICAL";
  value: number | string;
  comment?: string;
  traceId?: string;
  sessionId?: string;
  /** The Langfuse score config the score is sent with (Langfuse targets). */
  configId?: string;
}

/**
 * A finding planted in a session: the answer key reviewers are graded against. Kept in the
 * manifest and load's sessions file, never in a span.
 */
export interface PlantedFinding {
  /** A name from `FINDINGS`. */
  finding: string;
  /** The changed turn, numbered from 1 as the manifest's `traces[].turn`; for late_escalation the turn that should have escalated. */
  turn: number;
  /** The trace id of that turn. */
  traceId: string;
}

/** One conversation: one session, one user, one trace per turn. */
export interface SessionPlan {
  script: string;
  file: string;
  seed: number;
  sessionId: string;
  userId: string;
  traceName: string;
  version: string;
  release?: string;
  environment?: string;
  tags: string[];
  /** Trace metadata shared by every turn (bounded values), with `run_id` when the run set one. */
  metadata: Record<string, string>;
  turns: TurnPlan[];
  /** Turn and session scores. */
  scores: ScorePlan[];
  /** Planted findings (the answer key); empty when none. */
  findings: PlantedFinding[];
  /** The instrumentation dialect its spans are written in; absent: Langfuse's own. */
  dialect?: Dialect;
}

/** The trace metadata of one turn as sent: the session's plus the turn's kind and outcome. */
export function traceMetadata(plan: SessionPlan, turn: TurnPlan): Record<string, string> {
  return { ...plan.metadata, turn_kind: turn.kind, outcome: turn.outcome };
}

/** Counts the spans of an observation tree. */
export function countSpans(root: ObservationPlan): number {
  return 1 + root.children.reduce((sum, child) => sum + countSpans(child), 0);
}

/** The observations of a tree in document order: a parent before its children. */
export function preOrder(root: ObservationPlan): ObservationPlan[] {
  const out: ObservationPlan[] = [];
  const visit = (obs: ObservationPlan) => {
    out.push(obs);
    obs.children.forEach(visit);
  };
  visit(root);
  return out;
}
