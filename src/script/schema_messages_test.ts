import { test } from "node:test";
import assert from "node:assert/strict";
import { oneTurnScript, scriptProblems } from "../../testing/scripts.ts";
import { parseScript } from "./read.ts";

/** A script whose one generation has `messages` (YAML lines, indented under `messages:`). */
function script(messages: string): string {
  const lines = messages.trim().split("\n").map((line) => `    ${line}`).join("\n");
  return oneTurnScript(
    `- type: generation\n  name: answer\n  model: o4-mini\n  messages:\n${lines}`,
  );
}

const problems = scriptProblems;

const CALL = `- role: assistant
  tool_calls:
    - { id: call_1, type: function, function: { name: lookup_order, arguments: { scope: latest } } }`;
const ANSWER = `- { role: tool, tool_call_id: call_1, content: { status: in_transit } }`;
const M = "turns[0].steps[0].messages";

test("messages take the developer role, assistant tool calls and the tool messages answering them", () => {
  const text = script(`
- { role: developer, content: Answer briefly. }
- { role: user, content: Where is my order? }
${CALL}
${ANSWER}
- { role: tool, content: legacy answer without an id }`);
  const messages = parseScript(text, "x.yaml").turns[0].steps[0].messages!;
  assert.deepEqual(messages.map((message) => message.role), [
    "developer",
    "user",
    "assistant",
    "tool",
    "tool",
  ]);
  assert.deepEqual(messages[2].tool_calls, [{
    id: "call_1",
    type: "function",
    function: { name: "lookup_order", arguments: { scope: "latest" } },
  }]);
  assert.equal(messages[3].tool_call_id, "call_1");
});

test("a message list is refused where it breaks OpenAI's chat format", () => {
  const cases: [string, string, string[]][] = [
    [
      "a tool message answering no earlier call",
      `- { role: tool, tool_call_id: call_9, content: x }\n${CALL}\n${ANSWER}`,
      [`15:41 ${M}[0].tool_call_id names "call_9", which no earlier tool call of these messages has`],
    ],
    [
      "a call no later tool message answers",
      CALL,
      [
        `17:23 ${M}[0].tool_calls[0].id "call_1" is answered by no later tool message ` +
        "(tool_call_id: call_1); OpenAI refuses a request with an unanswered tool call",
      ],
    ],
    [
      "one id on two calls",
      `${CALL}\n${CALL}\n${ANSWER}`,
      [`20:23 ${M}[1].tool_calls[0].id "call_1" is already the id of messages[0].tool_calls[0]`],
    ],
    [
      "tool calls on a user message",
      `- role: user\n  content: hi\n  tool_calls: [{ id: call_1, function: { name: f, arguments: "{}" } }]`,
      [`17:25 ${M}[0].tool_calls is only allowed on an assistant message, not on role "user"`],
    ],
    [
      "a tool call id on an assistant message",
      "- { role: assistant, content: ok, tool_call_id: call_1 }",
      [`15:59 ${M}[0].tool_call_id is only allowed on a tool message, not on role "assistant"`],
    ],
    [
      "a user message without content",
      "- { role: user }",
      [`15:13 ${M}[0].content is required`],
    ],
    [
      "an unknown role",
      "- { role: function, content: x }",
      [`15:21 ${M}[0].role must be one of system, developer, user, assistant, tool`],
    ],
    [
      "a call id with a space",
      "- role: assistant\n  tool_calls: [{ id: call 1, function: { name: f, arguments: {} } }]",
      [`16:32 ${M}[0].tool_calls[0].id must be a tool call id like call_1: letters, digits, _ or -, at most 64`],
    ],
    [
      "a call without arguments",
      "- role: assistant\n  tool_calls: [{ id: call_1, function: { name: f } }]\n" + ANSWER,
      [`16:50 ${M}[0].tool_calls[0].function.arguments is required`],
    ],
  ];
  for (const [what, messages, expected] of cases) {
    assert.deepEqual(problems(script(messages)), expected, what);
  }
});

test("messages are only for generations", () => {
  const text = script("- { role: user, content: hi }").replace(
    "type: generation",
    "type: embedding",
  );
  assert.deepEqual(problems(text), [
    '15:11 turns[0].steps[0].messages is only allowed on a generation step, not on type "embedding"',
  ]);
});

test("templates in tool call arguments are checked like other content", () => {
  const text = script(`
- role: assistant
  tool_calls: [{ id: call_1, function: { name: f, arguments: { when: "{{tomorrow}}" } } }]
${ANSWER}`);
  assert.deepEqual(problems(text), [
    `16:81 ${M}[0].tool_calls[0].function.arguments.when uses {{tomorrow}}, which is not ` +
    "declared in vars",
  ]);
});
