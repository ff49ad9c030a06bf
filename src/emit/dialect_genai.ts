/**
 * The OpenTelemetry GenAI semantic conventions (v1.37+ message forms) as an OpenAI
 * instrumentation writes them (`@opentelemetry/instrumentation-openai`), with the agent and
 * tool spans an agent framework adds. The session and user are set the way a team sets them:
 * a span processor puts `gen_ai.conversation.id` and `user.id` on every span. Langfuse reads
 * the operation name as the type (`ObservationTypeMapper.ts`, priority 3), the model, the
 * `gen_ai.usage.*` counts and the input/output messages; tags, trace metadata, version and
 * release have no GenAI attribute and do not arrive.
 */
import type { ObservationPlan } from "../plan/types.ts";
import {
  APP_SCOPE,
  type DialectWriter,
  ENVIRONMENT,
  inclusiveTokens,
  messagesOf,
  plannedUsage,
  providerOf,
  requestSettings,
  type SpanAttributes,
  textOf,
  type WrittenSpan,
} from "./dialect_parts.ts";

/** The GenAI attribute names this dialect writes. */
export const GENAI = {
  conversationId: "gen_ai.conversation.id",
  userId: "user.id",
  operation: "gen_ai.operation.name",
  provider: "gen_ai.provider.name",
  requestModel: "gen_ai.request.model",
  responseModel: "gen_ai.response.model",
  temperature: "gen_ai.request.temperature",
  maxTokens: "gen_ai.request.max_tokens",
  topP: "gen_ai.request.top_p",
  inputTokens: "gen_ai.usage.input_tokens",
  outputTokens: "gen_ai.usage.output_tokens",
  cacheReadTokens: "gen_ai.usage.cache_read.input_tokens",
  cacheWriteTokens: "gen_ai.usage.cache_creation.input_tokens",
  reasoningTokens: "gen_ai.usage.reasoning.output_tokens",
  inputMessages: "gen_ai.input.messages",
  outputMessages: "gen_ai.output.messages",
  finishReasons: "gen_ai.response.finish_reasons",
  toolName: "gen_ai.tool.name",
  toolCallId: "gen_ai.tool.call.id",
  toolArguments: "gen_ai.tool.call.arguments",
  toolResult: "gen_ai.tool.call.result",
  agentName: "gen_ai.agent.name",
} as const;

/** The instrumentation scope of model calls. */
export const GENAI_SCOPE = { name: "@opentelemetry/instrumentation-openai", version: "0.5.0" };

/** The operation each observation type is, where GenAI has one. */
const OPERATIONS: Record<string, string> = {
  generation: "chat",
  embedding: "embeddings",
  tool: "execute_tool",
  agent: "invoke_agent",
};

/** Writes GenAI semconv spans. */
export const genaiWriter: DialectWriter = {
  span(obs, { plan }): WrittenSpan {
    const attributes: SpanAttributes = {
      [GENAI.conversationId]: plan.sessionId,
      [GENAI.userId]: plan.userId,
      ...(plan.environment ? { [ENVIRONMENT]: plan.environment } : {}),
    };
    const operation = OPERATIONS[obs.type];
    if (operation === undefined) return { name: obs.name, scope: APP_SCOPE, attributes };
    attributes[GENAI.operation] = operation;
    if (obs.type === "tool") {
      attributes[GENAI.toolName] = obs.name;
      attributes[GENAI.toolCallId] = `call_${obs.spanId}`;
      if (obs.input !== undefined) attributes[GENAI.toolArguments] = textOf(obs.input);
      if (obs.output !== undefined) attributes[GENAI.toolResult] = textOf(obs.output);
      return { name: `execute_tool ${obs.name}`, scope: APP_SCOPE, attributes };
    }
    if (obs.type === "agent") {
      attributes[GENAI.agentName] = obs.name;
      return { name: `invoke_agent ${obs.name}`, scope: APP_SCOPE, attributes };
    }
    modelCall(obs, attributes);
    return { name: `${operation} ${obs.model ?? obs.name}`, scope: GENAI_SCOPE, attributes };
  },
  shownType(obs) {
    return OPERATIONS[obs.type] === undefined ? "span" : obs.type;
  },
  shownModel(obs) {
    return obs.type === "generation" || obs.type === "embedding" ? obs.model : undefined;
  },
  shownUsage(obs) {
    return obs.type === "generation" || obs.type === "embedding"
      ? plannedUsage(obs)
      : { input: 0, output: 0, total: 0 };
  },
};

/** A chat or embeddings call: model, settings, token counts and messages. */
function modelCall(obs: ObservationPlan, attributes: SpanAttributes): void {
  if (obs.model) {
    attributes[GENAI.provider] = providerOf(obs.model);
    attributes[GENAI.requestModel] = obs.model;
    attributes[GENAI.responseModel] = obs.model;
  }
  const settings = requestSettings(obs.modelParameters);
  if (settings.temperature !== undefined) attributes[GENAI.temperature] = settings.temperature;
  if (settings.maxTokens !== undefined) attributes[GENAI.maxTokens] = settings.maxTokens;
  if (settings.topP !== undefined) attributes[GENAI.topP] = settings.topP;
  if (obs.usage) {
    const tokens = inclusiveTokens(obs.usage);
    attributes[GENAI.inputTokens] = tokens.input;
    if (obs.type === "generation") attributes[GENAI.outputTokens] = tokens.output;
    if (tokens.cacheRead !== undefined) attributes[GENAI.cacheReadTokens] = tokens.cacheRead;
    if (tokens.cacheWrite !== undefined) attributes[GENAI.cacheWriteTokens] = tokens.cacheWrite;
    if (tokens.reasoning !== undefined) attributes[GENAI.reasoningTokens] = tokens.reasoning;
  }
  if (obs.type !== "generation") return;
  attributes[GENAI.inputMessages] = JSON.stringify(
    messagesOf(obs.input).map(({ role, content, name }) => ({
      role,
      ...(name ? { name } : {}),
      parts: [{ type: "text", content }],
    })),
  );
  if (obs.output !== undefined) {
    attributes[GENAI.outputMessages] = JSON.stringify(
      messagesOf(obs.output, "assistant").map(({ role, content }) => ({
        role,
        parts: [{ type: "text", content }],
        finish_reason: "stop",
      })),
    );
    attributes[GENAI.finishReasons] = ["stop"];
  }
}
