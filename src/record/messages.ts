/**
 * A recorded generation input as a script's `messages`: a list of OpenAI chat messages (system,
 * developer, user, assistant with tool calls, tool answers) whose every field the script format
 * holds, its content scrubbed and its tool call ids replaced by `call_1`, `call_2`, … (the same
 * recorded id gets the same replacement across the session). Anything else stays the step's raw
 * `input`. Pure.
 */
import type { Json } from "../plan/types.ts";
import {
  MESSAGE_ROLES,
  type MessageInput,
  messageListProblems,
  type ToolCallInput,
} from "../script/schema_messages.ts";

/** What converting messages needs from the recording. */
export interface MessageContext {
  /** Scrubs content (templates for personal data). */
  content(value: Json): Json;
  /** Whether a function name can be kept as recorded (no personal data, no recorded id). */
  clean(text: string): boolean;
  /** Recorded tool call id -> its replacement, shared by the session. */
  callIds: Map<string, string>;
}

const MESSAGE_KEYS = ["name", "role", "content", "tool_calls", "tool_call_id"];
const NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The script messages of a recorded input, or undefined when it is not a list of chat messages
 * the script format holds (then the caller keeps it as raw input).
 */
export function scriptMessages(
  input: Json | undefined,
  ctx: MessageContext,
): MessageInput[] | undefined {
  if (!Array.isArray(input) || input.length === 0) return undefined;
  const messages: MessageInput[] = [];
  for (const item of input) {
    const message = scriptMessage(item, ctx);
    if (!message) return undefined;
    messages.push(message);
  }
  // A list whose calls and answers do not pair up would not validate: keep it raw.
  return messageListProblems(messages).length === 0 ? messages : undefined;
}

function scriptMessage(item: Json, ctx: MessageContext): MessageInput | undefined {
  if (!isObject(item) || !Object.keys(item).every((key) => MESSAGE_KEYS.includes(key))) {
    return undefined;
  }
  const role = item.role;
  if (!(MESSAGE_ROLES as readonly Json[]).includes(role)) return undefined;
  const message: MessageInput = { role: role as MessageInput["role"] };
  // A tool message's step name, as scripts write it, when it is safe to keep.
  if (typeof item.name === "string" && item.name.length <= 80 && ctx.clean(item.name)) {
    message.name = item.name;
  }
  if ("content" in item) message.content = ctx.content(item.content);
  if (item.tool_calls !== undefined) {
    if (role !== "assistant" || !Array.isArray(item.tool_calls)) return undefined;
    const calls = item.tool_calls.map((call) => toolCall(call, ctx));
    if (calls.length === 0 || calls.some((call) => call === undefined)) return undefined;
    message.tool_calls = calls as ToolCallInput[];
  } else if (!("content" in item)) return undefined;
  if (item.tool_call_id !== undefined) {
    if (role !== "tool" || typeof item.tool_call_id !== "string") return undefined;
    message.tool_call_id = callId(item.tool_call_id, ctx);
  }
  return message;
}

function toolCall(call: Json, ctx: MessageContext): ToolCallInput | undefined {
  if (!isObject(call) || typeof call.id !== "string" || !isObject(call.function)) return undefined;
  if (call.type !== undefined && call.type !== "function") return undefined;
  const { name, arguments: args } = call.function;
  if (typeof name !== "string" || !NAME.test(name) || !ctx.clean(name)) return undefined;
  // OpenAI sends arguments as JSON text; a mapping reads better in a script and replays the same.
  const parsed = typeof args === "string" ? parseObject(args) : undefined;
  return {
    id: callId(call.id, ctx),
    type: "function",
    function: { name, arguments: ctx.content(parsed ?? args ?? {}) },
  };
}

function callId(recorded: string, ctx: MessageContext): string {
  let id = ctx.callIds.get(recorded);
  if (id === undefined) {
    id = `call_${ctx.callIds.size + 1}`;
    ctx.callIds.set(recorded, id);
  }
  return id;
}

function parseObject(text: string): Json | undefined {
  try {
    const parsed = JSON.parse(text) as Json;
    return isObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function isObject(value: Json | undefined): value is { [key: string]: Json } {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
