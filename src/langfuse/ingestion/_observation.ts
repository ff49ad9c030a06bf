/**
 * How one span becomes a Langfuse observation: its type, level, model, parameters, usage, cost,
 * input and output, completion start and prompt link, read the way a v4 server reads them in
 * every dialect (type in _observation_type.ts, usage, cost and parameters in
 * _observation_usage.ts, input and output in _io.ts; the facts in
 * fixtures/langfuse/observation_mapping.md), with a problem message for every attribute Langfuse
 * will ignore, reinterpret or reject. Private to the folder.
 */
import type { AttrValue, ReceivedSpan } from "../../otlp/decode.ts";
import { OBSERVATION } from "../../emit/attributes.ts";
import {
  type Level,
  LEVELS,
  OBSERVATION_TYPES,
  type ObservationType,
} from "../../script/vocabulary.ts";
import { observationName } from "./_names.ts";
import { SEMCONV } from "./_semconv.ts";
import type { ViewObservation, ViewUsage } from "./_types.ts";
import {
  firstText,
  isPlainObject,
  meaningful,
  msOf,
  number,
  parseJson,
  quote,
  show,
  sum,
  text,
} from "./_values.ts";
import { ioOf } from "./_io.ts";
import { mappedType } from "./_observation_type.ts";
import { costTotal, modelParameters, usageBuckets } from "./_observation_usage.ts";

const AGENT_OPERATIONS = new Set(["invoke_agent", "agent_step"]);

/** Where Langfuse reads the model name, first first (`extractModelName`). */
const MODEL_KEYS = [
  OBSERVATION.model,
  SEMCONV.responseModel,
  "ai.model.id",
  SEMCONV.requestModel,
  "llm.response.model",
  "llm.model_name",
  "model",
];

/** Older Langfuse SDKs' prompt attributes, read after the current ones. */
const LEGACY_PROMPT = { name: "langfuse.prompt.name", version: "langfuse.prompt.version" };
/** The Vercel AI SDK carries a Langfuse prompt as JSON in its telemetry metadata. */
const VERCEL_PROMPT = "ai.telemetry.metadata.langfusePrompt";

// Langfuse v4 reads these level spellings from OTel senders; v3 accepts only LEVELS.
const LEVEL_ALIASES: Record<string, Level> = {
  DEBUG: "DEBUG",
  TRACE: "DEBUG",
  VERBOSE: "DEBUG",
  DEFAULT: "DEFAULT",
  INFO: "DEFAULT",
  LOG: "DEFAULT",
  NOTICE: "DEFAULT",
  OK: "DEFAULT",
  SUCCESS: "DEFAULT",
  WARNING: "WARNING",
  WARN: "WARNING",
  ERROR: "ERROR",
  FATAL: "ERROR",
  CRITICAL: "ERROR",
};

const STATUS_ERROR = 2;

/** One span as an observation with no children yet; each contract problem goes to `here`. */
export function buildObservation(
  span: ReceivedSpan,
  here: (message: string) => void,
): ViewObservation {
  const attrs = span.attributes;
  const type = typeOf(span, here);
  const startMs = msOf(span.startTimeUnixNano);
  const obs: ViewObservation = {
    id: span.spanId,
    name: observationName(span),
    type,
    level: levelOf(span, here),
    startMs,
    durationMs: msOf(span.endTimeUnixNano) - startMs,
    children: [],
  };
  if (span.parentSpanId !== undefined) obs.parentId = span.parentSpanId;
  const statusMessage = text(attrs[OBSERVATION.statusMessage]) ??
    (span.status.message || undefined);
  if (statusMessage !== undefined) obs.statusMessage = statusMessage;

  const chat = chatViewProblem(span.name, attrs[OBSERVATION.input]);
  if (chat) here(chat);

  const io = ioOf(span);
  if (io.input !== undefined) obs.input = io.input;
  if (io.output !== undefined) obs.output = io.output;
  const parameters = modelParameters(span);
  if (Object.keys(parameters).length > 0) obs.modelParameters = parameters;

  const operation = text(attrs[SEMCONV.operationName]);
  if (operation !== undefined && AGENT_OPERATIONS.has(operation)) {
    // Langfuse skips model, usage and cost here: they duplicate the child model call's.
    if (hasUsageOrCost(attrs)) {
      here(
        `Span ${quote(span.name)} has usage or cost but gen_ai.operation.name ${
          quote(operation)
        }; ` +
          `Langfuse ignores its model, usage and cost`,
      );
    }
  } else {
    const model = firstText(attrs, MODEL_KEYS);
    if (model !== undefined) obs.model = model;
    const usage = usageOf(usageBuckets(span, here));
    if (usage !== undefined) obs.usage = usage;
    const cost = costTotal(span, here);
    if (cost !== undefined) obs.cost = cost;
  }

  const completionStartMs = completionStartOf(span, startMs);
  if (completionStartMs !== undefined) obs.completionStartMs = completionStartMs;

  const prompt = promptOf(span, type, here);
  if (prompt !== undefined) obs.prompt = prompt;
  return obs;
}

