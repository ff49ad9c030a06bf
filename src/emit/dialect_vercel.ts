/**
 * The Vercel AI SDK (5 and 6) as `experimental_telemetry` writes it, under the instrumentation
 * scope `ai`: the turn is one `ai.generateText` (or `ai.streamText`) call, each model call an
 * `ai.generateText.doGenerate` (`ai.streamText.doStream` when it streamed) inside it, each tool
 * an `ai.toolCall`, each embedding an `ai.embed.doEmbed`. Session, user, tags and metadata are
 * set the way the SDK's users set them: `telemetry.metadata` (`sessionId`, `userId`, `tags`,
 * the rest as they are) on every span of the call, and `telemetry.functionId` the trace name.
 * Other steps of a script (retrievers, guardrails, plain spans) are the app's own spans. Langfuse
 * maps `ai.operationId` to the type (`ObservationTypeMapper.ts`, priorities 5 and 6), names a
 * span `functionId:operationId` (tools by `ai.toolCall.name`), reads `ai.model.id`, the usage
 * and `ai.telemetry.metadata.*` as trace metadata, and the prompt link from
 * `ai.telemetry.metadata.langfusePrompt`.
 */
import type { ObservationPlan, SessionPlan, TurnPlan } from "../plan/types.ts";
import { traceMetadata } from "../plan/types.ts";
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

/** The AI SDK attribute names this dialect writes. */
export const VERCEL = {
  operationName: "operation.name",
  operationId: "ai.operationId",
  resourceName: "resource.name",
  functionId: "ai.telemetry.functionId",
  metadataPrefix: "ai.telemetry.metadata.",
  sessionId: "ai.telemetry.metadata.sessionId",
  userId: "ai.telemetry.metadata.userId",
  tags: "ai.telemetry.metadata.tags",
  prompt: "ai.telemetry.metadata.langfusePrompt",
  modelId: "ai.model.id",
  modelProvider: "ai.model.provider",
  promptInput: "ai.prompt",
  promptMessages: "ai.prompt.messages",
  responseText: "ai.response.text",
  finishReason: "ai.response.finishReason",
  msToFirstChunk: "ai.response.msToFirstChunk",
  temperature: "ai.settings.temperature",
  maxOutputTokens: "ai.settings.maxOutputTokens",
  inputTokens: "ai.usage.inputTokens",
  outputTokens: "ai.usage.outputTokens",
  totalTokens: "ai.usage.totalTokens",
  cachedInputTokens: "ai.usage.cachedInputTokens",
  reasoningTokens: "ai.usage.reasoningTokens",
  embedTokens: "ai.usage.tokens",
  embedValues: "ai.values",
  toolName: "ai.toolCall.name",
  toolId: "ai.toolCall.id",
  toolArgs: "ai.toolCall.args",
  toolResult: "ai.toolCall.result",
  genaiSystem: "gen_ai.system",
  genaiRequestModel: "gen_ai.request.model",
  genaiResponseModel: "gen_ai.response.model",
  genaiInputTokens: "gen_ai.usage.input_tokens",
  genaiOutputTokens: "gen_ai.usage.output_tokens",
} as const;

/** The AI SDK's tracer: `getTracer("ai")`, no version. */
export const VERCEL_SCOPE = { name: "ai" };

/** Writes AI SDK spans. */
export const vercelWriter: DialectWriter = {
  span(obs, place): WrittenSpan {
    const operation = operationOf(obs, place.isRoot, place.turn);
    if (operation === undefined) return { name: obs.name, scope: APP_SCOPE, attributes: {} };
    const attributes = callAttributes(operation, place.plan, place.turn);
    if (obs.type === "tool") {
      attributes[VERCEL.toolName] = obs.name;
      attributes[VERCEL.toolId] = `call_${obs.spanId}`;
      if (obs.input !== undefined) attributes[VERCEL.toolArgs] = textOf(obs.input);
      if (obs.output !== undefined) attributes[VERCEL.toolResult] = textOf(obs.output);
    } else if (obs.type === "embedding") {
      model(obs, attributes);
      if (obs.input !== undefined) attributes[VERCEL.embedValues] = [textOf(obs.input)];
      if (obs.usage) attributes[VERCEL.embedTokens] = obs.usage.total;
    } else if (obs.type === "generation") {
      generation(obs, attributes);
    } else {
      // The outer call: what the app passed and what came back.
      if (obs.input !== undefined) {
        attributes[VERCEL.promptInput] = JSON.stringify(
          typeof obs.input === "string" ? { prompt: obs.input } : { messages: obs.input },
        );
      }
      if (obs.output !== undefined) attributes[VERCEL.responseText] = textOf(obs.output);
    }
    return { name: operation, scope: VERCEL_SCOPE, attributes };
  },
  shownType(obs) {
    if (obs.type === "generation" || obs.type === "tool") return obs.type;
    if (obs.type === "embedding") return obs.model ? "embedding" : "span";
    // The outer call and the app's own spans: Langfuse has no rule for them.
    return "span";
  },
  shownModel(obs) {
    return obs.type === "generation" || obs.type === "embedding" ? obs.model : undefined;
  },
  shownUsage(obs) {
    // doEmbed carries only `ai.usage.tokens`: Langfuse reads it as the total, input 0.
    if (obs.type === "embedding") return { input: 0, output: 0, total: obs.usage?.total ?? 0 };
    return obs.type === "generation" ? plannedUsage(obs) : { input: 0, output: 0, total: 0 };
  },
};

