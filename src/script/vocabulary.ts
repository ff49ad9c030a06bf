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

/**
 * Outcomes of a turn that hands the user to a person: late_escalation delays such a turn, and a
 * load run's escalation rate counts sessions with one.
 */
export const ESCALATING_OUTCOMES: readonly string[] = ["escalated", "handed_off"];

/**
 * Langfuse usage types (keys of `usage_details` and `cost_details`, as its default model prices
 * name them) a script may count without declaring them. The buckets add up: `input` counts the
 * input tokens no other input bucket counts (OpenAI's prompt_tokens = input +
 * input_cached_tokens + input_audio_tokens), `output` likewise, and `total` is their sum.
 */
export const USAGE_TYPES = [
  "input",
  "output",
  "input_cached_tokens",
  "input_cache_creation",
  "output_reasoning_tokens",
  "input_audio_tokens",
  "output_audio_tokens",
] as const;

/**
 * The vocabularies a script may extend in its `vocabulary:` section, each with its defaults.
 * They stay bounded even so: each script declares a few short slugs, because workflow, turn
 * kind and outcome go into the trace metadata of every span (Langfuse lists every distinct
 * value in its filters), and a declared usage type must be one a model price can name.
 */
export const OPEN_VOCABULARIES = {
  workflows: METADATA_VALUES.workflow,
  turnKinds: TURN_KINDS,
  outcomes: OUTCOMES,
  usageTypes: USAGE_TYPES,
} as const;

/** The name of a vocabulary a script may extend. */
export type OpenVocabulary = keyof typeof OPEN_VOCABULARIES;

/** A script's vocabularies: the defaults, then what the script declares. */
export type ScriptVocabulary = Record<OpenVocabulary, readonly string[]>;

/** A declared value: lowercase words of letters and digits joined by "-" or "_". */
export const VOCABULARY_SLUG = /^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$/;

/** Most characters of a declared value. */
export const MAX_VOCABULARY_VALUE_CHARS = 32;

/** Most values a script declares per vocabulary. */
export const MAX_DECLARED_VALUES = 20;

/** The vocabularies of a script that declares `declared` (absent lists: the defaults only). */
export function scriptVocabulary(
  declared: Partial<Record<OpenVocabulary, readonly string[]>> = {},
): ScriptVocabulary {
  const union = (name: OpenVocabulary): readonly string[] => {
    const defaults: readonly string[] = OPEN_VOCABULARIES[name];
    return [...defaults, ...(declared[name] ?? []).filter((value) => !defaults.includes(value))];
  };
  return {
    workflows: union("workflows"),
    turnKinds: union("turnKinds"),
    outcomes: union("outcomes"),
    usageTypes: union("usageTypes"),
  };
}

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
