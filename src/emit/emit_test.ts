import { test } from "node:test";
import assert from "node:assert/strict";
import { trace } from "@opentelemetry/api";
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import { ensureContextManager } from "../export/pipeline.ts";
import { parseScript, readScriptFile } from "../script/read.ts";
import { planSession } from "../plan/session.ts";
import type { ObservationPlan } from "../plan/types.ts";
import { LangfuseBaggageSpanProcessor } from "./baggage_processor.ts";
import { type LangfuseContext, withLangfuseContext } from "./context.ts";
import { emitSession } from "./emit.ts";
import { PlannedIdGenerator } from "./planned_ids.ts";

ensureContextManager();

function setup() {
  const exporter = new InMemorySpanExporter();
  const ids = new PlannedIdGenerator();
  const provider = new TracerProvider({
    idGenerator: ids,
    spanProcessors: [new LangfuseBaggageSpanProcessor(), new SimpleSpanProcessor({ exporter })],
  });
  return { exporter, ids, tracer: provider.getTracer("test") };
}

const CTX: LangfuseContext = {
  sessionId: "conv_82d9535867844b4c8cdff",
  userId: "usr_pseudo_7f31c2",
  traceName: "order-status-turn",
  version: "local",
  environment: "development",
  tags: ["order-status", "langgraph"],
  metadata: { environment: "development", workflow: "order-status", region: "eu" },
};

const EXPECTED_TRACE_ATTRIBUTES = {
  "langfuse.session.id": "conv_82d9535867844b4c8cdff",
  "langfuse.user.id": "usr_pseudo_7f31c2",
  "langfuse.trace.name": "order-status-turn",
  "langfuse.version": "local",
  "langfuse.environment": "development",
  "langfuse.trace.tags": ["order-status", "langgraph"],
  "langfuse.trace.metadata.environment": "development",
  "langfuse.trace.metadata.workflow": "order-status",
  "langfuse.trace.metadata.region": "eu",
};

function traceAttributes(span: ReadableSpan): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(span.attributes).filter(([key]) => key in EXPECTED_TRACE_ATTRIBUTES),
  );
}

test("the baggage processor copies the context onto every span, also after an await", async () => {
  const exporter = new InMemorySpanExporter();
  const real = new TracerProvider({
    spanProcessors: [new LangfuseBaggageSpanProcessor(), new SimpleSpanProcessor({ exporter })],
  }).getTracer("test");
  await withLangfuseContext(CTX, async () => {
    await real.startActiveSpan("root", async (root) => {
      real.startSpan("before-await").end();
      await new Promise((resolve) => setTimeout(resolve, 5));
      await Promise.resolve();
      real.startSpan("after-await").end();
      root.end();
    });
  });
  real.startSpan("outside").end();
  const spans = exporter.getFinishedSpans();
  assert.deepEqual(spans.map((span) => span.name), [
    "before-await",
    "after-await",
    "root",
    "outside",
  ]);
  for (const span of spans.slice(0, 3)) {
    assert.deepEqual(traceAttributes(span), EXPECTED_TRACE_ATTRIBUTES, span.name);
  }
  assert.deepEqual(traceAttributes(spans[3]), {}, "no context outside the helper");
});

test("emitSession() makes one trace per turn with planned ids, times and Langfuse attributes", async () => {
  const script = parseScript(
    `name: demo
session: { id: conv_82d9535867844b4c8cdff }
user: { id: usr_pseudo_7f31c2 }
trace: { name: order-status-turn, version: local, tags: [order-status, langgraph], metadata: { environment: development, workflow: order-status, region: eu } }
turns:
  - kind: status
    input: Where is my order?
    output: On its way.
    outcome: answered
    steps:
      - type: agent
        name: agent
        steps:
          - { type: tool, name: lookup, input: { q: 1 }, output: { status: in_transit } }
          - { type: generation, name: answer, model: gpt-4o, usage: { input: 10, output: 5 }, cost: { input: 0.1, output: 0.2 }, timeToFirstToken: 1ms, prompt: { name: p, version: 2 } }
  - kind: escalation
    input: A person please.
    output: Handing over.
    outcome: escalated
    steps:
      - { type: tool, name: ticket, level: ERROR, statusMessage: queue full }
`,
    "demo.yaml",
  );
  const plan = planSession(script, {
    seed: 42,
    endMs: Date.parse("2026-11-25T12:00:00Z"),
    file: "demo.yaml",
  });
  const { exporter, ids, tracer } = setup();
  await emitSession(plan, {
    tracer,
    ids,
    backpressure: () => new Promise((resolve) => setTimeout(resolve, 0)),
  });
  const spans = exporter.getFinishedSpans();
  assert.equal(spans.length, 6);
  const byName = new Map(spans.map((span) => [span.name, span]));

  for (const [t, turn] of plan.turns.entries()) {
    const root = spans.find((span) => span.spanContext().spanId === turn.root.spanId)!;
    assert.equal(root.spanContext().traceId, turn.traceId);
    assert.equal(root.parentSpanContext, undefined, "a turn's root starts a new trace");
    assert.equal(root.attributes["langfuse.trace.metadata.turn_kind"], turn.kind);
    assert.equal(
      root.attributes["langfuse.trace.input"],
      JSON.stringify(["Where is my order?", "A person please."][t]),
    );
    assert.equal(
      root.attributes["langfuse.observation.input"],
      root.attributes["langfuse.trace.input"],
    );
    assert.equal(root.startTime[0] * 1000 + root.startTime[1] / 1e6, turn.root.startMs);
  }
  for (const span of spans) {
    assert.deepEqual(
      traceAttributes(span),
      EXPECTED_TRACE_ATTRIBUTES,
      `${span.name} carries the trace context`,
    );
  }
  const agent = byName.get("agent")!;
  const lookup = byName.get("lookup")!;
  assert.equal(lookup.parentSpanContext?.spanId, agent.spanContext().spanId);
  assert.equal(lookup.spanContext().traceId, plan.turns[0].traceId);
  assert.equal(lookup.attributes["langfuse.observation.type"], "tool");
  assert.equal(lookup.attributes["langfuse.observation.output"], '{"status":"in_transit"}');

  const answer = byName.get("answer")!;
  assert.equal(answer.attributes["langfuse.observation.type"], "generation");
  assert.equal(answer.attributes["langfuse.observation.model.name"], "gpt-4o");
  assert.equal(
    answer.attributes["langfuse.observation.usage_details"],
    '{"input":10,"output":5,"total":15}',
  );
  assert.equal(
    answer.attributes["langfuse.observation.cost_details"],
    '{"input":0.1,"output":0.2,"total":0.3}',
  );
  assert.equal(answer.attributes["langfuse.observation.prompt.version"], 2);
  assert.equal(
    answer.attributes["langfuse.observation.completion_start_time"],
    new Date(plan.turns[0].root.children[0].children[1].completionStartMs!).toISOString(),
  );

  const ticket = byName.get("ticket")!;
  assert.equal(ticket.attributes["langfuse.observation.level"], "ERROR");
  assert.equal(ticket.attributes["langfuse.observation.status_message"], "queue full");
  assert.deepEqual(ticket.status, { code: 2, message: "queue full" });
  assert.equal(trace.getActiveSpan(), undefined);
});

