/**
 * Usage, cost and model parameters of one span as Langfuse reads them
 * (`extractUsageDetails`, `extractGenericGenAiUsageDetails`, `extractCostDetails` and
 * `extractModelParameters` in `packages/shared/src/server/otel/OtelIngestionProcessor.ts` at
 * v4.16.0), with a problem message where Langfuse ignores what was sent. Private to the folder.
 */
import type { AttrValue, ReceivedSpan } from "../../otlp/decode.ts";
import { OBSERVATION } from "../../emit/attributes.ts";
import type { Json } from "../../plan/types.ts";
import { SEMCONV } from "./_semconv.ts";
import { isPlainObject, number, numbers, parseJson, quote, toJson } from "./_values.ts";

type Attrs = Record<string, AttrValue>;

/** How a Langfuse JSON-object attribute reads: an object, none (ignored), or fall back. */
type JsonObjectAttr = { [key: string]: Json } | "none" | "fallback";

/**
 * `langfuse.observation.usage_details` / `cost_details`: a JSON object wins; a value that is not
 * a string or parses to something else records nothing; text that is not JSON at all is ignored
 * and Langfuse reads the other attributes (`parseJsonObjectAttribute`).
 */
function jsonObjectAttr(
  span: ReceivedSpan,
  key: string,
  what: "usage" | "cost",
  here: (message: string) => void,
): JsonObjectAttr {
  const label = what === "usage" ? "Usage details" : "Cost details";
  const raw = span.attributes[key];
  if (!raw) return "fallback";
  const parsed = typeof raw === "string" ? parseJson(raw) : undefined;
  if (typeof raw === "string" && parsed === undefined) {
    here(
      `${label} of span ${quote(span.name)} are not valid JSON; Langfuse ignores ${quote(key)}`,
    );
    return "fallback";
  }
  if (!isPlainObject(parsed)) {
    here(`${label} of span ${quote(span.name)} are not a JSON object; Langfuse records no ${what}`);
    return "none";
  }
  return parsed;
}

/** The usage buckets Langfuse stores for `span` (before it adds a missing total). */
export function usageBuckets(
  span: ReceivedSpan,
  here: (message: string) => void,
): Record<string, number> {
  const own = jsonObjectAttr(span, OBSERVATION.usage, "usage", here);
  if (own === "none") return {};
  if (own !== "fallback") return numbers(own);
  if (span.scope.name === "ai") {
    const vercel = vercelUsage(span.attributes);
    if (vercel !== undefined) return vercel;
  }
  return genericUsage(span.attributes);
}

/**
 * The Vercel AI SDK's usage: input and output from `gen_ai.usage.*` (set on model calls only, so
 * other `ai` spans get 0), total from `ai.usage.tokens`, cached and reasoning tokens from
 * `ai.usage.*` or the provider metadata, and those taken out of input and output. Undefined when
 * Langfuse's parsing throws and it falls back to the generic reading.
 */
function vercelUsage(attrs: Attrs): Record<string, number> | undefined {
  const int = (key: string) =>
    Object.hasOwn(attrs, key) ? parseInt(String(attrs[key] ?? "0")) : undefined;
  const details: Record<string, number | undefined> = {
    input: int("gen_ai.usage.prompt_tokens") ?? int(SEMCONV.inputTokens),
    output: int("gen_ai.usage.completion_tokens") ?? int(SEMCONV.outputTokens),
    total: int("ai.usage.tokens"),
  };
  try {
    const count = (key: string) => {
      const parsed = JSON.parse(String(attrs[key])) as Json;
      return typeof parsed === "number"
        ? parsed
        : isPlainObject(parsed) && typeof parsed.intValue === "number"
        ? parsed.intValue
        : undefined;
    };
    if (Object.hasOwn(attrs, "ai.usage.cachedInputTokens")) {
      details.input_cached_tokens = count("ai.usage.cachedInputTokens");
    }
    if (Object.hasOwn(attrs, "ai.usage.reasoningTokens")) {
      details.output_reasoning_tokens = count("ai.usage.reasoningTokens");
    }
    const metadata = attrs["ai.response.providerMetadata"];
    if (metadata) providerUsage(JSON.parse(String(metadata)) as Json, details);
  } catch {
    return undefined;
  }
  const less = (keys: string[]) => keys.reduce((acc, key) => acc + (details[key] ?? 0), 0);
  details.input = Math.max(
    (details.input ?? 0) -
      less([
        "input_cached_tokens",
        "input_cache_creation",
        "input_cache_creation_5m",
        "input_cache_creation_1h",
        "input_cache_read",
      ]),
    0,
  );
  details.output = Math.max((details.output ?? 0) - less(["output_reasoning_tokens"]), 0);
  return numbersOf(details);
}

