/**
 * Test support: received spans shaped exactly as each instrumentation library sends them
 * (attribute names from the Vercel AI SDK 6 `ai` package and the OpenInference OpenAI
 * instrumentation), for the reader's and record's dialect tests.
 */
import type { AttrValue, ReceivedSpan } from "../src/otlp/decode.ts";

export const T0 = 1_765_152_000_000; // 2025-12-08T00:00:00Z
export const TRACE = "0af7651916cd43dd8448eb211c80319c";

export interface Sent {
  id: string;
  parent?: string;
  name: string;
  scope: string;
  scopeVersion?: string;
  attributes: Record<string, AttrValue>;
  events?: { name: string; attributes: Record<string, AttrValue> }[];
  status?: ReceivedSpan["status"];
  resource?: Record<string, AttrValue>;
  /** Start and end offsets from T0 in ms. */
  at?: [number, number];
}

function otlpType(value: AttrValue): string {
  if (typeof value === "number") return Number.isInteger(value) ? "int" : "double";
  if (typeof value === "boolean") return "bool";
  if (Array.isArray(value)) return "array";
  return typeof value === "string" ? "string" : "kvlist";
}

/** One span as the OTLP decoder hands it over, from what the library sent. */
export function received(sent: Sent): ReceivedSpan {
  const [start, end] = sent.at ?? [0, 1_000];
  const nanos = (ms: number) => BigInt(T0 + ms) * 1_000_000n;
  const span: ReceivedSpan = {
    traceId: TRACE,
    spanId: sent.id,
    name: sent.name,
    kind: 3,
    startTimeUnixNano: nanos(start),
    endTimeUnixNano: nanos(end),
    attributes: sent.attributes,
    attributeTypes: Object.fromEntries(
      Object.entries(sent.attributes).map(([key, value]) => [key, otlpType(value)]),
    ),
    events: (sent.events ?? []).map((event) => ({ ...event, timeUnixNano: nanos(start) })),
    status: sent.status ?? { code: 0 },
    resource: sent.resource ?? { "service.name": "support-bot" },
    scope: sent.scopeVersion === undefined
      ? { name: sent.scope }
      : { name: sent.scope, version: sent.scopeVersion },
  };
  if (sent.parent !== undefined) span.parentSpanId = sent.parent;
  return span;
}

// --- Vercel AI SDK 6 (`ai`), experimental_telemetry with functionId and metadata ---

export const VERCEL_PROMPT = '[{"role":"system","content":"You are a support agent."},' +
  '{"role":"user","content":[{"type":"text","text":"Where is order 8812?"}]}]';
export const VERCEL_TOOL_CALLS = '[{"toolCallType":"function","toolCallId":"call_1",' +
  '"toolName":"lookup_order","input":"{\\"orderId\\":\\"8812\\"}"}]';

export function vercelBase(operationId: string): Record<string, AttrValue> {
  return {
    "operation.name": `${operationId} support-bot`,
    "resource.name": "support-bot",
    "ai.operationId": operationId,
    "ai.telemetry.functionId": "support-bot",
    "ai.model.provider": "openai.chat",
    "ai.model.id": "gpt-4o-mini",
    "ai.settings.maxRetries": 2,
    "ai.telemetry.metadata.sessionId": "conv_1",
    "ai.telemetry.metadata.userId": "usr_1",
    "ai.telemetry.metadata.langfusePrompt": '{"name":"support-answer","version":3}',
  };
}

export const vercelCall: Sent = {
  id: "a000000000000001",
  name: "ai.generateText",
  scope: "ai",
  at: [0, 2_000],
  attributes: {
    ...vercelBase("ai.generateText"),
    "ai.prompt": '{"system":"You are a support agent.","prompt":"Where is order 8812?"}',
    "ai.response.finishReason": "stop",
    "ai.response.text": "Order 8812 ships tomorrow.",
    "ai.usage.inputTokens": 1_624,
    "ai.usage.outputTokens": 150,
    "ai.usage.totalTokens": 1_774,
    "ai.usage.reasoningTokens": 32,
    "ai.usage.cachedInputTokens": 512,
  },
};

