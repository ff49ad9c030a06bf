/**
 * How one span becomes a Langfuse observation: its type, level, model, usage, cost, completion
 * start and prompt link, read the way a v4 server reads them, with a problem message for every
 * attribute Langfuse will ignore, reinterpret or reject. Private to the folder.
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
  isPlainObject,
  meaningful,
  msOf,
  number,
  numbers,
  parseJson,
  quote,
  show,
  sum,
  text,
} from "./_values.ts";

const AGENT_OPERATIONS = new Set(["invoke_agent", "agent_step"]);

const OPERATION_TYPES: Record<string, ObservationType> = {
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
    const model = text(attrs[OBSERVATION.model]) ?? text(attrs[SEMCONV.responseModel]) ??
      text(attrs[SEMCONV.requestModel]);
    if (model !== undefined) obs.model = model;
    const usage = usageOf(span, here);
    if (usage !== undefined) obs.usage = usage;
    const cost = costOf(span, here);
    if (cost !== undefined) obs.cost = cost;
  }

  const completion = attrs[OBSERVATION.completionStartTime];
  if (typeof completion === "string") {
    const ms = Date.parse(completion);
    if (!Number.isNaN(ms)) obs.completionStartMs = ms;
  }

  const prompt = promptOf(span, type, here);
  if (prompt !== undefined) obs.prompt = prompt;
  return obs;
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
  const attrs = span.attributes;
  const declared = attrs[OBSERVATION.type];
  if (isObservationType(declared)) return declared;
  const inferred = inferType(attrs);
  if (meaningful(declared)) {
    here(
      `Observation type ${quote(show(declared))} of span ${quote(span.name)} is not one of ` +
        `${OBSERVATION_TYPES.join(", ")}; Langfuse uses ${quote(inferred)}`,
    );
  }
  return inferred;
}

function inferType(attrs: Record<string, AttrValue>): ObservationType {
  const operation = attrs[SEMCONV.operationName];
  if (typeof operation === "string" && Object.hasOwn(OPERATION_TYPES, operation)) {
    return OPERATION_TYPES[operation];
  }
  if (meaningful(attrs[SEMCONV.toolName]) || meaningful(attrs[SEMCONV.toolCallId])) return "tool";
  const modelKeys = [OBSERVATION.model, SEMCONV.requestModel, SEMCONV.responseModel];
  if (modelKeys.some((key) => meaningful(attrs[key]))) return "generation";
  return "span";
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

function usageOf(span: ReceivedSpan, here: (message: string) => void): ViewUsage | undefined {
  const attrs = span.attributes;
  const raw = attrs[OBSERVATION.usage];
  let buckets: Record<string, number>;
  if (raw) {
    // A present but unreadable usage_details wins over gen_ai.usage.*: Langfuse records nothing.
    const parsed = typeof raw === "string" ? parseJson(raw) : undefined;
    if (!isPlainObject(parsed)) {
      here(
        `Usage details of span ${
          quote(span.name)
        } are not a JSON object; Langfuse records no usage`,
      );
      return undefined;
    }
    buckets = numbers(parsed);
  } else {
    buckets = {};
    const input = number(attrs[SEMCONV.inputTokens]);
    const output = number(attrs[SEMCONV.outputTokens]);
    const total = number(attrs[SEMCONV.totalTokens]);
    if (input !== undefined) buckets.input = input;
    if (output !== undefined) buckets.output = output;
    if (total !== undefined) buckets.total = total;
  }
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

function costOf(span: ReceivedSpan, here: (message: string) => void): number | undefined {
  const attrs = span.attributes;
  const raw = attrs[OBSERVATION.cost];
  if (raw) {
    const parsed = typeof raw === "string" ? parseJson(raw) : undefined;
    if (!isPlainObject(parsed)) {
      here(
        `Cost details of span ${quote(span.name)} are not a JSON object; Langfuse records no cost`,
      );
      return undefined;
    }
    const buckets = numbers(parsed);
    if (buckets.total !== undefined) return buckets.total;
    // Without a total, Langfuse adds input and output only when they are the only buckets.
    const keys = Object.keys(buckets);
    if (keys.length > 0 && keys.every((key) => key === "input" || key === "output")) {
      return sum(Object.values(buckets));
    }
    return undefined;
  }
  return number(attrs[SEMCONV.cost]);
}

function promptOf(
  span: ReceivedSpan,
  type: ObservationType,
  here: (message: string) => void,
): ViewObservation["prompt"] {
  const attrs = span.attributes;
  const name = text(attrs[OBSERVATION.promptName]);
  const rawVersion = attrs[OBSERVATION.promptVersion];
  if (name === undefined && (rawVersion === undefined || rawVersion === null)) return undefined;
  if (type !== "generation") {
    here(
      `Prompt link on ${type} ${
        quote(span.name)
      } is ignored; Langfuse links prompts to generations only`,
    );
    return undefined;
  }
  const versionType = span.attributeTypes[OBSERVATION.promptVersion];
  const prompt: ViewObservation["prompt"] = {};
  if (name !== undefined) prompt.name = name;
  if (versionType === "int" && typeof rawVersion === "number") {
    prompt.version = rawVersion;
  } else if (rawVersion === undefined || rawVersion === null) {
    here(
      `Prompt ${quote(name ?? "")} of span ${
        quote(span.name)
      } has no version; Langfuse drops this observation`,
    );
  } else {
    here(
      `Prompt version ${quote(show(rawVersion))} of span ${quote(span.name)} is a ${
        versionType ?? "missing"
      } ` +
        `attribute, not an int; Langfuse drops this observation`,
    );
  }
  return prompt;
}

function hasUsageOrCost(attrs: Record<string, AttrValue>): boolean {
  return Object.keys(attrs).some((key) =>
    key === OBSERVATION.usage || key === OBSERVATION.cost || key.startsWith(SEMCONV.usagePrefix)
  );
}

function isObservationType(value: AttrValue | undefined): value is ObservationType {
  return typeof value === "string" && (OBSERVATION_TYPES as readonly string[]).includes(value);
}
