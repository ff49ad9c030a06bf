/**
 * Test support: what Langfuse makes of each library's support conversation, worked out from
 * Langfuse's source at the pinned tag v4.16.0 (langfuse/langfuse, see fixtures/langfuse/README.md):
 *
 * - session: `extractSessionId` in packages/shared/src/server/otel/OtelIngestionProcessor.ts
 *   reads `langfuse.session.id`, `session.id`, `gen_ai.conversation.id`, then
 *   `ai.telemetry.metadata.sessionId`; user: `extractUserId` reads `langfuse.user.id`,
 *   `user.id`, then `ai.telemetry.metadata.userId`; tags: `extractTags` reads
 *   `langfuse.trace.tags`, then `ai.telemetry.metadata.tags`, then `tag.tags` (an array, or a
 *   string holding a JSON array). The trace's come from its root span (`createTraceEvent`).
 * - names: `extractName`: `gen_ai.tool.name`, then `ai.toolCall.name`, then
 *   `{ai.telemetry.functionId}:{ai.operationId}`, else the span name; the trace's name is
 *   `langfuse.trace.name`, else the root's name so read.
 * - types: packages/shared/src/server/otel/ObservationTypeMapper.ts, first mapper that answers:
 *   `langfuse.observation.type`, `openinference.span.kind` (LLM is a generation),
 *   `gen_ai.operation.name` (chat a generation, invoke_agent an agent, execute_tool a tool), the
 *   Vercel operations (`ai.generateText.doGenerate` a generation, `ai.toolCall` a tool), then a
 *   model attribute; else a span.
 * - model: `extractModelName`: `langfuse.observation.model.name`, `gen_ai.response.model`,
 *   `ai.model.id`, `gen_ai.request.model`, `llm.response.model`, `llm.model_name`.
 * - usage: `extractUsageDetails`: `langfuse.observation.usage_details` as sent; for scope `ai`,
 *   `gen_ai.usage.input_tokens` less `ai.usage.cachedInputTokens` (kept as
 *   `input_cached_tokens`), `gen_ai.usage.output_tokens` less `ai.usage.reasoningTokens` (kept
 *   as `output_reasoning_tokens`), total only from `ai.usage.tokens`; otherwise
 *   `extractGenericGenAiUsageDetails` over `gen_ai.usage.*` and `llm.token_count.*` (prompt less
 *   `prompt_details.cache_read`, completion less `completion_details.reasoning` and `.audio`,
 *   other keys such as `prompt_details.audio` kept under their own name). Non-negative integers
 *   only (`RawUsageDetails` in packages/shared/src/server/ingestion/types.ts); a missing total
 *   is the sum of the rest (worker/src/services/IngestionService/index.ts, 1527). Model, usage
 *   and cost are skipped only on `gen_ai.operation.name` invoke_agent or agent_step
 *   (`isAiSdkAgentOperation`), which AI SDK 6 does not write: its root `ai.generateText` keeps
 *   `ai.model.id` as its model and its aggregate cached and reasoning tokens as usage (input and
 *   output 0, there being no `gen_ai.usage.*` on it).
 */
import type { ViewUsage } from "../../src/langfuse/ingestion/view.ts";
import type { InstrumentedLibrary } from "./libraries.ts";
import { SUPPORT } from "./support_turns.ts";

/** What Langfuse shows for every one of the 3 traces of a library's conversation. */
export interface LangfuseReading {
  traceName: string;
  tags: string[];
  /** The trace's observation tree as "type name(children)", children by start time. */
  tree: string;
  /** The model of every generation. */
  model: string;
  /** Usage of the turn's two generations: the tool call, then the answer. */
  usage: [ViewUsage, ViewUsage];
  /** The root observation's model and usage, where Langfuse stores any. */
  root: { model?: string; usage?: ViewUsage };
}

/** The model the fake provider answers with (OpenAI's dated name). */
const MODEL = `${SUPPORT.model}-2024-07-18`;

const LANGFUSE_USAGE: [ViewUsage, ViewUsage] = [
  { input: 54, output: 19, total: 201, details: cachedAndReasoning(0) },
  { input: 103, output: 15, total: 258, details: cachedAndReasoning(12) },
];

function cachedAndReasoning(reasoning: number): Record<string, number> {
  return { input_cached_tokens: 128, output_reasoning_tokens: reasoning };
}

function openInferenceDetails(reasoning: number): Record<string, number> {
  return {
    "prompt_details.audio": 0,
    input_cached_tokens: 128,
    output_reasoning_tokens: reasoning,
    output_audio_tokens: 0,
  };
}

function turnTree(root: string, generation: string): string {
  return `${root}(generation ${generation}, tool ${SUPPORT.tool}, generation ${generation})`;
}

const READINGS: Record<InstrumentedLibrary["dialect"], LangfuseReading> = {
  vercel: {
    traceName: `${SUPPORT.functionId}:ai.generateText`,
    tags: [...SUPPORT.tags],
    tree: turnTree(
      `span ${SUPPORT.functionId}:ai.generateText`,
      `${SUPPORT.functionId}:ai.generateText.doGenerate`,
    ),
    model: MODEL,
    usage: LANGFUSE_USAGE,
    root: {
      model: SUPPORT.model,
      usage: {
        input: 0,
        output: 0,
        total: 268,
        details: { input_cached_tokens: 256, output_reasoning_tokens: 12 },
      },
    },
  },
  openinference: {
    traceName: SUPPORT.functionId,
    tags: [...SUPPORT.tags],
    tree: turnTree(`agent ${SUPPORT.functionId}`, "OpenAI Chat Completions"),
    model: MODEL,
    usage: [
      { input: 54, output: 19, total: 201, details: openInferenceDetails(0) },
      { input: 103, output: 15, total: 258, details: openInferenceDetails(12) },
    ],
    root: {},
  },
  genai: {
    traceName: `invoke_agent ${SUPPORT.functionId}`,
    // The GenAI conventions have no tags.
    tags: [],
    tree: turnTree(`agent invoke_agent ${SUPPORT.functionId}`, `chat ${SUPPORT.model}`),
    model: MODEL,
    // The instrumentation writes no cached or reasoning tokens.
    usage: [{ input: 182, output: 19, total: 201 }, { input: 231, output: 27, total: 258 }],
    root: {},
  },
  langfuse: {
    traceName: SUPPORT.functionId,
    tags: [...SUPPORT.tags],
    tree: turnTree(`agent ${SUPPORT.functionId}`, `chat ${SUPPORT.model}`),
    model: MODEL,
    usage: LANGFUSE_USAGE,
    root: {},
  },
};

/** What Langfuse shows for the library's conversation. */
export function langfuseReading(library: InstrumentedLibrary): LangfuseReading {
  return READINGS[library.dialect];
}