test("emitSession() sends developer messages, tool calls, usage and cost per type, and embeddings with model, usage and cost", async () => {
  const { script, file } = await readScriptFile("fixtures/scripts/open-vocabulary.yaml");
  const plan = planSession(script, { seed: 5, endMs: Date.parse("2026-11-25T12:00:00Z"), file });
  const { exporter, ids, tracer } = setup();
  await emitSession(plan, { tracer, ids, backpressure: () => Promise.resolve() });
  const spans = exporter.getFinishedSpans();
  const byName = (name: string) => spans.find((span) => span.name === name)!.attributes;

  const embed = byName("embed-query");
  assert.equal(embed["langfuse.observation.type"], "embedding");
  assert.equal(embed["langfuse.observation.model.name"], "text-embedding-3-small");
  assert.equal(embed["langfuse.observation.model.parameters"], '{"dimensions":512}');
  assert.equal(embed["langfuse.observation.usage_details"], '{"input":8,"total":8}');
  assert.equal(embed["langfuse.observation.cost_details"], '{"input":1.6e-7,"total":1.6e-7}');
  assert.equal(embed["langfuse.observation.input"], '["How do I rotate an API key?"]');
  assert.equal(embed["langfuse.observation.output"], '{"vectors":1,"dimensions":512}');

  const answer = byName("openai-answer");
  assert.deepEqual(JSON.parse(String(answer["langfuse.observation.input"])), [
    { role: "developer", content: "Answer from the docs only and cite the page." },
    { role: "user", content: "How do I rotate an API key?" },
    {
      role: "assistant",
      tool_calls: [{
        id: "call_1",
        type: "function",
        function: { name: "search_docs", arguments: '{"query":"rotate api key"}' },
      }],
    },
    {
      role: "tool",
      content: "settings/keys: Create a new key, deploy it, revoke the old one.",
      tool_call_id: "call_1",
    },
  ]);
  const usage = JSON.parse(String(answer["langfuse.observation.usage_details"]));
  assert.deepEqual(Object.keys(usage), [
    "input",
    "output",
    "input_cached_tokens",
    "output_reasoning_tokens",
    "input_audio_tokens",
    "input_image_tokens",
    "total",
  ]);
  assert.equal(usage.input_cached_tokens, 1024);
  assert.equal(
    usage.total,
    Object.entries(usage).reduce((sum, [key, n]) => key === "total" ? sum : sum + Number(n), 0),
  );
  const cost = JSON.parse(String(answer["langfuse.observation.cost_details"]));
  const nano = (usd: number) => Math.round(usd * 1e9) / 1e9;
  assert.equal(cost.input_cached_tokens, nano(1024 * 0.275 / 1e6));
  assert.equal(cost.output_reasoning_tokens, nano(usage.output_reasoning_tokens * 4.4 / 1e6));
  assert.equal(cost.input_audio_tokens, 0);

  const root = spans.find((span) => span.parentSpanContext === undefined)!.attributes;
  assert.equal(root["langfuse.trace.metadata.workflow"], "docs-search");
  assert.equal(root["langfuse.trace.metadata.turn_kind"], "question");
  assert.equal(root["langfuse.trace.metadata.outcome"], "cited");
});

test("emitSession() keeps the hidden input tokens a step declares in the plan, out of its span", async () => {
  const { script, file } = await readScriptFile("conversations/order-status.yaml");
  const plan = planSession(script, { seed: 5, endMs: Date.parse("2026-11-25T12:00:00Z"), file });
  const all = (obs: ObservationPlan): ObservationPlan[] => [obs, ...obs.children.flatMap(all)];
  const observations = plan.turns.flatMap((turn) => all(turn.root));
  const attributes = async () => {
    const { exporter, ids, tracer } = setup();
    await emitSession(plan, { tracer, ids, backpressure: () => Promise.resolve() });
    return exporter.getFinishedSpans().map((span) => span.attributes);
  };
  const sent = await attributes();
  const declared = observations.filter((obs) => obs.hiddenInputTokens !== undefined);
  assert.ok(declared.length > 0);
  for (const obs of declared) delete obs.hiddenInputTokens;
  assert.deepEqual(await attributes(), sent);
});