/** The trace name Langfuse shows: `functionId:operationId` of the root span. */
export function vercelTraceName(plan: SessionPlan, turn: TurnPlan): string {
  // A tool is named by `ai.toolCall.name` before anything else.
  if (turn.root.type === "tool") return turn.root.name;
  const operation = operationOf(turn.root, true, turn) ?? turn.root.name;
  return `${plan.traceName}:${operation}`;
}

/** The AI SDK operation an observation is, or undefined for the app's own spans. */
function operationOf(obs: ObservationPlan, isRoot: boolean, turn: TurnPlan): string | undefined {
  if (obs.type === "generation") {
    return obs.completionStartMs === undefined
      ? "ai.generateText.doGenerate"
      : "ai.streamText.doStream";
  }
  if (obs.type === "tool") return "ai.toolCall";
  if (obs.type === "embedding") return "ai.embed.doEmbed";
  if (!isRoot) return undefined;
  return streams(turn.root) ? "ai.streamText" : "ai.generateText";
}

function streams(obs: ObservationPlan): boolean {
  if (obs.type === "generation" && obs.completionStartMs !== undefined) return true;
  return obs.children.some(streams);
}

/** What every span of a call carries: its operation and the telemetry settings. */
function callAttributes(operation: string, plan: SessionPlan, turn: TurnPlan): SpanAttributes {
  const functionId = plan.traceName;
  const attributes: SpanAttributes = {
    [VERCEL.operationName]: `${operation} ${functionId}`,
    [VERCEL.operationId]: operation,
    [VERCEL.resourceName]: functionId,
    [VERCEL.functionId]: functionId,
    [VERCEL.sessionId]: plan.sessionId,
    [VERCEL.userId]: plan.userId,
    [VERCEL.tags]: [...plan.tags],
    // The app's resource attribute, as Langfuse reads it from a span too.
    ...(plan.environment ? { [ENVIRONMENT]: plan.environment } : {}),
  };
  for (const [key, value] of Object.entries(traceMetadata(plan, turn))) {
    attributes[VERCEL.metadataPrefix + key] = value;
  }
  return attributes;
}

function model(obs: ObservationPlan, attributes: SpanAttributes): void {
  if (!obs.model) return;
  attributes[VERCEL.modelId] = obs.model;
  attributes[VERCEL.modelProvider] = `${providerOf(obs.model)}.chat`;
}

/** A provider call: model, settings, messages, text, usage and the prompt link. */
function generation(obs: ObservationPlan, attributes: SpanAttributes): void {
  model(obs, attributes);
  if (obs.model) {
    attributes[VERCEL.genaiSystem] = `${providerOf(obs.model)}.chat`;
    attributes[VERCEL.genaiRequestModel] = obs.model;
    attributes[VERCEL.genaiResponseModel] = obs.model;
  }
  const settings = requestSettings(obs.modelParameters);
  if (settings.temperature !== undefined) attributes[VERCEL.temperature] = settings.temperature;
  if (settings.maxTokens !== undefined) attributes[VERCEL.maxOutputTokens] = settings.maxTokens;
  attributes[VERCEL.promptMessages] = JSON.stringify(
    messagesOf(obs.input).map(({ role, content }) => ({
      role,
      content: [{ type: "text", text: content }],
    })),
  );
  if (obs.output !== undefined) {
    attributes[VERCEL.responseText] = messagesOf(obs.output, "assistant")
      .map((message) => message.content).join("\n");
    attributes[VERCEL.finishReason] = "stop";
  }
  if (obs.completionStartMs !== undefined) {
    attributes[VERCEL.msToFirstChunk] = obs.completionStartMs - obs.startMs;
  }
  if (obs.usage) {
    // The SDK reports no cache writes: inputTokens counts the rest, as Langfuse subtracts.
    const tokens = inclusiveTokens({ ...obs.usage, input_cache_creation: undefined });
    attributes[VERCEL.inputTokens] = tokens.input;
    attributes[VERCEL.outputTokens] = tokens.output;
    attributes[VERCEL.totalTokens] = tokens.total;
    attributes[VERCEL.genaiInputTokens] = tokens.input;
    attributes[VERCEL.genaiOutputTokens] = tokens.output;
    if (tokens.cacheRead !== undefined) attributes[VERCEL.cachedInputTokens] = tokens.cacheRead;
    if (tokens.reasoning !== undefined) attributes[VERCEL.reasoningTokens] = tokens.reasoning;
  }
  if (obs.prompt) {
    attributes[VERCEL.prompt] = JSON.stringify({
      name: obs.prompt.name,
      version: Math.trunc(obs.prompt.version),
    });
  }
}
