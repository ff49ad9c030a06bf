/**
 * An observation's input and output the way Langfuse finds them
 * (`extractInputAndOutput` in `packages/shared/src/server/otel/OtelIngestionProcessor.ts` at
 * v4.16.0): Langfuse's own attributes first, then the Vercel AI SDK's (scope `ai`), GenAI span
 * events, then each framework's attribute pair in Langfuse's order, the first that has a value
 * winning. The Genkit and Flue branches (gated on their scopes) are not modelled.
 * Private to the folder.
 */
import type { AttrValue, ReceivedSpan } from "../../otlp/decode.ts";
import { OBSERVATION } from "../../emit/attributes.ts";
import type { Json } from "../../plan/types.ts";
import { isPlainObject, jsonOrRaw, parseJson, toJson } from "./_values.ts";

/** Input and output as Langfuse stores them; undefined where there is none. */
export interface ObservationIo {
  input?: Json;
  output?: Json;
}

type Attrs = Record<string, AttrValue>;
type Event = ReceivedSpan["events"][number];

/** Attribute pairs read in this order when no earlier source had a value: [inputs, outputs]. */
const PAIRS: [readonly string[], readonly string[]][] = [
  [["prompt"], ["all_messages_events"]], // Logfire
  [["lk.input_text", "lk.user_transcript", "lk.chat_ctx"], [
    "lk.function_tool.output",
    "lk.response.text",
  ]], // LiveKit
];
const PAIRS_AFTER_EVENTS: [readonly string[], readonly string[]][] = [
  [["mlflow.spanInputs"], ["mlflow.spanOutputs"]],
  [["traceloop.entity.input"], ["traceloop.entity.output"]],
  [["input.value"], ["output.value"]], // OpenInference, SmolAgents
  [["input"], ["output"]], // Pydantic, Pipecat
];

const MESSAGE_EVENTS = new Set([
  "gen_ai.system.message",
  "gen_ai.user.message",
  "gen_ai.assistant.message",
  "gen_ai.tool.message",
]);

/** The input and output Langfuse reads from `span`. */
export function observationIo(span: ReceivedSpan): ObservationIo {
  return ioOf(span.attributes, span.events, span.scope.name);
}

function ioOf(attrs: Attrs, events: readonly Event[], scope: string): ObservationIo {
  const own = [attrs[OBSERVATION.input], attrs[OBSERVATION.output]];
  if (own.some(present)) return shown(own[0], own[1]);
  if (scope === "ai") return vercelIo(attrs);

  const details = events.filter((event) =>
    event.name === "gen_ai.client.inference.operation.details"
  );
  for (const event of details) {
    const io = genAiIo(event.attributes);
    if (io) return io;
  }
  const fromEvents = messageEventsIo(events) ?? legacyEventsIo(events, scope);
  if (fromEvents) return fromEvents;

  const vertexIn = attrs["gcp.vertex.agent.llm_request"];
  const vertexOut = attrs["gcp.vertex.agent.llm_response"];
  const vertex = [
    vertexIn === "{}" || !vertexIn ? attrs["gcp.vertex.agent.tool_call_args"] : vertexIn,
    vertexOut === "{}" || !vertexOut ? attrs["gcp.vertex.agent.tool_response"] : vertexOut,
  ];
  if (vertex.some(Boolean)) return shown(vertex[0], vertex[1]);
  const early = firstPair(attrs, PAIRS);
  if (early) return early;
  const logfire = logfireEventsIo(attrs.events);
  if (logfire) return logfire;
  const late = firstPair(attrs, PAIRS_AFTER_EVENTS);
  if (late) return late;
  if (scope === "pydantic-ai") {
    const messages = attrs["pydantic_ai.all_messages"];
    const result = attrs["final_result"];
    if (messages || result) {
      return shown(withSystem(messages, attrs["gen_ai.system_instructions"]), result);
    }
  }
  const tool = firstPair(attrs, [[["tool_arguments"], ["tool_response"]]]);
  if (tool) return tool;
  const traceloop = keyPathIo(attrs, "gen_ai.prompt", "gen_ai.completion");
  if (traceloop) return traceloop;
  const openInference = keyPathIo(attrs, "llm.input_messages", "llm.output_messages");
  if (openInference) return openInference;
  return genAiIo(attrs) ?? {};
}

