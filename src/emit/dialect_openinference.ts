/**
 * OpenInference (Arize's semantic conventions) as its OpenAI instrumentation writes model
 * calls and as a team writes its own spans with `openinference.span.kind`. The session, user,
 * tags and metadata are set the way OpenInference sets them: its context attributes
 * (`setSession`, `setUser`, `setTags`, `setMetadata`) put `session.id`, `user.id`, `tag.tags`
 * and `metadata` on every span started inside. Langfuse maps the span kind to the type
 * (`ObservationTypeMapper.ts`, priority 2), reads `llm.model_name`, `llm.token_count.*`,
 * `input.value`/`output.value`, `session.id`, `user.id` and `tag.tags`; the `metadata` JSON,
 * the embedding model (`embedding.model_name`), version, release and prompt links do not arrive.
 */
import { type ObservationPlan, traceMetadata } from "../plan/types.ts";
import {
  APP_SCOPE,
  type DialectWriter,
  ENVIRONMENT,
  inclusiveTokens,
  messagesOf,
  plannedUsage,
  providerOf,
  type SpanAttributes,
} from "./dialect_parts.ts";

/** The OpenInference attribute names this dialect writes. */
export const OPENINFERENCE = {
  spanKind: "openinference.span.kind",
  sessionId: "session.id",
  userId: "user.id",
  tags: "tag.tags",
  metadata: "metadata",
  inputValue: "input.value",
  inputMimeType: "input.mime_type",
  outputValue: "output.value",
  outputMimeType: "output.mime_type",
  modelName: "llm.model_name",
  provider: "llm.provider",
  system: "llm.system",
  invocationParameters: "llm.invocation_parameters",
  inputMessages: "llm.input_messages",
  outputMessages: "llm.output_messages",
  promptTokens: "llm.token_count.prompt",
  completionTokens: "llm.token_count.completion",
  totalTokens: "llm.token_count.total",
  cacheReadTokens: "llm.token_count.prompt_details.cache_read",
  cacheWriteTokens: "llm.token_count.prompt_details.cache_write",
  reasoningTokens: "llm.token_count.completion_details.reasoning",
  costTotal: "llm.cost.total",
  embeddingModel: "embedding.model_name",
  toolName: "tool.name",
} as const;

/** The instrumentation scope of model calls. */
export const OPENINFERENCE_SCOPE = {
  name: "@arizeai/openinference-instrumentation-openai",
  version: "3.2.0",
};

/** The span kind of each observation type; a plain span or event has none. */
const KINDS: Record<string, string> = {
  generation: "LLM",
  embedding: "EMBEDDING",
  tool: "TOOL",
  agent: "AGENT",
  chain: "CHAIN",
  retriever: "RETRIEVER",
  guardrail: "GUARDRAIL",
  evaluator: "EVALUATOR",
};

/** Writes OpenInference spans. */
export const openinferenceWriter: DialectWriter = {
  sessionKey: OPENINFERENCE.sessionId,
  span(obs, { plan, turn }) {
    const attributes: SpanAttributes = {
      [OPENINFERENCE.sessionId]: plan.sessionId,
      [OPENINFERENCE.userId]: plan.userId,
      [OPENINFERENCE.tags]: [...plan.tags],
      [OPENINFERENCE.metadata]: JSON.stringify(traceMetadata(plan, turn)),
      // The app's resource attribute, as Langfuse reads it from a span too.
      ...(plan.environment ? { [ENVIRONMENT]: plan.environment } : {}),
    };
    const kind = KINDS[obs.type];
    if (kind !== undefined) attributes[OPENINFERENCE.spanKind] = kind;
    value(attributes, "input", obs.input);
    value(attributes, "output", obs.output);
    if (obs.type === "tool") attributes[OPENINFERENCE.toolName] = obs.name;
    if (obs.type === "generation") llmCall(obs, attributes);
    if (obs.type === "embedding") {
      if (obs.model) attributes[OPENINFERENCE.embeddingModel] = obs.model;
      if (obs.usage) {
        attributes[OPENINFERENCE.promptTokens] = obs.usage.input;
        attributes[OPENINFERENCE.totalTokens] = obs.usage.total;
      }
    }
    const call = obs.type === "generation" || obs.type === "embedding";
    // OpenInference's cost convention; Langfuse reads the total (extractCostDetails).
    if (call && obs.cost?.total !== undefined) attributes[OPENINFERENCE.costTotal] = obs.cost.total;
    return { name: obs.name, scope: call ? OPENINFERENCE_SCOPE : APP_SCOPE, attributes };
  },
  shownType(obs) {
    return KINDS[obs.type] === undefined ? "span" : obs.type;
  },
  shownModel(obs) {
    return obs.type === "generation" ? obs.model : undefined;
  },
  shownUsage(obs) {
    return plannedUsage(obs);
  },
};

/** `input.value` and its mime type: text as text/plain, anything else as JSON. */
function value(attributes: SpanAttributes, which: "input" | "output", content: unknown): void {
  if (content === undefined) return;
  const json = typeof content !== "string";
  attributes[`${which}.value`] = json ? JSON.stringify(content) : content;
  attributes[`${which}.mime_type`] = json ? "application/json" : "text/plain";
}

/** An LLM span: model, invocation parameters, flattened messages and token counts. */
function llmCall(obs: ObservationPlan, attributes: SpanAttributes): void {
  if (obs.model) {
    attributes[OPENINFERENCE.modelName] = obs.model;
    attributes[OPENINFERENCE.provider] = providerOf(obs.model);
    attributes[OPENINFERENCE.system] = providerOf(obs.model);
  }
  if (obs.modelParameters) {
    attributes[OPENINFERENCE.invocationParameters] = JSON.stringify(obs.modelParameters);
  }
  messagesOf(obs.input).forEach((message, index) => {
    flatMessage(attributes, `${OPENINFERENCE.inputMessages}.${index}`, message);
  });
  if (obs.output !== undefined) {
    messagesOf(obs.output, "assistant").forEach((message, index) => {
      flatMessage(attributes, `${OPENINFERENCE.outputMessages}.${index}`, message);
    });
  }
  if (obs.usage) {
    const tokens = inclusiveTokens(obs.usage);
    attributes[OPENINFERENCE.promptTokens] = tokens.input;
    attributes[OPENINFERENCE.completionTokens] = tokens.output;
    attributes[OPENINFERENCE.totalTokens] = tokens.total;
    if (tokens.cacheRead !== undefined) {
      attributes[OPENINFERENCE.cacheReadTokens] = tokens.cacheRead;
    }
    if (tokens.cacheWrite !== undefined) {
      attributes[OPENINFERENCE.cacheWriteTokens] = tokens.cacheWrite;
    }
    if (tokens.reasoning !== undefined) {
      attributes[OPENINFERENCE.reasoningTokens] = tokens.reasoning;
    }
  }
}

function flatMessage(
  attributes: SpanAttributes,
  prefix: string,
  message: { role: string; content: string; name?: string },
): void {
  attributes[`${prefix}.message.role`] = message.role;
  attributes[`${prefix}.message.content`] = message.content;
  if (message.name) attributes[`${prefix}.message.name`] = message.name;
}
