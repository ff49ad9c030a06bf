/**
 * Which observation type Langfuse gives a span, by the ordered rules of its type mapper
 * (`packages/shared/src/server/otel/ObservationTypeMapper.ts` at v4.16.0): the first rule that
 * applies and yields a type wins, else SPAN. Every dialect has a rule: Langfuse's own type
 * attribute, OpenInference's span kind, the GenAI operation name, the Vercel AI SDK's operation
 * id, GenAI tool attributes, and last any model name. Genkit, Flue and LiveKit rules are not
 * modelled. Private to the folder.
 */
import type { AttrValue, ReceivedSpan } from "../../otlp/decode.ts";
import { OBSERVATION } from "../../emit/attributes.ts";
import type { ObservationType } from "../../script/vocabulary.ts";
import { SEMCONV } from "./_semconv.ts";
import { meaningful } from "./_values.ts";

/** Langfuse's own type values; anything else falls through to the next rule. */
const LANGFUSE_TYPES: Record<string, ObservationType> = {
  span: "span",
  generation: "generation",
  event: "event",
  embedding: "embedding",
  agent: "agent",
  tool: "tool",
  chain: "chain",
  retriever: "retriever",
  guardrail: "guardrail",
  evaluator: "evaluator",
};

/** `openinference.span.kind`; RERANKER, PROMPT and UNKNOWN fall through. */
const OPENINFERENCE_KINDS: Record<string, ObservationType> = {
  CHAIN: "chain",
  RETRIEVER: "retriever",
  LLM: "generation",
  EMBEDDING: "embedding",
  AGENT: "agent",
  TOOL: "tool",
  GUARDRAIL: "guardrail",
  EVALUATOR: "evaluator",
};

/** `gen_ai.operation.name`. */
const GENAI_OPERATIONS: Record<string, ObservationType> = {
  chat: "generation",
  completion: "generation",
  text_completion: "generation",
  generate_content: "generation",
  generate: "generation",
  embeddings: "embedding",
  invoke_agent: "agent",
  create_agent: "agent",
  execute_tool: "tool",
};

/** Vercel AI SDK model calls, by operation id; generations and embeddings need a model. */
const VERCEL_MODEL_CALLS: [readonly string[], ObservationType][] = [
  [[
    "ai.generateText.doGenerate",
    "ai.streamText.doStream",
    "ai.generateObject.doGenerate",
    "ai.streamObject.doStream",
  ], "generation"],
  [["ai.embedMany.doEmbed", "ai.embed.doEmbed"], "embedding"],
];
const VERCEL_MODEL_KEYS = [
  OBSERVATION.model,
  "ai.model.id",
  SEMCONV.requestModel,
  SEMCONV.responseModel,
];
const MODEL_KEYS = [
  OBSERVATION.model,
  SEMCONV.requestModel,
  SEMCONV.responseModel,
  "llm.model_name",
  "model",
];
/** What makes the Python SDK's (≤ 3.3.0) "span" a generation. */
const PYTHON_GENERATION_KEYS = [
  OBSERVATION.model,
  OBSERVATION.cost,
  OBSERVATION.usage,
  OBSERVATION.completionStartTime,
  OBSERVATION.modelParameters,
  OBSERVATION.promptName,
  OBSERVATION.promptVersion,
];

type Rule = (span: ReceivedSpan) => ObservationType | undefined;

const RULES: Rule[] = [
  pythonSdkSpan,
  (span) => mapped(span.attributes[OBSERVATION.type], LANGFUSE_TYPES),
  (span) => mapped(span.attributes["openinference.span.kind"], OPENINFERENCE_KINDS),
  (span) => mapped(span.attributes[SEMCONV.operationName], GENAI_OPERATIONS),
  vercelModelCall,
  (span) => vercelOperation(span.attributes, ["ai.toolCall"]) ? "tool" : undefined,
  (span) =>
    meaningful(span.attributes[SEMCONV.toolName]) || meaningful(span.attributes[SEMCONV.toolCallId])
      ? "tool"
      : undefined,
  (span) => MODEL_KEYS.some((key) => meaningful(span.attributes[key])) ? "generation" : undefined,
];

/** The observation type Langfuse gives `span`. */
export function mappedType(span: ReceivedSpan): ObservationType {
  for (const rule of RULES) {
    const type = rule(span);
    if (type !== undefined) return type;
  }
  return "span";
}

function mapped(
  value: AttrValue | undefined,
  table: Record<string, ObservationType>,
): ObservationType | undefined {
  return typeof value === "string" && Object.hasOwn(table, value) ? table[value] : undefined;
}

/** Langfuse's Python SDK up to 3.3.0 typed generations as "span" (langfuse/langfuse #8682). */
function pythonSdkSpan(span: ReceivedSpan): ObservationType | undefined {
  if (
    span.attributes[OBSERVATION.type] !== "span" || span.scope.name !== "langfuse-sdk" ||
    span.resource["telemetry.sdk.language"] !== "python"
  ) return undefined;
  const [major, minor] = (span.scope.version ?? "").split(".").map(Number);
  if (span.scope.version && (major > 3 || (major === 3 && minor > 3))) return undefined;
  const keys = Object.keys(span.attributes);
  return PYTHON_GENERATION_KEYS.some((key) => keys.includes(key)) ? "generation" : undefined;
}

function vercelModelCall(span: ReceivedSpan): ObservationType | undefined {
  if (!VERCEL_MODEL_KEYS.some((key) => meaningful(span.attributes[key]))) return undefined;
  return VERCEL_MODEL_CALLS.find(([ids]) => vercelOperation(span.attributes, ids))?.[1];
}

/**
 * Whether a span is one of the Vercel AI SDK operations `ids`: its `operation.name` starts with
 * one (the SDK appends the function id) or its `ai.operationId` is one.
 */
function vercelOperation(attrs: Record<string, AttrValue>, ids: readonly string[]): boolean {
  const name = attrs["operation.name"];
  const id = attrs["ai.operationId"];
  return (typeof name === "string" && ids.some((prefix) => name.startsWith(prefix))) ||
    (typeof id === "string" && ids.includes(id));
}