/** Cache and reasoning counts from OpenAI, Anthropic and Bedrock provider metadata. */
function providerUsage(metadata: Json, details: Record<string, number | undefined>): void {
  if (!isPlainObject(metadata)) return;
  const fill = (key: string, value: Json | undefined) => {
    if (details[key] === undefined && typeof value === "number") details[key] = value;
  };
  const { openai, anthropic, bedrock } = metadata;
  if (isPlainObject(openai)) {
    fill("input_cached_tokens", openai.cachedPromptTokens);
    fill("accepted_prediction_tokens", openai.acceptedPredictionTokens);
    fill("rejected_prediction_tokens", openai.rejectedPredictionTokens);
    fill("output_reasoning_tokens", openai.reasoningTokens);
  }
  if (isPlainObject(anthropic) && isPlainObject(anthropic.usage)) {
    const usage = anthropic.usage;
    fill("input_cache_creation", usage.cache_creation_input_tokens);
    fill("input_cached_tokens", usage.cache_read_input_tokens);
    if (isPlainObject(usage.cache_creation)) {
      fill("input_cache_creation_5m", usage.cache_creation.ephemeral_5m_input_tokens);
      fill("input_cache_creation_1h", usage.cache_creation.ephemeral_1h_input_tokens);
      // The TTL buckets are part of the creation count: Langfuse keeps only the rest there.
      details.input_cache_creation = Math.max(
        (details.input_cache_creation ?? 0) - (details.input_cache_creation_5m ?? 0) -
          (details.input_cache_creation_1h ?? 0),
        0,
      );
    }
  }
  if (isPlainObject(bedrock) && isPlainObject(bedrock.usage)) {
    fill("input_cache_read", bedrock.usage.cacheReadInputTokens);
    fill("input_cache_write", bedrock.usage.cacheWriteInputTokens);
    fill("input_cache_creation", bedrock.usage.cacheCreationInputTokens);
  }
}

/** The first of `names` that `raw` has. */
function firstOf(raw: Record<string, number>, names: readonly string[]): number | undefined {
  for (const name of names) if (raw[name] !== undefined) return raw[name];
  return undefined;
}

const INPUT = ["prompt_tokens", "input_tokens", "prompt"];
const OUTPUT = ["completion_tokens", "output_tokens", "completion"];
const TOTAL = ["total_tokens", "total"];
const CACHE_READ = [
  "cache_read.input_tokens",
  "cache_read_input_tokens",
  "cache_read_tokens",
  "details.cache_read_tokens",
  "details.cache_read_input_tokens",
  "prompt_details.cache_read",
  "input_cached_tokens",
];
const CACHE_CREATION = [
  "cache_creation.input_tokens",
  "cache_creation_input_tokens",
  "cache_write_tokens",
  "details.cache_write_tokens",
  "details.cache_creation_input_tokens",
  "prompt_details.cache_write",
  "input_cache_creation",
];
const REASONING = ["reasoning.output_tokens", "completion_details.reasoning"];
const AUDIO = ["completion_details.audio"];
const READ_KEYS = new Set([
  ...INPUT,
  ...OUTPUT,
  ...TOTAL,
  ...CACHE_READ,
  ...CACHE_CREATION,
  ...REASONING,
  ...AUDIO,
]);

/**
 * GenAI `gen_ai.usage.*` and OpenInference `llm.token_count.*` in one namespace: input, output and
 * total under their several names, cache reads and writes taken out of input, reasoning and audio
 * out of output, every other count kept under its own name.
 */
function genericUsage(attrs: Attrs): Record<string, number> {
  const raw: Record<string, number> = {};
  for (const [key, value] of Object.entries(attrs)) {
    const name = key.startsWith(SEMCONV.usagePrefix) && key !== SEMCONV.cost
      ? key.slice(SEMCONV.usagePrefix.length)
      : key.startsWith("llm.token_count.")
      ? key.slice("llm.token_count.".length)
      : undefined;
    if (name === undefined) continue;
    const count = Number(value);
    if (!Number.isNaN(count)) raw[name] = count;
  }
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!READ_KEYS.has(key)) out[key.startsWith("details.") ? key.slice(8) : key] = value;
  }
  const input = firstOf(raw, INPUT);
  const output = firstOf(raw, OUTPUT);
  const total = firstOf(raw, TOTAL);
  const cacheRead = firstOf(raw, CACHE_READ);
  const cacheCreation = firstOf(raw, CACHE_CREATION);
  const reasoning = firstOf(raw, REASONING);
  const audio = firstOf(raw, AUDIO);
  if (input !== undefined) out.input = Math.max(input - (cacheRead ?? 0) - (cacheCreation ?? 0), 0);
  if (output !== undefined) out.output = Math.max(output - (reasoning ?? 0) - (audio ?? 0), 0);
  if (total !== undefined) out.total = total;
  if (cacheRead !== undefined) out.input_cached_tokens = cacheRead;
  if (cacheCreation !== undefined) out.input_cache_creation = cacheCreation;
  if (reasoning !== undefined) out.output_reasoning_tokens = reasoning;
  if (audio !== undefined) out.output_audio_tokens = audio;
  return out;
}

