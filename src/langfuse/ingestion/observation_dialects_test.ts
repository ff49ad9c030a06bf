/**
 * The observation level per dialect: spans shaped exactly as each instrumentation sends them
 * (attribute names from the Vercel AI SDK 6 `ai` package, the OpenInference semantic conventions
 * and OpenAI instrumentation, OpenTelemetry GenAI semconv), read as Langfuse v4.16.0 reads them
 * (fixtures/langfuse/observation_mapping.md says where each fact comes from).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { AttrValue } from "../../otlp/decode.ts";
import {
  OI_REQUEST,
  OI_RESPONSE,
  openInferenceLlm,
  received,
  type Sent,
  T0,
  VERCEL_PROMPT,
  VERCEL_TOOL_CALLS,
  vercelBase,
  vercelCall,
  vercelModelCall,
  vercelStream,
  vercelTool,
} from "../../../testing/dialect_spans.ts";
import { interpretSpans, type ViewObservation } from "./view.ts";

/** Every observation of the view by span id, children flattened; and the problems. */
function read(...spans: Sent[]): { obs: Map<string, ViewObservation>; problems: string[] } {
  const view = interpretSpans(spans.map(received));
  const obs = new Map<string, ViewObservation>();
  const stack = view.traces.flatMap((trace) => trace.observations);
  while (stack.length > 0) {
    const next = stack.pop()!;
    obs.set(next.id, next);
    stack.push(...next.children);
  }
  return { obs, problems: view.problems.map((problem) => problem.message) };
}

/** The fields this file is about, without ids, times and children. */
function facts(obs: ViewObservation | undefined): Partial<ViewObservation> {
  assert.ok(obs, "observation missing");
  const { id: _, parentId: _p, startMs: _s, durationMs: _d, children: _c, ...rest } = obs;
  return rest;
}

// --- Vercel AI SDK 6 (`ai`), experimental_telemetry with functionId and metadata ---

test("a Vercel AI SDK model call reads as a generation with model, settings, usage net of cached and reasoning tokens, and prompt", () => {
  const { obs, problems } = read(vercelCall, vercelModelCall, vercelTool);
  assert.deepEqual(facts(obs.get(vercelModelCall.id)), {
    name: "support-bot:ai.generateText.doGenerate",
    type: "generation",
    level: "DEFAULT",
    model: "gpt-4o-mini-2024-07-18",
    // Langfuse writes the AI SDK's settings as text.
    modelParameters: {
      toolChoice: '{"type":"auto"}',
      maxTokens: "256",
      finishReason: "tool-calls",
      system: "openai.chat",
      maxRetries: "2",
      temperature: "0.2",
    },
    usage: {
      input: 300,
      output: 64,
      total: 908,
      details: { input_cached_tokens: 512, output_reasoning_tokens: 32 },
    },
    input: JSON.parse(VERCEL_PROMPT),
    // Text and tool calls together become one assistant message; the calls stay as sent.
    output: { role: "assistant", content: "", tool_calls: VERCEL_TOOL_CALLS },
    prompt: { name: "support-answer", version: 3 },
  });
  // Session and user are the trace level's business (the tool span carries no metadata).
  const observationLevel = problems.filter((p) => !/has no (session|user) id/.test(p));
  assert.deepEqual(observationLevel, []);
});

test("a Vercel AI SDK call reads as a span named by its function id, its token counts but cached and reasoning unread", () => {
  const { obs } = read(vercelCall, vercelModelCall);
  const call = obs.get(vercelCall.id)!;
  assert.deepEqual(
    [call.name, call.type, call.model, call.prompt],
    // The prompt metadata rides on every span; Langfuse links it on the generation only.
    ["support-bot:ai.generateText", "span", "gpt-4o-mini", undefined],
  );
  // Langfuse reads input and output tokens from gen_ai.usage.*, which only model calls carry, but
  // the call's cached and reasoning sums from ai.usage.*: the trace counts those twice.
  assert.deepEqual(call.usage, {
    input: 0,
    output: 0,
    total: 544,
    details: { input_cached_tokens: 512, output_reasoning_tokens: 32 },
  });
  assert.deepEqual([call.input, call.output], [
    { system: "You are a support agent.", prompt: "Where is order 8812?" },
    "Order 8812 ships tomorrow.",
  ]);
});

test("a Vercel AI SDK tool call reads as a tool named by the tool, with its arguments and result", () => {
  const { obs } = read(vercelCall, vercelTool);
  const tool = obs.get(vercelTool.id)!;
  assert.deepEqual(
    [tool.name, tool.type, tool.input, tool.output],
    ["lookup_order", "tool", { orderId: "8812" }, { status: "shipped" }],
  );
});

