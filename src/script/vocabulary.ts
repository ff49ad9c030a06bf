/**
 * The bounded vocabularies of the script format, declared once. Trace metadata keys and their
 * allowed values live here because every span of every turn carries them: a value outside its
 * set would grow Langfuse's filter lists without bound.
 */

/** Trace metadata keys and the values each may take. Extend here, in one place. */
export const METADATA_VALUES = {
  environment: ["development", "staging", "production"],
  workflow: ["order-status", "refund", "handoff"],
  region: ["eu", "us", "global"],
  tenant_tier: ["free", "team", "enterprise"],
  channel: ["chat", "email", "voice"],
} as const;

/** A trace metadata key a script may set. */
export type MetadataKey = keyof typeof METADATA_VALUES;

/** What kind of turn this is, as reviewers filter by it (trace metadata `turn_kind`). */
export const TURN_KINDS = [
  "greeting",
  "status",
  "delay",
  "escalation",
  "refund",
  "handoff",
  "clarification",
  "resolution",
  "followup",
] as const;

/** How a turn ended (trace metadata `outcome`). */
export const OUTCOMES = [
  "answered",
  "clarified",
  "resolved",
  "escalated",
  "handed_off",
  "recovered",
  "failed",
] as const;

/** Langfuse observation types, exactly as its OTLP mapper accepts them. */
export const OBSERVATION_TYPES = [
  "span",
  "generation",
  "event",
  "embedding",
  "agent",
  "tool",
  "chain",
  "retriever",
  "guardrail",
  "evaluator",
] as const;

/** A Langfuse observation type. */
export type ObservationType = typeof OBSERVATION_TYPES[number];

/** Langfuse observation levels; anything else is dropped by a v3 server. */
export const LEVELS = ["DEBUG", "DEFAULT", "WARNING", "ERROR"] as const;

/** A Langfuse observation level. */
export type Level = typeof LEVELS[number];

/**
 * Findings a script may plant for reviewer training (`findings.variants[].finding`), as a session
 * reviewer looks for them. Each name is the answer key's label and the name of the BOOLEAN
 * annotation score a reviewer gives (1 = present). Never sent to Langfuse.
 * - `repeated_answer`: the agent repeats its previous answer (the turn's answer becomes the
 *   previous turn's).
 * - `lost_state`: the agent asks again for what the user already said (the variant's `output`).
 * - `late_escalation`: the agent escalates one turn later than it should: it first answers the
 *   escalation request without escalating (`output`), the user repeats the request
 *   (`repeatedInput`), and the escalation turn follows.
 * - `unsolved`: the agent's answer does not solve the user's problem (the variant's `output`).
 */
export const FINDINGS = ["repeated_answer", "lost_state", "late_escalation", "unsolved"] as const;

/** A finding name. */
export type Finding = typeof FINDINGS[number];
