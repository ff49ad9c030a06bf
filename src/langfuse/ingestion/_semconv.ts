/**
 * The attribute names the view reads besides Langfuse's own: OpenTelemetry semantic conventions
 * and the older and integration names Langfuse also accepts. Its own file so the private view
 * files and the public view.ts, which re-exports it, can all import it without a cycle.
 * Private to the folder.
 */
/**
 * OpenTelemetry semantic-convention names Langfuse also reads. They live here, not in
 * emit/attributes.ts, because this tool does not write them; move them there once it does.
 */
export const SEMCONV = {
  sessionId: ["session.id", "gen_ai.conversation.id"],
  userId: ["user.id"],
  environment: ["deployment.environment.name", "deployment.environment"],
  serviceVersion: "service.version",
  operationName: "gen_ai.operation.name",
  requestModel: "gen_ai.request.model",
  responseModel: "gen_ai.response.model",
  toolName: "gen_ai.tool.name",
  toolCallId: "gen_ai.tool.call.id",
  usagePrefix: "gen_ai.usage.",
  inputTokens: "gen_ai.usage.input_tokens",
  outputTokens: "gen_ai.usage.output_tokens",
  totalTokens: "gen_ai.usage.total_tokens",
  cost: "gen_ai.usage.cost",
} as const;

/**
 * Other names Langfuse reads trace-level fields under, after its own and the OTel ones: older
 * Langfuse SDKs, its OpenAI and LangChain integrations (`langfuse_*` metadata keys), the Vercel
 * AI SDK (`ai.telemetry.metadata.*`) and LlamaIndex (`tag.tags`), in Langfuse's order.
 */
export const COMPAT = {
  sessionId: [
    "langfuse.observation.metadata.langfuse_session_id",
    "langfuse.trace.metadata.langfuse_session_id",
    "ai.telemetry.metadata.sessionId",
  ],
  userId: [
    "langfuse.observation.metadata.langfuse_user_id",
    "langfuse.trace.metadata.langfuse_user_id",
    "ai.telemetry.metadata.userId",
  ],
  tags: [
    "langfuse.tags",
    "langfuse.observation.metadata.langfuse_tags",
    "langfuse.trace.metadata.langfuse_tags",
    "ai.telemetry.metadata.tags",
    "tag.tags",
  ],
  public: "langfuse.public",
  /** Metadata as one JSON object, read when `langfuse.trace.metadata` is not set. */
  metadata: "langfuse.metadata",
  /** Prefixes of flat metadata besides `langfuse.trace.metadata.`. */
  metadataPrefixes: ["langfuse.metadata.", "ai.telemetry.metadata."],
  /** Vercel AI SDK keys Langfuse reads as ids, tags and prompt, not as metadata. */
  notMetadata: [
    "ai.telemetry.metadata.userId",
    "ai.telemetry.metadata.sessionId",
    "ai.telemetry.metadata.tags",
    "ai.telemetry.metadata.langfusePrompt",
  ],
} as const;
