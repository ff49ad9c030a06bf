/**
 * Each dialect's trace level as Langfuse reads it (fixtures/langfuse/dialects.md): hand-built
 * span sets shaped as each library sends them (attribute names from the Vercel AI SDK 6
 * `ai` telemetry, OpenInference's semantic conventions, OpenTelemetry GenAI semconv v1.37+,
 * Traceloop and Langfuse's JS SDK v5), read by the view.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { AttrValue, ReceivedSpan } from "../../otlp/decode.ts";
import { dialectOf, dialectsOf } from "./dialects.ts";
import { interpretSpans } from "./view.ts";

const T0 = 1_764_000_000_000; // 2025-11-24T16:00:00Z
const TURN_MS = 60_000;

interface Shape {
  scope: string;
  name: string;
  /** Index of the parent in the turn's span list; none for the root. */
  parent?: number;
  attributes: Record<string, AttrValue>;
  events?: ReceivedSpan["events"];
}

/** One turn's spans as the decoder hands them over: ids from turn and index, times in order. */
function turnSpans(turn: number, shapes: Shape[]): ReceivedSpan[] {
  const traceId = (turn + 1).toString(16).padStart(32, "a");
  const id = (index: number) => `${turn + 1}${index}`.padStart(16, "b");
  const start = BigInt(T0 + turn * TURN_MS);
  return shapes.map((shape, index) => {
    const received: ReceivedSpan = {
      traceId,
      spanId: id(index),
      name: shape.name,
      kind: 1,
      startTimeUnixNano: (start + BigInt(index * 10)) * 1_000_000n,
      endTimeUnixNano: (start + BigInt(2_000 - index * 10)) * 1_000_000n,
      attributes: shape.attributes,
      attributeTypes: Object.fromEntries(
        Object.entries(shape.attributes).map(([key, value]) => [
          key,
          Array.isArray(value) ? "array" : typeof value === "number" ? "int" : "string",
        ]),
      ),
      events: shape.events ?? [],
      status: { code: 0 },
      resource: { "service.name": "support-bot" },
      scope: { name: shape.scope },
    };
    if (shape.parent !== undefined) received.parentSpanId = id(shape.parent);
    return received;
  });
}

/** Three turns of one conversation in a dialect. */
function conversation(shapes: (turn: number) => Shape[]): ReceivedSpan[] {
  return [0, 1, 2].flatMap((turn) => turnSpans(turn, shapes(turn)));
}

const QUESTION = (turn: number) => `Where is order ${turn + 1}?`;
const ANSWER = "It ships today.";

/** Vercel AI SDK 6: `generateText` with `experimental_telemetry` ({ functionId, metadata }). */
function vercelTurn(turn: number, metadata: Record<string, AttrValue>): Shape[] {
  const base = (operationId: string) => ({
    "operation.name": `${operationId} support-chat`,
    "resource.name": "support-chat",
    "ai.operationId": operationId,
    "ai.telemetry.functionId": "support-chat",
    ...Object.fromEntries(
      Object.entries(metadata).map(([key, value]) => [`ai.telemetry.metadata.${key}`, value]),
    ),
  });
  const model = { "ai.model.provider": "openai.chat", "ai.model.id": "gpt-4o-mini" };
  return [
    {
      scope: "ai",
      name: "ai.generateText",
      attributes: {
        ...base("ai.generateText"),
        ...model,
        "ai.prompt": JSON.stringify({ prompt: QUESTION(turn) }),
        "ai.response.text": ANSWER,
        "ai.response.finishReason": "stop",
      },
    },
    {
      scope: "ai",
      name: "ai.generateText.doGenerate",
      parent: 0,
      attributes: {
        ...base("ai.generateText.doGenerate"),
        ...model,
        "ai.prompt.messages": JSON.stringify([{ role: "user", content: QUESTION(turn) }]),
        "ai.response.toolCalls": JSON.stringify([{ toolName: "lookup_order" }]),
        "gen_ai.system": "openai.chat",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
        "gen_ai.usage.input_tokens": 120,
        "gen_ai.usage.output_tokens": 12,
      },
    },
    {
      scope: "ai",
      name: "ai.toolCall",
      parent: 0,
      attributes: {
        ...base("ai.toolCall"),
        "ai.toolCall.name": "lookup_order",
        "ai.toolCall.id": `call_${turn}`,
        "ai.toolCall.args": JSON.stringify({ order: turn + 1 }),
        "ai.toolCall.result": JSON.stringify({ status: "in_transit" }),
      },
    },
  ];
}

const VERCEL_METADATA = {
  sessionId: "chat-1",
  userId: "alice",
  tags: ["support", "vip"],
  plan: "gold",
};

