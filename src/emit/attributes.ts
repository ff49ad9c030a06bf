/**
 * Every attribute name Langfuse reads from OTLP spans, defined once. Names and rules follow
 * Langfuse's OTLP mapper (see shared/langfuse-otlp-contract.md).
 */

/** Trace-level attributes, stamped on every span of a turn by the baggage processor. */
export const TRACE = {
  sessionId: "langfuse.session.id",
  userId: "langfuse.user.id",
  name: "langfuse.trace.name",
  tags: "langfuse.trace.tags",
  version: "langfuse.version",
  release: "langfuse.release",
  environment: "langfuse.environment",
  /** v3 servers only; v4 takes the root observation's input and output. */
  input: "langfuse.trace.input",
  output: "langfuse.trace.output",
  /** A boolean: anyone with the trace's link may see it. */
  public: "langfuse.trace.public",
} as const;

/** Prefix of flat trace metadata: `langfuse.trace.metadata.<key>`. */
export const TRACE_METADATA_PREFIX = "langfuse.trace.metadata.";

/** Observation-level attributes. */
export const OBSERVATION = {
  type: "langfuse.observation.type",
  level: "langfuse.observation.level",
  statusMessage: "langfuse.observation.status_message",
  input: "langfuse.observation.input",
  output: "langfuse.observation.output",
  model: "langfuse.observation.model.name",
  modelParameters: "langfuse.observation.model.parameters",
  usage: "langfuse.observation.usage_details",
  cost: "langfuse.observation.cost_details",
  completionStartTime: "langfuse.observation.completion_start_time",
  promptName: "langfuse.observation.prompt.name",
  /** Must be an int attribute: a string version makes Langfuse drop the observation. */
  promptVersion: "langfuse.observation.prompt.version",
} as const;

/** Prefix of flat observation metadata: `langfuse.observation.metadata.<key>`. */
export const OBSERVATION_METADATA_PREFIX = "langfuse.observation.metadata.";

/** Baggage key carrying tags as one comma-joined string; the processor splits it. */
export const TAGS_BAGGAGE_KEY = "app.langfuse.trace.tags";

/** The instrumentation scope of every span this tool makes. */
export const SCOPE_NAME = "session-replay";
