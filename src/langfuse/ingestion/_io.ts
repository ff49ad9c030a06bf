/**
 * A span's input and output as Langfuse takes them, in the order its OtelIngestionProcessor
 * `extractInputAndOutput` tries each dialect: Langfuse's own keys, the Vercel AI SDK (scope `ai`
 * only), GenAI v1.37+ operation-details events, GenAI message events, Traceloop's entity keys,
 * OpenInference's `input.value`/`output.value`, plain `input`/`output`, Traceloop's flattened
 * `gen_ai.prompt.*`/`gen_ai.completion.*`, OpenInference's flattened `llm.*_messages.*`, then
 * GenAI `gen_ai.input.messages`/`output.messages` and tool call arguments/result. Frameworks
 * this tool does not model (Genkit, Flue, Vertex ADK, Logfire, LiveKit, MLflow, Pydantic AI)
 * are skipped. Facts and sources: fixtures/langfuse/dialects.md. Private to the folder.
 */
import type { AttrValue, ReceivedSpan } from "../../otlp/decode.ts";
import type { Json } from "../../plan/types.ts";
import { OBSERVATION, TRACE } from "../../emit/attributes.ts";
import { VERCEL_SCOPE } from "./dialects.ts";
import { isPlainObject, jsonOrRaw, parseJson, toJson } from "./_values.ts";

/** Input and output as Langfuse stores them; a JSON string is shown parsed. */
export interface SpanIo {
  input?: Json;
  output?: Json;
  /** The attribute or event the values came from, for messages. */
  source?: string;
}

type Attrs = Record<string, AttrValue>;

/**
 * The span's input and output. `trace` reads as Langfuse builds a trace record from a root span
 * (v3 servers, trace evaluators): `langfuse.trace.input`/`output` first.
 */
export function ioOf(
  span: Pick<ReceivedSpan, "attributes" | "events" | "scope">,
  domain: "observation" | "trace" = "observation",
): SpanIo {
  const attrs = span.attributes;
  // Langfuse: any native value (even an empty string) ends the search.
  const input = domain === "trace" && attrs[TRACE.input]
    ? attrs[TRACE.input]
    : attrs[OBSERVATION.input];
  const output = domain === "trace" && attrs[TRACE.output]
    ? attrs[TRACE.output]
    : attrs[OBSERVATION.output];
  if (isSet(input) || isSet(output)) return io(input, output, "langfuse.observation.input/output");
  if (span.scope.name === VERCEL_SCOPE) return vercelIo(attrs);
  return eventIo(span.events) ?? keyedIo(attrs) ?? {};
}

/** The Vercel AI SDK's keys, then GenAI messages (AI SDK 7 writes `gen_ai.*`). */
function vercelIo(attrs: Attrs): SpanIo {
  const input = ["ai.prompt.messages", "ai.prompt", "ai.toolCall.args"]
    .map((key) => key in attrs ? attrs[key] : undefined).find((value) => value !== undefined);
  let output: AttrValue | undefined;
  if ("ai.response.text" in attrs && "ai.response.toolCalls" in attrs) {
    output = JSON.stringify({
      role: "assistant",
      content: attrs["ai.response.text"],
      tool_calls: attrs["ai.response.toolCalls"],
    });
  } else if ("ai.response.text" in attrs && attrs["ai.response.text"]) {
    output = attrs["ai.response.text"];
  } else {
    output = [
      "ai.result.text",
      "ai.toolCall.result",
      "ai.response.object",
      "ai.result.object",
      "ai.response.toolCalls",
      "ai.result.toolCalls",
    ].map((key) => key in attrs ? attrs[key] : undefined).find((value) => value !== undefined);
  }
  const genAi = genAiIo(attrs);
  return io(input ?? genAi?.input, output ?? genAi?.output, "ai.prompt/ai.response");
}

/** GenAI v1.37+ operation-details events, then the older per-message events. */
function eventIo(events: ReceivedSpan["events"]): SpanIo | undefined {
  for (const event of events) {
    if (event.name !== "gen_ai.client.inference.operation.details") continue;
    const found = genAiIo(event.attributes);
    if (found) return found;
  }
  const roles = ["system", "user", "assistant", "tool"].map((role) => `gen_ai.${role}.message`);
  const inputs = events.filter((event) => roles.includes(event.name));
  const choices = events.filter((event) => event.name === "gen_ai.choice");
  if (inputs.length === 0 && choices.length === 0) return undefined;
  const input = inputs.length === 0 ? undefined : inputs.map((event) => ({
    role: event.name.slice("gen_ai.".length, -".message".length),
    ...(toJson(event.attributes) as { [key: string]: Json }),
  }));
  const outputs = choices.map((event) => toJson(event.attributes));
  const output = outputs.length === 0 ? undefined : outputs.length === 1 ? outputs[0] : outputs;
  const out: SpanIo = { source: "gen_ai message events" };
  if (input !== undefined) out.input = input;
  if (output !== undefined) out.output = output;
  return out;
}