test("dialectOf() tells each library's spans apart by scope and keys, as Langfuse does", () => {
  const of = (scope: string, attributes: Record<string, AttrValue>) =>
    dialectOf({ scope: { name: scope }, attributes });
  assert.equal(of("langfuse-sdk", { "session.id": "s" }), "langfuse");
  assert.equal(of("support-bot", { "langfuse.session.id": "s" }), "langfuse");
  assert.equal(of("ai", { "gen_ai.request.model": "m", "langfuse.trace.name": "n" }), "vercel");
  assert.equal(of("other", { "ai.operationId": "ai.generateText" }), "vercel");
  assert.equal(
    of("@arizeai/openinference-instrumentation-openai", { "openinference.span.kind": "LLM" }),
    "openinference",
  );
  assert.equal(
    of("app", { "traceloop.entity.name": "x", "gen_ai.prompt.0.role": "u" }),
    "traceloop",
  );
  assert.equal(
    of("@opentelemetry/instrumentation-openai", { "gen_ai.operation.name": "chat" }),
    "genai",
  );
  assert.equal(of("http", { "http.route": "/chat" }), "otel");
  assert.deepEqual(
    dialectsOf([
      { scope: { name: "ai" }, attributes: {} },
      { scope: { name: "langfuse-sdk" }, attributes: {} },
      { scope: { name: "ai" }, attributes: {} },
    ]),
    ["langfuse", "vercel"],
  );
});

test("interpretSpans() reads a Vercel AI SDK app's session, user, tags, metadata, name and I/O from ai.telemetry.* with no problem", () => {
  const view = interpretSpans(conversation((turn) => vercelTurn(turn, VERCEL_METADATA)));
  assert.deepEqual(view.problems, []);
  assert.deepEqual(view.sessions.map((s) => [s.id, s.userIds, s.traceIds.length]), [
    ["chat-1", ["alice"], 3],
  ]);
  assert.deepEqual(view.users.map((u) => [u.id, u.sessionCount, u.traceCount]), [["alice", 1, 3]]);
  const [first] = view.traces;
  assert.deepEqual(first.dialects, ["vercel"]);
  assert.deepEqual(first.tags, ["support", "vip"]);
  // sessionId, userId and tags are read as ids and tags, not metadata.
  assert.deepEqual(first.metadata, { plan: "gold" });
  // Langfuse names Vercel spans "<functionId>:<operationId>", tools by their tool name.
  assert.equal(first.name, "support-chat:ai.generateText");
  assert.deepEqual(first.observations[0].children.map((o) => o.name), [
    "support-chat:ai.generateText.doGenerate",
    "lookup_order",
  ]);
  assert.deepEqual(first.input, { prompt: "Where is order 1?" });
  assert.equal(first.output, ANSWER);
});

test("interpretSpans() flags a Vercel AI SDK trace without a session or user id once, naming the ai.telemetry.metadata keys", () => {
  const view = interpretSpans(turnSpans(0, vercelTurn(0, { plan: "gold" })));
  assert.deepEqual(view.problems.map((p) => [p.spanId, p.message]), [
    [
      "bbbbbbbbbbbbbb10",
      'No span of trace "ai.generateText" has a session id; Langfuse cannot group it into a ' +
      "session (vercel spans carry it as ai.telemetry.metadata.sessionId)",
    ],
    [
      "bbbbbbbbbbbbbb10",
      'No span of trace "ai.generateText" has a user id; Langfuse cannot attribute it to a ' +
      "user (vercel spans carry it as ai.telemetry.metadata.userId)",
    ],
  ]);
});

/** GenAI semconv v1.37+: the app's agent span carries the conversation; instrumentation below. */
function genAiTurn(turn: number, conversationOn: "root" | "chat"): Shape[] {
  const conversation = { "gen_ai.conversation.id": "conv-7" };
  const messages = [{ role: "user", parts: [{ type: "text", content: QUESTION(turn) }] }];
  const answer = [{ role: "assistant", parts: [{ type: "text", content: ANSWER }] }];
  return [
    {
      scope: "support-bot",
      name: "invoke_agent support",
      attributes: {
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.agent.name": "support",
        "user.id": "bob",
        ...(conversationOn === "root" ? conversation : {}),
        "gen_ai.system_instructions": JSON.stringify([{ type: "text", content: "Be brief." }]),
        "gen_ai.input.messages": JSON.stringify(messages),
        "gen_ai.output.messages": JSON.stringify(answer),
      },
    },
    {
      scope: "@opentelemetry/instrumentation-openai",
      name: "chat gpt-4o-mini",
      parent: 0,
      attributes: {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.usage.input_tokens": 90,
        "gen_ai.usage.output_tokens": 9,
        ...(conversationOn === "chat" ? conversation : {}),
      },
      events: [{
        name: "gen_ai.client.inference.operation.details",
        timeUnixNano: BigInt(T0) * 1_000_000n,
        attributes: {
          "gen_ai.input.messages": JSON.stringify(messages),
          "gen_ai.output.messages": JSON.stringify(answer),
        },
      }],
    },
    {
      scope: "support-bot",
      name: "execute_tool lookup_order",
      parent: 0,
      attributes: {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "lookup_order",
        "gen_ai.tool.call.arguments": JSON.stringify({ order: turn + 1 }),
        "gen_ai.tool.call.result": JSON.stringify({ status: "in_transit" }),
      },
    },
  ];
}

