/**
 * The OpenTelemetry semantic-convention attribute names the view reads besides Langfuse's own.
 * Its own file so the private view files and the public langfuse_view.ts, which re-exports it,
 * can all import it without a cycle. Private to the folder.
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