/**
 * The Vercel AI SDK: the prompt messages (or prompt, or tool arguments) in; the response text,
 * else tool result, object or tool calls out; text and tool calls together as one assistant
 * message. GenAI message attributes fill what is still missing (AI SDK 7).
 */
function vercelIo(attrs: Attrs): ObservationIo {
  const input = ["ai.prompt.messages", "ai.prompt", "ai.toolCall.args"].find((key) =>
    Object.hasOwn(attrs, key)
  );
  let output: AttrValue | undefined;
  if (Object.hasOwn(attrs, "ai.response.text") && Object.hasOwn(attrs, "ai.response.toolCalls")) {
    output = JSON.stringify({
      role: "assistant",
      content: toJson(attrs["ai.response.text"]),
      tool_calls: toJson(attrs["ai.response.toolCalls"]),
    });
  } else if (attrs["ai.response.text"]) {
    output = attrs["ai.response.text"];
  } else {
    const key = [
      "ai.result.text",
      "ai.toolCall.result",
      "ai.response.object",
      "ai.result.object",
      "ai.response.toolCalls",
      "ai.result.toolCalls",
    ].find((name) => Object.hasOwn(attrs, name));
    if (key !== undefined) output = attrs[key];
  }
  const genAi = genAiIo(attrs);
  return shown(
    present(input === undefined ? undefined : attrs[input])
      ? attrs[input!]
      : genAi?.input ?? undefined,
    present(output) ? output : genAi?.output ?? undefined,
  );
}

/** GenAI semconv 1.37+ messages (system instructions prepended), else tool call arguments. */
function genAiIo(attrs: Attrs): ObservationIo | undefined {
  const messages = attrs["gen_ai.input.messages"];
  const answer = attrs["gen_ai.output.messages"];
  if (messages || answer) {
    return shown(withSystem(messages, attrs["gen_ai.system_instructions"]), answer);
  }
  const args = attrs["gen_ai.tool.call.arguments"];
  const result = attrs["gen_ai.tool.call.result"];
  return args || result ? shown(args, result) : undefined;
}

/** GenAI message events: each input event a message with its role, `gen_ai.choice` the output. */
function messageEventsIo(events: readonly Event[]): ObservationIo | undefined {
  const inputs = events.filter((event) => MESSAGE_EVENTS.has(event.name));
  const choices = events.filter((event) => event.name === "gen_ai.choice");
  if (inputs.length === 0 && choices.length === 0) return undefined;
  const io: ObservationIo = {};
  if (inputs.length > 0) {
    io.input = inputs.map((event) => ({
      role: event.name.replace("gen_ai.", "").replace(".message", ""),
      ...jsonObject(event.attributes),
    }));
  }
  if (choices.length > 0) {
    const outputs = choices.map((event) => jsonObject(event.attributes));
    io.output = outputs.length === 1 ? outputs[0] : outputs;
  }
  return io;
}

/** Semantic Kernel's older `gen_ai.content.prompt` / `.completion` events, read recursively. */
function legacyEventsIo(events: readonly Event[], scope: string): ObservationIo | undefined {
  const prompt = events.find((event) => event.name === "gen_ai.content.prompt");
  const completion = events.find((event) => event.name === "gen_ai.content.completion");
  if (!prompt && !completion) return undefined;
  const inner = (attrs: Attrs, side: "input" | "output"): Json => {
    const found = ioOf(attrs, [], scope)[side];
    return found !== undefined && found !== "" ? found : jsonObject(attrs);
  };
  return {
    input: inner(prompt?.attributes ?? {}, "input"),
    output: inner(completion?.attributes ?? {}, "output"),
  };
}

/** Logfire's `events` attribute: a JSON array of GenAI events, the choice as output. */
function logfireEventsIo(raw: AttrValue | undefined): ObservationIo | undefined {
  if (typeof raw !== "string" && !Array.isArray(raw)) return undefined;
  const parsed = typeof raw === "string" ? parseJson(raw) : toJson(raw);
  const list = Array.isArray(parsed) ? parsed : [];
  const choice = list.find((event) =>
    isPlainObject(event) && event["event.name"] === "gen_ai.choice"
  );
  const inputs = list.filter((event) =>
    !(isPlainObject(event) && event["event.name"] === "gen_ai.choice")
  );
  if (choice === undefined && inputs.length === 0) return undefined;
  const io: ObservationIo = {};
  if (inputs.length > 0) io.input = inputs;
  if (choice !== undefined) io.output = choice;
  return io;
}