/** The attribute pairs after Langfuse's and Vercel's, in Langfuse's order. */
function keyedIo(attrs: Attrs): SpanIo | undefined {
  const pairs = [
    ["traceloop.entity.input", "traceloop.entity.output"],
    ["input.value", "output.value"],
    ["input", "output"],
  ] as const;
  for (const [inKey, outKey] of pairs) {
    if (attrs[inKey] || attrs[outKey]) return io(attrs[inKey], attrs[outKey], `${inKey}/${outKey}`);
  }
  for (
    const [inPrefix, outPrefix] of [
      ["gen_ai.prompt", "gen_ai.completion"],
      ["llm.input_messages", "llm.output_messages"],
    ] as const
  ) {
    const input = nested(attrs, inPrefix);
    const output = nested(attrs, outPrefix);
    if (input === undefined && output === undefined) continue;
    const out: SpanIo = { source: `${inPrefix}.*/${outPrefix}.*` };
    out.input = input ?? {};
    out.output = output ?? {};
    return out;
  }
  return genAiIo(attrs);
}

/** GenAI messages (system instructions put first), else tool call arguments and result. */
function genAiIo(attrs: Attrs): SpanIo | undefined {
  const messages = attrs["gen_ai.input.messages"];
  const output = attrs["gen_ai.output.messages"];
  if (messages || output) {
    const input = messages && attrs["gen_ai.system_instructions"]
      ? withSystem(messages, attrs["gen_ai.system_instructions"])
      : messages;
    return io(input, output, "gen_ai.input.messages/gen_ai.output.messages");
  }
  const args = attrs["gen_ai.tool.call.arguments"];
  const result = attrs["gen_ai.tool.call.result"];
  if (args || result) return io(args, result, "gen_ai.tool.call.arguments/result");
  return undefined;
}

/** Langfuse puts `gen_ai.system_instructions` first as a system message unless one is there. */
function withSystem(messages: AttrValue, instructions: AttrValue): AttrValue {
  const list = typeof messages === "string" ? parseJson(messages) : toJson(messages);
  if (!Array.isArray(list)) return messages;
  if (list.some((message) => isPlainObject(message) && message.role === "system")) return messages;
  const parsed = typeof instructions === "string"
    ? parseJson(instructions) ?? instructions
    : toJson(instructions);
  const content = Array.isArray(parsed)
    ? parsed.map((part) =>
      isPlainObject(part) && part.content ? String(part.content) : String(part)
    ).join("\n")
    : String(parsed);
  const merged = [{ role: "system", content }, ...list];
  return typeof messages === "string" ? JSON.stringify(merged) : (merged as AttrValue);
}

/** Flattened `prefix.0.role` keys rebuilt into the list or object they came from. */
function nested(attrs: Attrs, prefix: string): Json | undefined {
  const keys = Object.keys(attrs).filter((key) => key.startsWith(prefix));
  if (keys.length === 0) return undefined;
  if (attrs[prefix]) return jsonOrRaw(attrs[prefix]);
  const paths = keys.map((key) => key.replace(`${prefix}.`, ""));
  const root: { [key: string]: Json } | Json[] = paths.some((path) => /^\d+\./.test(path))
    ? []
    : {};
  for (const [i, path] of paths.entries()) {
    const parts = path.split(".");
    if (parts.some((part) => part === "__proto__" || part === "constructor")) continue;
    let node = root as { [key: string]: Json };
    for (const [depth, part] of parts.slice(0, -1).entries()) {
      if (!(part in node)) node[part] = /^\d+$/.test(parts[depth + 1]) ? [] : {};
      node = node[part] as { [key: string]: Json };
    }
    node[parts[parts.length - 1]] = toJson(attrs[keys[i]]);
  }
  return root;
}

function io(input: AttrValue | undefined, output: AttrValue | undefined, source: string): SpanIo {
  const out: SpanIo = { source };
  if (isSet(input)) out.input = jsonOrRaw(input);
  if (isSet(output)) out.output = jsonOrRaw(output);
  return out;
}

/** Present and not null (Langfuse's `!= null`). */
function isSet(value: AttrValue | undefined): value is AttrValue {
  return value !== undefined && value !== null;
}
