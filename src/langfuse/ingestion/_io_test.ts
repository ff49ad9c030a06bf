import { test } from "node:test";
import assert from "node:assert/strict";
import type { AttrValue, ReceivedSpan } from "../../otlp/decode.ts";
import { ioOf, type SpanIo } from "./_io.ts";

type Events = ReceivedSpan["events"];

function read(
  attributes: Record<string, AttrValue>,
  options: { scope?: string; events?: Events; domain?: "observation" | "trace" } = {},
): Omit<SpanIo, "source"> {
  const { source: _, ...io } = ioOf(
    { attributes, events: options.events ?? [], scope: { name: options.scope ?? "app" } },
    options.domain,
  );
  return io;
}

const event = (name: string, attributes: Record<string, AttrValue>): Events[number] => ({
  name,
  timeUnixNano: 0n,
  attributes,
});

test("ioOf() takes Langfuse's own keys first, langfuse.trace.input only for the trace record", () => {
  const attrs = {
    "langfuse.observation.input": "Where is my order?",
    "langfuse.trace.input": '{"q":"order"}',
    "input.value": "ignored",
  };
  assert.deepEqual(read(attrs), { input: "Where is my order?" });
  assert.deepEqual(read(attrs, { domain: "trace" }), { input: { q: "order" } });
});

test("ioOf() reads the Vercel AI SDK's keys under scope ai only, text and tool calls as one assistant message", () => {
  const attrs = {
    "ai.prompt.messages": '[{"role":"user","content":"hi"}]',
    "ai.response.text": "Let me look.",
    "ai.response.toolCalls": '[{"toolName":"lookup_order"}]',
  };
  assert.deepEqual(read(attrs, { scope: "ai" }), {
    input: [{ role: "user", content: "hi" }],
    output: {
      role: "assistant",
      content: "Let me look.",
      tool_calls: '[{"toolName":"lookup_order"}]',
    },
  });
  assert.deepEqual(read(attrs, { scope: "app" }), {});
  assert.deepEqual(
    read({ "ai.toolCall.args": '{"order":1}', "ai.toolCall.result": '{"ok":true}' }, {
      scope: "ai",
    }),
    { input: { order: 1 }, output: { ok: true } },
  );
  // AI SDK 7 writes GenAI messages; Langfuse falls back to them under scope ai.
  assert.deepEqual(read({ "gen_ai.input.messages": '[{"role":"user"}]' }, { scope: "ai" }), {
    input: [{ role: "user" }],
  });
});

test("ioOf() reads GenAI v1.37+ operation-details events, then the older message and choice events", () => {
  assert.deepEqual(
    read({}, {
      events: [event("gen_ai.client.inference.operation.details", {
        "gen_ai.input.messages": '[{"role":"user"}]',
        "gen_ai.output.messages": '[{"role":"assistant"}]',
      })],
    }),
    { input: [{ role: "user" }], output: [{ role: "assistant" }] },
  );
  assert.deepEqual(
    read({}, {
      events: [
        event("gen_ai.system.message", { content: "Be brief." }),
        event("gen_ai.user.message", { content: "hi" }),
        event("gen_ai.choice", { index: 0, finish_reason: "stop" }),
      ],
    }),
    {
      input: [{ role: "system", content: "Be brief." }, { role: "user", content: "hi" }],
      output: { index: 0, finish_reason: "stop" },
    },
  );
});

test("ioOf() tries Traceloop's entity keys, then OpenInference's input.value, then flattened messages", () => {
  assert.deepEqual(
    read({ "traceloop.entity.input": '{"a":1}', "input.value": "later" }),
    { input: { a: 1 } },
  );
  assert.deepEqual(read({ "input.value": "hi", "output.value": "hello" }), {
    input: "hi",
    output: "hello",
  });
  assert.deepEqual(
    read({
      "gen_ai.prompt.0.role": "user",
      "gen_ai.prompt.0.content": "hi",
      "gen_ai.completion.0.role": "assistant",
      "gen_ai.completion.0.content": "hello",
    }),
    {
      input: [{ role: "user", content: "hi" }],
      output: [{ role: "assistant", content: "hello" }],
    },
  );
  assert.deepEqual(
    read({
      "llm.input_messages.0.message.role": "user",
      "llm.input_messages.0.message.content": "hi",
    }),
    { input: [{ message: { role: "user", content: "hi" } }], output: {} },
  );
});

test("ioOf() puts gen_ai.system_instructions first unless a system message is there, and reads tool call arguments", () => {
  assert.deepEqual(
    read({
      "gen_ai.system_instructions": '[{"type":"text","content":"Be brief."}]',
      "gen_ai.input.messages": '[{"role":"user","content":"hi"}]',
    }),
    { input: [{ role: "system", content: "Be brief." }, { role: "user", content: "hi" }] },
  );
  assert.deepEqual(
    read({
      "gen_ai.system_instructions": "Ignored.",
      "gen_ai.input.messages": '[{"role":"system","content":"Kept."}]',
    }),
    { input: [{ role: "system", content: "Kept." }] },
  );
  assert.deepEqual(
    read({ "gen_ai.tool.call.arguments": '{"order":1}', "gen_ai.tool.call.result": "shipped" }),
    { input: { order: 1 }, output: "shipped" },
  );
});