/**
 * When the first token came: Langfuse's own attribute (a date, or a date as a JSON string, as
 * older SDKs send it), else the Vercel AI SDK's milliseconds to the first chunk after the start.
 */
function completionStartOf(span: ReceivedSpan, startMs: number): number | undefined {
  const raw = span.attributes[OBSERVATION.completionStartTime];
  if (typeof raw === "string") {
    const direct = Date.parse(raw);
    if (!Number.isNaN(direct)) return direct;
    const inner = parseJson(raw);
    const nested = typeof inner === "string" ? Date.parse(inner) : NaN;
    if (!Number.isNaN(nested)) return nested;
  }
  const chunk = span.attributes["ai.response.msToFirstChunk"] ??
    span.attributes["ai.stream.msToFirstChunk"];
  const ms = number(chunk);
  return chunk && ms !== undefined ? startMs + Math.ceil(ms) : undefined;
}

/**
 * Langfuse's chat view flattens OpenAI's nested tool calls only when it recognises the OpenAI
 * format: by a name with "openai" in it (its OpenAI integration's "OpenAI-generation"), or by
 * messages whose roles are all system, user, assistant, tool or function. A `developer` message
 * beside tool calls is neither, so the input shows as JSON instead of a conversation.
 */
function chatViewProblem(name: string, input: AttrValue | undefined): string | undefined {
  const messages = typeof input === "string" ? parseJson(input) : undefined;
  if (!Array.isArray(messages) || name.toLowerCase().includes("openai")) return undefined;
  const roles = messages.map((message) => isPlainObject(message) ? message.role : undefined);
  const calls = messages.some((message) =>
    isPlainObject(message) && Array.isArray(message.tool_calls) &&
    message.tool_calls.some((call) => isPlainObject(call) && isPlainObject(call.function))
  );
  if (!calls || !roles.includes("developer")) return undefined;
  return `Input of span ${quote(name)} has a developer message and OpenAI tool calls: ` +
    `Langfuse shows it as JSON, not as a conversation, unless the name contains "openai" ` +
    `(as its OpenAI integration's "OpenAI-generation" does)`;
}

function typeOf(span: ReceivedSpan, here: (message: string) => void): ObservationType {
  const type = mappedType(span);
  const declared = span.attributes[OBSERVATION.type];
  if (meaningful(declared) && !isObservationType(declared)) {
    here(
      `Observation type ${quote(show(declared))} of span ${quote(span.name)} is not one of ` +
        `${OBSERVATION_TYPES.join(", ")}; Langfuse uses ${quote(type)}`,
    );
  }
  return type;
}