test("a Vercel AI SDK stream gets its time to first token from msToFirstChunk", () => {
  const { obs } = read(vercelCall, vercelStream);
  const stream = obs.get(vercelStream.id)!;
  assert.equal(stream.type, "generation");
  assert.equal(stream.completionStartMs! - stream.startMs, 241);
  assert.equal(stream.output, "Order 8812 ships tomorrow.");
});

test("Vercel AI SDK embeddings read as embeddings, and need a model to", () => {
  const embed = (id: string, extra: Record<string, AttrValue>): Sent => ({
    id,
    name: "ai.embed.doEmbed",
    scope: "ai",
    attributes: {
      "operation.name": "ai.embed.doEmbed",
      "ai.operationId": "ai.embed.doEmbed",
      ...extra,
    },
  });
  const { obs } = read(
    embed("e000000000000001", { "ai.model.id": "text-embedding-3-small" }),
    embed("e000000000000002", {}),
  );
  assert.deepEqual(
    [obs.get("e000000000000001")!.type, obs.get("e000000000000002")!.type],
    ["embedding", "span"],
  );
});

// --- OpenInference (@arizeai/openinference-instrumentation-openai) ---

test("an OpenInference LLM span reads as a generation with its invocation parameters, usage and input.value", () => {
  const { obs } = read(openInferenceLlm);
  assert.deepEqual(facts(obs.get(openInferenceLlm.id)), {
    name: "OpenAI Chat Completions",
    type: "generation",
    level: "DEFAULT",
    model: "gpt-4o-mini-2024-07-18",
    // From the JSON as sent: the model stays, non-scalars become text.
    modelParameters: { model: "gpt-4o-mini", temperature: 0.2, stream: "false" },
    usage: {
      input: 300,
      output: 64,
      total: 908,
      details: { input_cached_tokens: 512, output_reasoning_tokens: 32 },
    },
    // input.value comes before llm.input_messages.* in Langfuse's order.
    input: JSON.parse(OI_REQUEST),
    output: JSON.parse(OI_RESPONSE),
  });
});

test("OpenInference messages without input.value are rebuilt from their indexed attributes", () => {
  const attributes = { ...openInferenceLlm.attributes };
  for (const key of ["input.value", "input.mime_type", "output.value", "output.mime_type"]) {
    delete attributes[key];
  }
  const { obs } = read({ ...openInferenceLlm, attributes });
  const llm = obs.get(openInferenceLlm.id)!;
  assert.deepEqual([llm.input, llm.output], [
    [{ message: { role: "user", content: "Where is order 8812?" } }],
    [{ message: { role: "assistant", content: "It ships tomorrow." } }],
  ]);
});

test("OpenInference span kinds map to Langfuse types; unmapped kinds fall back to the model", () => {
  const kinds: [string, Record<string, AttrValue>, string][] = [
    ["CHAIN", {}, "chain"],
    ["TOOL", { "tool.name": "lookup_order" }, "tool"],
    ["AGENT", {}, "agent"],
    ["RETRIEVER", {}, "retriever"],
    ["EMBEDDING", { "embedding.model_name": "text-embedding-3-small" }, "embedding"],
    ["GUARDRAIL", {}, "guardrail"],
    ["EVALUATOR", {}, "evaluator"],
    ["RERANKER", { "llm.model_name": "rerank-v3" }, "generation"],
    ["UNKNOWN", {}, "span"],
  ];
  const spans = kinds.map(([kind, extra], i): Sent => ({
    id: `c00000000000000${i}`,
    name: kind.toLowerCase(),
    scope: "@arizeai/openinference-instrumentation-openai",
    attributes: { "openinference.span.kind": kind, ...extra },
  }));
  const { obs } = read(...spans);
  assert.deepEqual(
    spans.map((span) => obs.get(span.id)!.type),
    kinds.map(([, , type]) => type),
  );
});

test("an OpenInference chain keeps plain-text input.value as text and its cost from llm.cost.total", () => {
  const { obs, problems } = read({
    id: "b000000000000002",
    name: "support-turn",
    scope: "openinference.instrumentation.langchain",
    attributes: {
      "openinference.span.kind": "CHAIN",
      "input.value": "Where is order 8812?",
      "input.mime_type": "text/plain",
      "output.value": "It ships tomorrow.",
      "llm.cost.total": 0.000179,
    },
  });
  const chain = obs.get("b000000000000002")!;
  assert.deepEqual(
    [chain.type, chain.input, chain.output, chain.cost],
    ["chain", "Where is order 8812?", "It ships tomorrow.", 0.000179],
  );
  assert.ok(!problems.some((p) => p.includes("JSON")), problems.join("\n"));
});