test("interpretSpans() groups a GenAI semconv trace by its root's gen_ai.conversation.id without flagging the child spans", () => {
  const view = interpretSpans(conversation((turn) => genAiTurn(turn, "root")));
  assert.deepEqual(view.problems, []);
  assert.deepEqual(view.sessions.map((s) => [s.id, s.userIds, s.traceIds.length]), [
    ["conv-7", ["bob"], 3],
  ]);
  const [first] = view.traces;
  assert.deepEqual(first.dialects, ["genai"]);
  assert.equal(first.name, "invoke_agent support");
  // Langfuse puts gen_ai.system_instructions first as a system message.
  assert.deepEqual(first.input, [
    { role: "system", content: "Be brief." },
    { role: "user", parts: [{ type: "text", content: "Where is order 1?" }] },
  ]);
  assert.deepEqual(first.output, [{
    role: "assistant",
    parts: [{ type: "text", content: ANSWER }],
  }]);
  assert.deepEqual(first.observations[0].children.map((o) => o.name), [
    "chat gpt-4o-mini",
    "lookup_order",
  ]);
});

test("interpretSpans() groups a GenAI semconv trace whose conversation id is on a child span only, as Langfuse v4 does, noting that v3 servers do not", () => {
  const view = interpretSpans(conversation((turn) => genAiTurn(turn, "chat")));
  assert.deepEqual(view.traces.map((t) => t.sessionId), ["conv-7", "conv-7", "conv-7"]);
  assert.deepEqual(
    view.problems.map((p) => [p.spanId, p.message]),
    [
      "bbbbbbbbbbbbbb11",
      "bbbbbbbbbbbbbb21",
      "bbbbbbbbbbbbbb31",
    ].map((spanId) => [
      spanId,
      'Session id "conv-7" is sent only as gen_ai.conversation.id on span "chat gpt-4o-mini", ' +
      "not the root: Langfuse v4 groups the trace, v3 servers do not (put it on the root span too)",
    ]),
  );
});

/** OpenInference: the app's CHAIN span and the OpenAI instrumentation's LLM span, in a session. */
function openInferenceTurn(turn: number): Shape[] {
  const context = {
    "session.id": "sess-3",
    "user.id": "carol",
    // OpenInference's setTags sends the list as JSON text.
    "tag.tags": JSON.stringify(["support", "beta"]),
    "metadata": JSON.stringify({ plan: "gold" }),
  };
  return [
    {
      scope: "support-bot",
      name: "support-turn",
      attributes: {
        "openinference.span.kind": "CHAIN",
        ...context,
        "input.value": QUESTION(turn),
        "input.mime_type": "text/plain",
        "output.value": ANSWER,
        "output.mime_type": "text/plain",
      },
    },
    {
      scope: "@arizeai/openinference-instrumentation-openai",
      name: "OpenAI Chat Completions",
      parent: 0,
      attributes: {
        "openinference.span.kind": "LLM",
        ...context,
        "llm.model_name": "gpt-4o-mini",
        "llm.input_messages.0.message.role": "user",
        "llm.input_messages.0.message.content": QUESTION(turn),
        "llm.output_messages.0.message.role": "assistant",
        "llm.output_messages.0.message.content": ANSWER,
        "input.value": JSON.stringify({ model: "gpt-4o-mini" }),
        "input.mime_type": "application/json",
        "llm.token_count.prompt": 80,
        "llm.token_count.completion": 8,
      },
    },
  ];
}