export const vercelModelCall: Sent = {
  id: "a000000000000002",
  parent: vercelCall.id,
  name: "ai.generateText.doGenerate",
  scope: "ai",
  at: [10, 900],
  attributes: {
    ...vercelBase("ai.generateText.doGenerate"),
    "ai.prompt.messages": VERCEL_PROMPT,
    "ai.prompt.toolChoice": '{"type":"auto"}',
    "gen_ai.system": "openai.chat",
    "gen_ai.request.model": "gpt-4o-mini",
    "gen_ai.request.max_tokens": 256,
    "gen_ai.request.temperature": 0.2,
    "ai.response.finishReason": "tool-calls",
    "ai.response.text": "",
    "ai.response.toolCalls": VERCEL_TOOL_CALLS,
    "ai.response.id": "chatcmpl-1",
    "ai.response.model": "gpt-4o-mini-2024-07-18",
    "ai.usage.inputTokens": 812,
    "ai.usage.outputTokens": 96,
    "ai.usage.totalTokens": 908,
    "ai.usage.reasoningTokens": 32,
    "ai.usage.cachedInputTokens": 512,
    "gen_ai.response.finish_reasons": ["tool-calls"],
    "gen_ai.response.id": "chatcmpl-1",
    "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
    "gen_ai.usage.input_tokens": 812,
    "gen_ai.usage.output_tokens": 96,
  },
};

export const vercelTool: Sent = {
  id: "a000000000000003",
  parent: vercelCall.id,
  name: "ai.toolCall",
  scope: "ai",
  at: [900, 950],
  attributes: {
    "operation.name": "ai.toolCall support-bot",
    "ai.operationId": "ai.toolCall",
    "ai.telemetry.functionId": "support-bot",
    "ai.toolCall.name": "lookup_order",
    "ai.toolCall.id": "call_1",
    "ai.toolCall.args": '{"orderId":"8812"}',
    "ai.toolCall.result": '{"status":"shipped"}',
  },
};

export const vercelStream: Sent = {
  id: "a000000000000004",
  parent: vercelCall.id,
  name: "ai.streamText.doStream",
  scope: "ai",
  at: [1_000, 1_900],
  attributes: {
    ...vercelBase("ai.streamText.doStream"),
    "ai.prompt.messages": VERCEL_PROMPT,
    "gen_ai.request.model": "gpt-4o-mini",
    "ai.response.text": "Order 8812 ships tomorrow.",
    "ai.response.msToFirstChunk": 240.4,
    "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
    "gen_ai.usage.input_tokens": 830,
    "gen_ai.usage.output_tokens": 12,
  },
};

// --- OpenInference (@arizeai/openinference-instrumentation-openai) ---

export const OI_REQUEST =
  '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Where is order 8812?"}]}';
export const OI_RESPONSE = '{"id":"chatcmpl-1","choices":[{"message":{"role":"assistant",' +
  '"content":"It ships tomorrow."}}]}';

export const openInferenceLlm: Sent = {
  id: "b000000000000001",
  name: "OpenAI Chat Completions",
  scope: "@arizeai/openinference-instrumentation-openai",
  attributes: {
    "openinference.span.kind": "LLM",
    "llm.system": "openai",
    "llm.provider": "openai",
    "llm.model_name": "gpt-4o-mini-2024-07-18",
    "llm.invocation_parameters": '{"model":"gpt-4o-mini","temperature":0.2,"stream":false}',
    "input.value": OI_REQUEST,
    "input.mime_type": "application/json",
    "output.value": OI_RESPONSE,
    "output.mime_type": "application/json",
    "llm.input_messages.0.message.role": "user",
    "llm.input_messages.0.message.content": "Where is order 8812?",
    "llm.output_messages.0.message.role": "assistant",
    "llm.output_messages.0.message.content": "It ships tomorrow.",
    "llm.token_count.prompt": 812,
    "llm.token_count.completion": 96,
    "llm.token_count.total": 908,
    "llm.token_count.prompt_details.cache_read": 512,
    "llm.token_count.completion_details.reasoning": 32,
  },
};