// --- OpenTelemetry GenAI semantic conventions ---

const GENAI_SCOPE = "@opentelemetry/instrumentation-openai";

test("a GenAI chat span reads as a generation with request parameters and token counts", () => {
  const { obs } = read({
    id: "d000000000000001",
    name: "chat gpt-4o-mini",
    scope: GENAI_SCOPE,
    attributes: {
      "gen_ai.operation.name": "chat",
      "gen_ai.system": "openai",
      "gen_ai.request.model": "gpt-4o-mini",
      "gen_ai.request.temperature": 0.2,
      "gen_ai.request.max_tokens": 256,
      "gen_ai.request.stop_sequences": ["\n\n"],
      "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
      "gen_ai.response.finish_reasons": ["stop"],
      "gen_ai.usage.input_tokens": 812,
      "gen_ai.usage.output_tokens": 96,
      "gen_ai.usage.cache_read.input_tokens": 512,
      "gen_ai.usage.reasoning.output_tokens": 32,
      "gen_ai.usage.cost": 0.000179,
    },
  });
  assert.deepEqual(facts(obs.get("d000000000000001")), {
    name: "chat gpt-4o-mini",
    type: "generation",
    level: "DEFAULT",
    model: "gpt-4o-mini-2024-07-18",
    modelParameters: { temperature: 0.2, max_tokens: 256, stop_sequences: '["\\n\\n"]' },
    usage: {
      input: 300,
      output: 64,
      total: 908,
      details: { input_cached_tokens: 512, output_reasoning_tokens: 32 },
    },
    cost: 0.000179,
  });
});

test("GenAI v1.37+ messages are the input and output, with system instructions put first", () => {
  const { obs } = read({
    id: "d000000000000002",
    name: "chat gpt-4o-mini",
    scope: GENAI_SCOPE,
    attributes: {
      "gen_ai.operation.name": "chat",
      "gen_ai.request.model": "gpt-4o-mini",
      "gen_ai.system_instructions": '[{"type":"text","content":"You are a support agent."}]',
      "gen_ai.input.messages":
        '[{"role":"user","parts":[{"type":"text","content":"Where is order 8812?"}]}]',
      "gen_ai.output.messages":
        '[{"role":"assistant","parts":[{"type":"text","content":"It ships tomorrow."}]}]',
    },
  });
  const chat = obs.get("d000000000000002")!;
  assert.deepEqual([chat.input, chat.output], [
    [
      { role: "system", content: "You are a support agent." },
      { role: "user", parts: [{ type: "text", content: "Where is order 8812?" }] },
    ],
    [{ role: "assistant", parts: [{ type: "text", content: "It ships tomorrow." }] }],
  ]);
});

test("GenAI message events and the inference details event are read as input and output", () => {
  const { obs } = read(
    {
      id: "d000000000000003",
      name: "chat gpt-4o-mini",
      scope: GENAI_SCOPE,
      attributes: { "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o-mini" },
      events: [
        { name: "gen_ai.system.message", attributes: { content: "You are a support agent." } },
        { name: "gen_ai.user.message", attributes: { content: "Where is order 8812?" } },
        {
          name: "gen_ai.choice",
          attributes: { index: 0, finish_reason: "stop", message: '{"content":"It ships."}' },
        },
      ],
    },
    {
      id: "d000000000000004",
      name: "chat gpt-4o-mini",
      scope: GENAI_SCOPE,
      attributes: { "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o-mini" },
      events: [{
        name: "gen_ai.client.inference.operation.details",
        attributes: {
          "gen_ai.input.messages": '[{"role":"user","parts":[]}]',
          "gen_ai.output.messages": '[{"role":"assistant","parts":[]}]',
        },
      }],
    },
  );
  const fromMessages = obs.get("d000000000000003")!;
  assert.deepEqual([fromMessages.input, fromMessages.output], [
    [
      { role: "system", content: "You are a support agent." },
      { role: "user", content: "Where is order 8812?" },
    ],
    { index: 0, finish_reason: "stop", message: '{"content":"It ships."}' },
  ]);
  const fromDetails = obs.get("d000000000000004")!;
  assert.deepEqual([fromDetails.input, fromDetails.output], [
    [{ role: "user", parts: [] }],
    [{ role: "assistant", parts: [] }],
  ]);
});