test("interpretSpans() reads an OpenInference app's session.id, user.id and tag.tags, and its input.value as the trace input", () => {
  const view = interpretSpans(conversation(openInferenceTurn));
  assert.deepEqual(view.problems, []);
  assert.deepEqual(view.sessions.map((s) => [s.id, s.userIds, s.traceIds.length]), [
    ["sess-3", ["carol"], 3],
  ]);
  const [first] = view.traces;
  assert.deepEqual(first.dialects, ["openinference"]);
  assert.deepEqual(first.tags, ["support", "beta"]);
  // Langfuse keeps OpenInference's `metadata` among the span's attributes, not as trace metadata.
  assert.deepEqual(first.metadata, {});
  assert.equal(first.name, "support-turn");
  assert.equal(first.input, "Where is order 1?");
  assert.equal(first.output, ANSWER);
});

/** Langfuse's JS SDK v5: propagated attributes on every span, plain string I/O. */
function langfuseTurn(turn: number): Shape[] {
  const propagated = {
    "session.id": "chat-9",
    "user.id": "dana",
    "langfuse.trace.name": "support-chat",
    "langfuse.trace.tags": ["support"],
    "langfuse.trace.metadata.plan": "gold",
  };
  return [
    {
      scope: "langfuse-sdk",
      name: "handle-message",
      attributes: {
        ...propagated,
        "langfuse.observation.type": "span",
        "langfuse.observation.input": QUESTION(turn),
        "langfuse.observation.output": ANSWER,
      },
    },
    {
      scope: "langfuse-sdk",
      name: "answer",
      parent: 0,
      attributes: {
        ...propagated,
        "langfuse.observation.type": "generation",
        "langfuse.observation.model.name": "gpt-4o-mini",
        "langfuse.observation.input": QUESTION(turn),
        "langfuse.observation.output": ANSWER,
      },
    },
  ];
}

test("interpretSpans() reads Langfuse's JS SDK v5 spans, plain string input and output included, with no problem", () => {
  const view = interpretSpans(conversation(langfuseTurn));
  assert.deepEqual(view.problems, []);
  assert.deepEqual(view.sessions.map((s) => [s.id, s.userIds, s.traceIds.length]), [
    ["chat-9", ["dana"], 3],
  ]);
  const [first] = view.traces;
  assert.deepEqual(
    [first.name, first.tags, first.metadata, first.input, first.output],
    ["support-chat", ["support"], { plan: "gold" }, "Where is order 1?", ANSWER],
  );
});

test("interpretSpans() still flags a Langfuse-dialect span without the session id its trace has, as filters on observations miss it", () => {
  const spans = turnSpans(0, langfuseTurn(0));
  delete spans[1].attributes["session.id"];
  const view = interpretSpans(spans);
  assert.equal(view.traces[0].sessionId, "chat-9");
  assert.deepEqual(view.problems.map((p) => [p.spanId, p.message]), [[
    "bbbbbbbbbbbbbb11",
    'Span "answer" has no session id; Langfuse groups its trace into session "chat-9" by ' +
    "another span, but filters on observations by session (and the v2 observations API) " +
    "miss this one",
  ]]);
});

/** Traceloop (OpenLLMetry): a workflow span and an LLM span with flattened prompts. */
function traceloopTurn(turn: number): Shape[] {
  return [
    {
      scope: "support-bot",
      name: "support_turn.workflow",
      attributes: {
        "traceloop.span.kind": "workflow",
        "traceloop.entity.name": "support_turn",
        "traceloop.association.properties.session_id": "tl-1",
        "traceloop.entity.input": JSON.stringify({ question: QUESTION(turn) }),
        "traceloop.entity.output": JSON.stringify({ answer: ANSWER }),
      },
    },
    {
      scope: "@traceloop/instrumentation-openai",
      name: "openai.chat",
      parent: 0,
      attributes: {
        "llm.request.type": "chat",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.prompt.0.role": "user",
        "gen_ai.prompt.0.content": QUESTION(turn),
        "gen_ai.completion.0.role": "assistant",
        "gen_ai.completion.0.content": ANSWER,
        "traceloop.association.properties.session_id": "tl-1",
      },
    },
  ];
}

test("interpretSpans() reads a Traceloop trace's entity input and flags that Langfuse ignores its association properties as a session", () => {
  const view = interpretSpans(turnSpans(0, traceloopTurn(0)));
  const [trace] = view.traces;
  assert.deepEqual(trace.dialects, ["traceloop"]);
  assert.deepEqual(trace.input, { question: "Where is order 1?" });
  assert.deepEqual(trace.output, { answer: ANSWER });
  assert.equal(trace.sessionId, undefined);
  assert.deepEqual(view.problems.map((p) => p.message), [
    'No span of trace "support_turn.workflow" has a session id; Langfuse cannot group it into a ' +
    "session (traceloop spans carry it as session.id)",
    'No span of trace "support_turn.workflow" has a user id; Langfuse cannot attribute it to a ' +
    "user (traceloop spans carry it as user.id)",
  ]);
});
