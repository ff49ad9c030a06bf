/**
 * A generation's rendered messages as OpenAI sends them, which is what Langfuse's chat view reads:
 * each tool call as `{ id, type: "function", function: { name, arguments } }` with its arguments
 * as JSON text (a script may write them as a mapping). Other messages stay as written. Pure.
 */
import type { Json } from "./types.ts";

/** The messages with every assistant tool call in OpenAI's form. */
export function openAiMessages(messages: Json): Json {
  if (!Array.isArray(messages)) return messages;
  return messages.map((message) => {
    if (!isObject(message) || !Array.isArray(message.tool_calls)) return message;
    return { ...message, tool_calls: message.tool_calls.map(openAiToolCall) };
  });
}

function openAiToolCall(call: Json): Json {
  if (!isObject(call) || !isObject(call.function)) return call;
  const args = call.function.arguments;
  return {
    id: call.id,
    type: "function",
    function: {
      name: call.function.name,
      arguments: typeof args === "string" ? args : JSON.stringify(args ?? {}),
    },
  };
}

function isObject(value: Json | undefined): value is { [key: string]: Json } {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