test("indexed gen_ai.prompt.N and gen_ai.completion.N attributes are rebuilt as message lists", () => {
  const { obs } = read({
    id: "d000000000000005",
    name: "openai.chat",
    scope: "opentelemetry.instrumentation.openai.v1",
    attributes: {
      "llm.request.type": "chat",
      "gen_ai.request.model": "gpt-4o-mini",
      "gen_ai.prompt.0.role": "user",
      "gen_ai.prompt.0.content": "Where is order 8812?",
      "gen_ai.completion.0.role": "assistant",
      "gen_ai.completion.0.content": "It ships tomorrow.",
      "gen_ai.usage.prompt_tokens": 812,
      "gen_ai.usage.completion_tokens": 96,
    },
  });
  const chat = obs.get("d000000000000005")!;
  assert.deepEqual([chat.type, chat.input, chat.output, chat.usage], [
    "generation",
    [{ role: "user", content: "Where is order 8812?" }],
    [{ role: "assistant", content: "It ships tomorrow." }],
    { input: 812, output: 96, total: 908 },
  ]);
});

test("GenAI tool, agent and embedding operations read as their types, the tool named and with its I/O", () => {
  const { obs, problems } = read(
    {
      id: "d000000000000006",
      name: "execute_tool lookup_order",
      scope: GENAI_SCOPE,
      attributes: {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "lookup_order",
        "gen_ai.tool.call.id": "call_1",
        "gen_ai.tool.call.arguments": '{"orderId":"8812"}',
        "gen_ai.tool.call.result": '{"status":"shipped"}',
      },
    },
    {
      id: "d000000000000007",
      name: "invoke_agent support",
      scope: GENAI_SCOPE,
      attributes: { "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "support" },
    },
    {
      id: "d000000000000008",
      name: "embeddings text-embedding-3-small",
      scope: GENAI_SCOPE,
      attributes: {
        "gen_ai.operation.name": "embeddings",
        "gen_ai.request.model": "text-embedding-3-small",
        "gen_ai.usage.input_tokens": 9,
      },
    },
  );
  const tool = obs.get("d000000000000006")!;
  assert.deepEqual(
    [tool.name, tool.type, tool.input, tool.output],
    ["lookup_order", "tool", { orderId: "8812" }, { status: "shipped" }],
  );
  assert.equal(obs.get("d000000000000007")!.type, "agent");
  const embedding = obs.get("d000000000000008")!;
  assert.deepEqual([embedding.type, embedding.usage], ["embedding", { input: 9, total: 9 }]);
  assert.ok(!problems.some((p) => p.includes("Langfuse ignores")), problems.join("\n"));
});

test("a span with error status reads as level ERROR with the status message, in every dialect", () => {
  const failing = (id: string, scope: string, attributes: Record<string, AttrValue>): Sent => ({
    id,
    name: "call",
    scope,
    attributes,
    status: { code: 2, message: "429 Too Many Requests" },
  });
  const { obs } = read(
    failing("f000000000000001", GENAI_SCOPE, { "gen_ai.operation.name": "chat" }),
    failing("f000000000000002", "@arizeai/openinference-instrumentation-openai", {
      "openinference.span.kind": "LLM",
    }),
    failing("f000000000000003", "ai", vercelBase("ai.generateText.doGenerate")),
  );
  for (const id of ["f000000000000001", "f000000000000002", "f000000000000003"]) {
    const call = obs.get(id)!;
    assert.deepEqual([call.level, call.statusMessage], ["ERROR", "429 Too Many Requests"], id);
  }
});

// --- Langfuse's own SDKs ---

test("a Langfuse Python SDK up to 3.3 'span' with generation attributes reads as a generation", () => {
  const sdkSpan = (id: string, version: string): Sent => ({
    id,
    name: "answer",
    scope: "langfuse-sdk",
    scopeVersion: version,
    resource: { "telemetry.sdk.language": "python" },
    attributes: {
      "langfuse.observation.type": "span",
      "langfuse.observation.model.name": "gpt-4o-mini",
    },
  });
  const { obs } = read(sdkSpan("g000000000000001", "3.2.1"), sdkSpan("g000000000000002", "3.4.0"));
  assert.deepEqual(
    [obs.get("g000000000000001")!.type, obs.get("g000000000000002")!.type],
    ["generation", "span"],
  );
});

test("the older langfuse.prompt.* attributes link a prompt, and a double-encoded completion start is read", () => {
  const { obs } = read({
    id: "g000000000000003",
    name: "answer",
    scope: "langfuse-sdk",
    attributes: {
      "langfuse.observation.type": "generation",
      "langfuse.prompt.name": "support-answer",
      "langfuse.prompt.version": 4,
      "langfuse.observation.completion_start_time": '"2025-12-08T00:00:00.250Z"',
    },
  });
  const generation = obs.get("g000000000000003")!;
  assert.deepEqual(generation.prompt, { name: "support-answer", version: 4 });
  assert.equal(generation.completionStartMs, T0 + 250);
});