/**
 * The total cost Langfuse stores: from cost_details (its total, else input plus output when they
 * are the only buckets), else `gen_ai.usage.cost`, else OpenInference's `llm.cost.total`.
 */
export function costTotal(span: ReceivedSpan, here: (message: string) => void): number | undefined {
  const own = jsonObjectAttr(span, OBSERVATION.cost, "cost", here);
  if (own === "none") return undefined;
  if (own !== "fallback") {
    const buckets = numbers(own);
    if (buckets.total !== undefined) return buckets.total;
    const keys = Object.keys(buckets);
    if (keys.length > 0 && keys.every((key) => key === "input" || key === "output")) {
      return (buckets.input ?? 0) + (buckets.output ?? 0);
    }
    return undefined;
  }
  for (const key of [SEMCONV.cost, "llm.cost.total"]) {
    const value = span.attributes[key];
    if (value !== undefined && value !== null && value !== "") return number(value);
  }
  return undefined;
}

/**
 * Model parameters as Langfuse stores them: its own JSON attribute; for the Vercel AI SDK a fixed
 * set of settings (as text) with the explicit ones over them; else OpenInference's
 * `llm.invocation_parameters` JSON, `model_config`, or the flat `gen_ai.request.*` and
 * `llm.invocation_parameters.*` keys (but the model). Empty when there are none.
 */
export function modelParameters(span: ReceivedSpan): Record<string, string | number> {
  const attrs = span.attributes;
  const explicit = jsonParams(attrs[OBSERVATION.modelParameters]);
  if (span.scope.name === "ai") return { ...vercelParams(attrs), ...explicit };
  if (explicit) return explicit;
  for (const key of ["llm.invocation_parameters", "model_config"]) {
    const params = jsonParams(attrs[key]);
    if (params) return params;
  }
  const flat: Record<string, AttrValue> = {};
  for (const prefix of ["gen_ai.request.", "llm.invocation_parameters."]) {
    for (const [key, value] of Object.entries(attrs)) {
      const name = key.slice(prefix.length);
      if (key.startsWith(prefix) && name !== "model") flat[name] = value;
    }
  }
  return sanitized(flat);
}

/** What the Vercel AI SDK's spans carry that Langfuse shows as parameters, each as text. */
const VERCEL_PARAMS: [string, readonly string[]][] = [
  ["maxSteps", ["ai.settings.maxSteps"]],
  ["toolChoice", ["ai.prompt.toolChoice"]],
  ["maxTokens", ["gen_ai.request.max_tokens"]],
  ["finishReason", ["gen_ai.response.finish_reasons", "gen_ai.finishReason"]],
  ["system", ["gen_ai.system", "ai.model.provider"]],
  ["maxRetries", ["ai.settings.maxRetries"]],
  ["mode", ["ai.settings.mode"]],
  ["temperature", ["gen_ai.request.temperature"]],
];

function vercelParams(attrs: Attrs): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [name, keys] of VERCEL_PARAMS) {
    const key = keys.find((candidate) => Object.hasOwn(attrs, candidate));
    const value = key === undefined ? undefined : attrs[key];
    // Langfuse stores the unset ones as null; the view leaves them out.
    if (value !== undefined && value !== null) out[name] = String(value);
  }
  const metadata = parseJsonText(attrs["ai.response.providerMetadata"]);
  const tier = isPlainObject(metadata) && isPlainObject(metadata.openai)
    ? metadata.openai.serviceTier
    : undefined;
  const requested = attrs["gen_ai.request.service_tier"];
  if (typeof tier === "string") out.service_tier = tier;
  else if (requested !== undefined && requested !== null) out.service_tier = String(requested);
  return out;
}

function parseJsonText(value: AttrValue | undefined): Json | undefined {
  return typeof value === "string" ? parseJson(value) : undefined;
}

function jsonParams(value: AttrValue | undefined): Record<string, string | number> | undefined {
  if (!value) return undefined;
  const parsed = parseJsonText(String(value));
  return isPlainObject(parsed) ? sanitized(parsed) : undefined;
}

/** Langfuse keeps string and number values and writes anything else as JSON text. */
function sanitized(params: Record<string, AttrValue | Json>): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(params)) {
    out[key] = typeof value === "string" || typeof value === "number"
      ? value
      : JSON.stringify(toJson(value as AttrValue));
  }
  return out;
}

function numbersOf(details: Record<string, number | undefined>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(details)) {
    if (typeof value === "number" && !Number.isNaN(value)) out[key] = value;
  }
  return out;
}