function firstPair(
  attrs: Attrs,
  pairs: readonly [readonly string[], readonly string[]][],
): ObservationIo | undefined {
  for (const [inputs, outputs] of pairs) {
    const input = inputs.map((key) => attrs[key]).find(Boolean);
    const output = outputs.map((key) => attrs[key]).find(Boolean);
    if (input || output) return shown(input, output);
  }
  return undefined;
}

/**
 * Flat indexed attributes (`gen_ai.prompt.0.role`, `llm.input_messages.0.message.content`)
 * rebuilt into arrays and objects, as Langfuse does; the bare prefix, when set, wins.
 */
function keyPathIo(attrs: Attrs, inPrefix: string, outPrefix: string): ObservationIo | undefined {
  const keys = Object.keys(attrs);
  const ins = keys.filter((key) => key.startsWith(inPrefix));
  const outs = keys.filter((key) => key.startsWith(outPrefix));
  if (ins.length === 0 && outs.length === 0) return undefined;
  return {
    input: nested(attrs, ins, inPrefix),
    output: nested(attrs, outs, outPrefix),
  };
}

function nested(attrs: Attrs, keys: readonly string[], prefix: string): Json {
  if (attrs[prefix]) return toJson(attrs[prefix]);
  const paths = keys.map((key) => [key, key.replace(`${prefix}.`, "").split(".")] as const);
  const asArray = paths.some(([, path]) => path.length > 1 && /^\d+$/.test(path[0]));
  const root: { [key: string]: Json } | Json[] = asArray ? [] : {};
  for (const [key, path] of paths) {
    if (asArray && (path.length < 2 || !/^\d+$/.test(path[0]))) continue;
    setPath(root, path, toJson(attrs[key]));
  }
  if (Array.isArray(root)) return Array.from(root, (item) => item ?? null);
  return root;
}

const UNSAFE_KEYS = new Set(["__proto__", "constructor", "prototype"]);

function setPath(root: { [key: string]: Json } | Json[], path: readonly string[], value: Json) {
  if (path.some((part) => UNSAFE_KEYS.has(part))) return;
  let here: { [key: string]: Json } | Json[] = root;
  for (let i = 0; i < path.length - 1; i++) {
    const slot = (here as Record<string, Json>)[path[i]];
    if (slot !== null && typeof slot === "object") {
      here = slot;
      continue;
    }
    const fresh: { [key: string]: Json } | Json[] = /^\d+$/.test(path[i + 1]) ? [] : {};
    (here as Record<string, Json>)[path[i]] = fresh;
    here = fresh;
  }
  (here as Record<string, Json>)[path[path.length - 1]] = value;
}

/**
 * `gen_ai.system_instructions` as a leading system message, unless the messages already have
 * one; messages that are not a JSON array stay as they are.
 */
function withSystem(messages: AttrValue | undefined, system: AttrValue | undefined) {
  if (!messages || !system) return messages;
  const list = typeof messages === "string" ? parseJson(messages) : toJson(messages);
  if (!Array.isArray(list)) return messages;
  if (list.some((message) => isPlainObject(message) && message.role === "system")) {
    return messages;
  }
  const parsed = typeof system === "string" ? parseJson(system) ?? system : toJson(system);
  const content = Array.isArray(parsed)
    ? parsed.map((part) =>
      isPlainObject(part) && part.content ? String(part.content) : String(part)
    ).join("\n")
    : typeof parsed === "string"
    ? parsed
    : JSON.stringify(parsed);
  const merged = [{ role: "system", content }, ...list];
  return typeof messages === "string" ? JSON.stringify(merged) : merged;
}

function jsonObject(attrs: Attrs): { [key: string]: Json } {
  return Object.fromEntries(Object.entries(attrs).map(([key, value]) => [key, toJson(value)]));
}

function present(value: AttrValue | Json | undefined): boolean {
  return value !== undefined && value !== null;
}

/** Stored values as Langfuse shows them: a JSON string parsed, anything else as it is. */
function shown(
  input: AttrValue | Json | undefined,
  output: AttrValue | Json | undefined,
): ObservationIo {
  const io: ObservationIo = {};
  if (present(input)) io.input = show(input!);
  if (present(output)) io.output = show(output!);
  return io;
}

function show(value: AttrValue | Json): Json {
  return typeof value === "string" ? jsonOrRaw(value) : toJson(value as AttrValue);
}
