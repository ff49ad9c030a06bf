/**
 * A generation's input messages, in OpenAI's chat format as Langfuse shows it: `system`,
 * `developer` (OpenAI's name for system instructions to reasoning models), `user`, `assistant`
 * (with `tool_calls` when it called tools) and `tool` (with the `tool_call_id` it answers).
 * `messageListProblems` checks what a single message cannot: every tool message answers an
 * earlier call of the list, and every call is answered (OpenAI refuses a request otherwise).
 */
import { z } from "zod";
import { formatPath } from "./errors.ts";
import { Content } from "./schema_content.ts";

/** Roles of a chat message. */
export const MESSAGE_ROLES = ["system", "developer", "user", "assistant", "tool"] as const;

/** A message role. */
export type MessageRole = typeof MESSAGE_ROLES[number];

const ID = /^[A-Za-z0-9_-]{1,64}$/;

/** One tool call of an assistant message, as OpenAI writes it. */
export const ToolCall = z.strictObject({
  id: z.string().regex(ID, {
    error: "must be a tool call id like call_1: letters, digits, _ or -, at most 64",
  }),
  type: z.literal("function").optional().describe("Always function (the default)"),
  function: z.strictObject({
    name: z.string().regex(ID, {
      error: "must be a function name: letters, digits, _ or -, at most 64",
    }),
    arguments: Content.describe(
      "The call's arguments: a mapping (sent as its JSON text, as OpenAI sends them) or text",
    ),
  }),
});

/** A validated tool call. */
export type ToolCallInput = z.infer<typeof ToolCall>;

/** One chat message. */
export const Message = z.strictObject({
  role: z.enum(MESSAGE_ROLES),
  name: z.string().min(1).max(80).optional().describe(
    "A tool message's step name: when that step fails in load mode, the message carries its " +
      "error result instead",
  ),
  content: Content.optional().describe(
    "What the message says; only an assistant message with tool_calls may leave it out",
  ),
  tool_calls: z.array(ToolCall).min(1).optional().describe(
    "assistant: the tools it calls, each answered by a later tool message",
  ),
  tool_call_id: z.string().regex(ID, {
    error: "must be a tool call id like call_1: letters, digits, _ or -, at most 64",
  }).optional().describe("tool: the id of the earlier tool call this message answers"),
}).superRefine((message, ctx) => {
  if (message.content === undefined && !(message.role === "assistant" && message.tool_calls)) {
    ctx.addIssue({ code: "custom", path: ["content"], message: "is required" });
  }
  if (message.tool_calls !== undefined && message.role !== "assistant") {
    ctx.addIssue({
      code: "custom",
      path: ["tool_calls"],
      message: `is only allowed on an assistant message, not on role "${message.role}"`,
    });
  }
  if (message.tool_call_id !== undefined && message.role !== "tool") {
    ctx.addIssue({
      code: "custom",
      path: ["tool_call_id"],
      message: `is only allowed on a tool message, not on role "${message.role}"`,
    });
  }
});

/** A validated message. */
export type MessageInput = z.infer<typeof Message>;

/** A generation's input messages. */
export const MessageList = z.array(Message).describe(
  "Generation input messages (OpenAI chat format): role system, developer, user, assistant " +
    "(tool_calls) or tool (tool_call_id)",
);

/**
 * Problems of a message list as a whole, with paths relative to the list: a tool call id used
 * twice, a tool message answering no earlier call, a call no later tool message answers.
 */
export function messageListProblems(
  messages: readonly MessageInput[],
): { path: PropertyKey[]; message: string }[] {
  const problems: { path: PropertyKey[]; message: string }[] = [];
  const calls = new Map<string, PropertyKey[]>();
  const answered = new Set<string>();
  for (const [m, message] of messages.entries()) {
    // Calls and answers in the wrong place, or with a malformed id, are reported by the message.
    const own = message.role === "assistant" ? message.tool_calls ?? [] : [];
    for (const [c, call] of own.entries()) {
      if (!ID.test(call.id)) continue;
      const path = [m, "tool_calls", c, "id"];
      const earlier = calls.get(call.id);
      if (earlier) {
        problems.push({
          path,
          message: `"${call.id}" is already the id of messages${formatPath(earlier)}`,
        });
      } else calls.set(call.id, [m, "tool_calls", c]);
    }
    const id = message.tool_call_id;
    if (id === undefined || message.role !== "tool" || !ID.test(id)) continue;
    if (!calls.has(id)) {
      problems.push({
        path: [m, "tool_call_id"],
        message: `names "${id}", which no earlier tool call of these messages has` +
          (calls.size > 0 ? ` (${[...calls.keys()].join(", ")})` : ""),
      });
    }
    answered.add(id);
  }
  for (const [id, path] of calls) {
    if (!answered.has(id)) {
      problems.push({
        path: [...path, "id"],
        message: `"${id}" is answered by no later tool message (tool_call_id: ${id}); ` +
          "OpenAI refuses a request with an unanswered tool call",
      });
    }
  }
  return problems;
}