function levelOf(span: ReceivedSpan, here: (message: string) => void): Level {
  const fallback: Level = span.status.code === STATUS_ERROR ? "ERROR" : "DEFAULT";
  const raw = span.attributes[OBSERVATION.level];
  if (raw === undefined || raw === null) return fallback;
  if (typeof raw === "string" && (LEVELS as readonly string[]).includes(raw)) return raw as Level;
  const alias = typeof raw === "string" ? LEVEL_ALIASES[raw.trim().toUpperCase()] : undefined;
  here(
    `Level ${quote(show(raw))} of span ${quote(span.name)} is not one of ${LEVELS.join(", ")}; ` +
      (alias ? `Langfuse v4 reads it as ${alias}` : `Langfuse v4 ignores it`) +
      ` and a v3 server drops the observation`,
  );
  return alias ?? fallback;
}

/** Usage buckets as the view shows them: input, output, total (summed when not sent), the rest. */
function usageOf(buckets: Record<string, number>): ViewUsage | undefined {
  if (Object.keys(buckets).length === 0) return undefined;
  const usage: ViewUsage = {};
  if (buckets.input !== undefined) usage.input = buckets.input;
  if (buckets.output !== undefined) usage.output = buckets.output;
  usage.total = buckets.total ?? sum(Object.values(buckets));
  const details = Object.entries(buckets).filter(([key]) =>
    key !== "input" && key !== "output" && key !== "total"
  );
  if (details.length > 0) usage.details = Object.fromEntries(details);
  return usage;
}

/**
 * The prompt link: Langfuse's attributes, else the older SDKs', else the Vercel AI SDK's
 * `langfusePrompt` metadata (JSON with name and version), each field on its own. Generations
 * only; the metadata rides on every span of an AI SDK call, so only the explicit attributes on
 * another type are worth a word.
 */
function promptOf(
  span: ReceivedSpan,
  type: ObservationType,
  here: (message: string) => void,
): ViewObservation["prompt"] {
  const attrs = span.attributes;
  const vercel = parseJson(text(attrs[VERCEL_PROMPT]) ?? "");
  const fromVercel = isPlainObject(vercel) ? vercel : {};
  const nameKey = [OBSERVATION.promptName, LEGACY_PROMPT.name].find((key) => present(attrs[key]));
  const versionKey = [OBSERVATION.promptVersion, LEGACY_PROMPT.version].find((key) =>
    present(attrs[key])
  );
  const name = nameKey !== undefined ? text(attrs[nameKey]) : text(fromVercel.name ?? null);
  const rawVersion = versionKey !== undefined ? attrs[versionKey] : fromVercel.version;
  if (name === undefined && !present(rawVersion)) return undefined;
  if (type !== "generation") {
    if (nameKey !== undefined || versionKey !== undefined) {
      here(
        `Prompt link on ${type} ${
          quote(span.name)
        } is ignored; Langfuse links prompts to generations only`,
      );
    }
    return undefined;
  }
  const versionType = versionKey !== undefined
    ? span.attributeTypes[versionKey]
    : Number.isInteger(rawVersion)
    ? "int"
    : typeof rawVersion;
  const prompt: ViewObservation["prompt"] = {};
  if (name !== undefined) prompt.name = name;
  if (versionType === "int" && typeof rawVersion === "number") {
    prompt.version = rawVersion;
  } else if (!present(rawVersion)) {
    here(
      `Prompt ${quote(name ?? "")} of span ${
        quote(span.name)
      } has no version; Langfuse drops this observation`,
    );
  } else {
    here(
      `Prompt version ${quote(show(rawVersion!))} of span ${quote(span.name)} is a ${
        versionType ?? "missing"
      } ` +
        `attribute, not an int; Langfuse drops this observation`,
    );
  }
  return prompt;
}

function present(value: AttrValue | undefined): boolean {
  return value !== undefined && value !== null;
}

function hasUsageOrCost(attrs: Record<string, AttrValue>): boolean {
  return Object.keys(attrs).some((key) =>
    key === OBSERVATION.usage || key === OBSERVATION.cost || key.startsWith(SEMCONV.usagePrefix)
  );
}

function isObservationType(value: AttrValue | undefined): value is ObservationType {
  return typeof value === "string" && (OBSERVATION_TYPES as readonly string[]).includes(value);
}
