import { test } from "node:test";
import assert from "node:assert/strict";
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import { LangfuseBaggageSpanProcessor } from "../emit/baggage_processor.ts";
import { emitSession } from "../emit/emit.ts";
import { PlannedIdGenerator } from "../emit/planned_ids.ts";
import { ensureContextManager } from "../export/pipeline.ts";
import { manifestSession } from "../report/run_report.ts";
import { parseScript, readScriptFile } from "../script/read.ts";
import { FINDINGS } from "../script/vocabulary.ts";
import { PlantError } from "./findings.ts";
import { SessionFactory } from "./instances.ts";
import { planSession } from "./session.ts";
import type { Json, ObservationPlan, SessionPlan, TurnPlan } from "./types.ts";

ensureContextManager();

const END = Date.parse("2026-11-25T12:00:00.000Z");
const FILE = "conversations/order-status.yaml";
const { script: ORDER_STATUS } = await readScriptFile(FILE);

function replay(plant?: string): SessionPlan {
  return planSession(ORDER_STATUS, { seed: 42, endMs: END, file: FILE, runId: "run_x", plant });
}

function named(root: ObservationPlan, name: string): ObservationPlan {
  const found = [root, ...root.children.map((child) => named(child, name))].find((obs) =>
    obs?.name === name
  );
  return found!;
}

function answer(turn: TurnPlan): Json {
  const output = named(turn.root, "compose-answer").output as { content: Json };
  return output.content;
}

function userMessages(turn: TurnPlan): Json[] {
  const input = named(turn.root, "compose-answer").input as { role: string; content: Json }[];
  return input.filter((message) => message.role === "user").map((message) => message.content);
}

/** The plan without content: what would differ if planting changed more than content. */
function shape(turn: TurnPlan): unknown {
  const strip = (obs: ObservationPlan): unknown => ({
    name: obs.name,
    type: obs.type,
    level: obs.level,
    model: obs.model,
    prompt: obs.prompt,
    metadata: obs.metadata,
    children: obs.children.map(strip),
  });
  return { kind: turn.kind, outcome: turn.outcome, root: strip(turn.root) };
}

test("a replay plants nothing unless asked, whatever the script's rate", () => {
  assert.ok(Object.values(ORDER_STATUS.findings?.rates ?? {}).some((rate) => rate > 0));
  const plan = replay();
  assert.deepEqual(plan.findings, []);
  assert.deepEqual(manifestSession(plan).findings, []);
});

test("unsolved replaces the turn's answer and its main generation's, and nothing else", () => {
  const plain = replay();
  const plan = replay("unsolved");
  const expected = ORDER_STATUS.findings!.variants.find((v) => v.finding === "unsolved")!.output;
  assert.equal(plan.turns[0].root.output, expected);
  assert.equal(answer(plan.turns[0]), expected);
  assert.notEqual(plain.turns[0].root.output, expected);
  assert.deepEqual(plan.findings, [{
    finding: "unsolved",
    turn: 1,
    traceId: plan.turns[0].traceId,
  }]);
  // Ids, later turns' times and the other answers are those of the session without the
  // finding; the changed answer streams for as long as its own tokens take.
  assert.equal(plan.sessionId, plain.sessionId);
  assert.deepEqual(plan.turns.map((t) => t.traceId), plain.turns.map((t) => t.traceId));
  assert.deepEqual(
    plan.turns.slice(1).map((t) => t.root.startMs),
    plain.turns.slice(1).map((t) => t.root.startMs),
  );
  assert.notEqual(
    named(plan.turns[0].root, "compose-answer").usage!.output,
    named(plain.turns[0].root, "compose-answer").usage!.output,
  );
  assert.deepEqual(
    plan.turns.slice(1).map((t) => t.root.output),
    plain.turns.slice(1).map((t) => t.root.output),
  );
  // Later turns carry the changed answer in their history.
  const history = named(plan.turns[1].root, "compose-answer").input as { content: Json }[];
  assert.equal(history[2].content, expected);
  assert.deepEqual(plan.turns.map(shape), plain.turns.map(shape));
});

test("a replaced answer also reaches the steps after it that repeat it, such as speech synthesis", () => {
  const voice = parseScript(
    `name: voice
session: { id: "call_{hex:20}" }
user: { id: "usr_{hex:12}" }
trace: { name: voice-turn, version: local }
findings:
  rates: { unsolved: 1 }
  variants:
    - { finding: unsolved, turn: status, output: The front desk has a dining guide. }
turns:
  - kind: status
    input: can you book us a table
    output: Sable has a table for 4 at 7:30.
    outcome: answered
    steps:
      - type: generation
        name: reply
        main: true
        model: m
        messages: [{ role: user, content: can you book us a table }]
        output: { role: assistant, content: Sable has a table for 4 at 7:30. }
      - type: generation
        name: speak
        model: m
        messages: [{ role: user, content: Sable has a table for 4 at 7:30. }]
        output: { role: assistant, audio: { transcript: Sable has a table for 4 at 7:30. } }
      - type: tool
        name: log_reply
        input: { text: Sable has a table for 4 at 7:30., channel: voice }
`,
    "voice.yaml",
  );
  const plan = planSession(voice, { seed: 1, endMs: END, file: "voice.yaml", plant: "unsolved" });
  const planted = "The front desk has a dining guide.";
  const root = plan.turns[0].root;
  assert.equal(root.output, planted);
  assert.deepEqual(named(root, "speak").input, [{ role: "user", content: planted }]);
  assert.deepEqual(named(root, "speak").output, {
    role: "assistant",
    audio: { transcript: planted },
  });
  assert.deepEqual(named(root, "log_reply").input, { text: planted, channel: "voice" });
  assert.deepEqual(named(root, "reply").input, [
    { role: "user", content: "can you book us a table" },
  ], "what came before the answer is as it was");
});

test("repeated_answer makes the turn's answer the previous turn's answer", () => {
  const plan = replay("repeated_answer");
  assert.equal(plan.turns[1].root.output, plan.turns[0].root.output);
  assert.equal(answer(plan.turns[1]), plan.turns[0].root.output);
  assert.equal(plan.turns[1].root.input, replay().turns[1].root.input);
  assert.deepEqual(plan.findings, [{
    finding: "repeated_answer",
    turn: 2,
    traceId: plan.turns[1].traceId,
  }]);
});

test("lost_state gives the turn the variant's answer that asks again", () => {
  const plan = replay("lost_state");
  assert.match(String(plan.turns[1].root.output), /when your order was supposed to arrive/);
  assert.equal(answer(plan.turns[1]), plan.turns[1].root.output);
  // The customer said when it was due; the planted answer asks for it again.
  assert.match(String(plan.turns[0].root.input), /yesterday|[A-Z][a-z]+day \d{1,2} [A-Z][a-z]+/);
  assert.deepEqual(plan.findings, [{
    finding: "lost_state",
    turn: 2,
    traceId: plan.turns[1].traceId,
  }]);
});

test("late_escalation answers the escalation request without escalating, then escalates on the repeated request", () => {
  const plain = replay();
  const plan = replay("late_escalation");
  assert.equal(plan.turns.length, 4);
  const [, delay, stall, escalation] = plan.turns;
  const request = plain.turns[2].root.input;
  // The inserted turn: the escalation request, answered like the turn before it.
  assert.equal(stall.root.input, request);
  assert.match(
    String(stall.root.output),
    /^I understand this is frustrating\. (DHL|UPS|DPD|GLS) expects/,
  );
  assert.doesNotMatch(String(stall.root.output), /\{\{/);
  assert.equal(answer(stall), stall.root.output);
  assert.deepEqual(shape(stall), shape(delay), "a turn like the delay turn, not an escalation");
  assert.deepEqual(named(stall.root, "pii-input-filter").input, { text: request });
  assert.deepEqual(userMessages(stall), [
    ...plan.turns.slice(0, 2).map((t) => t.root.input),
    request,
  ]);
  // Then the user repeats the request and the escalation turn follows.
  assert.equal(escalation.root.input, "You already said that. Please, I need to talk to a person.");
  assert.equal(escalation.root.output, plain.turns[2].root.output);
  assert.equal(escalation.outcome, "escalated");
  assert.deepEqual(shape(escalation), shape(plain.turns[2]));
  assert.equal(userMessages(escalation).length, 4);
  assert.equal(userMessages(escalation).at(-1), escalation.root.input);
  assert.deepEqual(named(escalation.root, "pii-input-filter").input, {
    text: escalation.root.input,
  });
  // The key names the turn that should have escalated.
  assert.deepEqual(plan.findings, [{
    finding: "late_escalation",
    turn: 3,
    traceId: stall.traceId,
  }]);
  assert.deepEqual(new Set(plan.turns.map((t) => t.traceId)).size, 4);
  assert.deepEqual(
    [plan.turns[0].traceId, delay.traceId, escalation.traceId],
    plain.turns.map((t) => t.traceId),
  );
});

test("a finding on a turn kind with alternative turns changes the alternative the session plays", () => {
  const script = parseScript(
    `name: alternatives
session: { id: "conv_{hex:21}" }
user: { id: "usr_{hex:12}" }
trace: { name: alt-turn, version: local }
vars:
  path: "{{pick quick|slow}}"
findings:
  rates: { lost_state: 1 }
  variants:
    - { finding: lost_state, turn: delay, output: Which order was it again? }
turns:
  - kind: status
    when: { var: path, in: [quick] }
    input: Where is my order? Quick please.
    output: It ships today.
    outcome: answered
    steps: [{ type: generation, name: answer, model: m }]
  - kind: status
    when: { var: path, in: [slow] }
    input: Where is my order?
    output: It ships today.
    outcome: answered
    steps: [{ type: generation, name: answer, model: m }]
  - kind: delay
    when: { var: path, in: [quick] }
    input: Why so late?
    output: A backlog at the depot.
    outcome: answered
    steps: [{ type: generation, name: answer, model: m }]
  - kind: delay
    when: { var: path, in: [slow] }
    input: Why is it late?
    output: A backlog at the depot.
    outcome: answered
    steps: [{ type: generation, name: answer, model: m }]
`,
    "alternatives.yaml",
  );
  const inputs = new Set<string>();
  for (let seed = 0; seed < 20; seed++) {
    const plan = planSession(script, { seed, endMs: END, file: "x.yaml", branching: true });
    assert.equal(plan.turns.length, 2);
    assert.deepEqual(plan.findings.map((f) => [f.finding, f.turn]), [["lost_state", 2]]);
    assert.equal(plan.turns[1].root.output, "Which order was it again?");
    inputs.add(String(plan.turns[1].root.input));
  }
  assert.deepEqual([...inputs].sort(), ["Why is it late?", "Why so late?"], "both paths");
});

test("the answer key goes into the manifest session as planned", () => {
  const plan = replay("lost_state");
  const manifest = manifestSession(plan);
  assert.deepEqual(manifest.findings, plan.findings);
  const trace = manifest.traces.find((t) => t.traceId === plan.findings[0].traceId)!;
  assert.equal(trace.turn, plan.findings[0].turn);
});

test("planting a finding the script has no variant of, or no finding at all, fails with a reason", () => {
  assert.throws(
    () => replay("sarcasm"),
    (error: Error) =>
      error instanceof PlantError &&
      /"sarcasm" is not a finding; the findings are repeated_answer/.test(error.message),
  );
  const { findings: _, ...bare } = ORDER_STATUS;
  assert.throws(
    () => planSession(bare, { seed: 1, endMs: END, file: FILE, plant: "unsolved" }),
    (error: Error) =>
      error instanceof PlantError && /order-status has no unsolved variant/.test(error.message),
  );
});

test("load mode plants at the script's rate, the same sessions for the same seed", () => {
  const script = parseScript(
    `name: planted
session: { id: "conv_{hex:21}" }
user: { id: usr_pseudo_7f31c2 }
trace: { name: planted-turn, version: local }
findings:
  rate: 0.3
  variants:
    - { finding: unsolved, turn: status, output: Orders usually arrive soon. }
turns:
  - kind: status
    input: Where is my order?
    output: It arrives on Friday.
    outcome: answered
    steps:
      - { type: generation, name: g, model: m, messages: [{ role: user, content: Where is my order? }] }
`,
    "planted.yaml",
  );
  const population = (seed: number) => {
    const factory = new SessionFactory([{ file: "planted.yaml", script }], { seed, users: 20 });
    return Array.from({ length: 2000 }, (_, i) => factory.plan(i, { endMs: END }));
  };
  const plans = population(11);
  const planted = plans.filter((plan) => plan.findings.length > 0);
  assert.ok(planted.length > 2000 * 0.27 && planted.length < 2000 * 0.33, `${planted.length}`);
  assert.deepEqual(
    population(11).map((plan) => plan.findings),
    plans.map((plan) => plan.findings),
    "deterministic for the seed",
  );
  for (const plan of plans) {
    const output = plan.turns[0].root.output;
    if (plan.findings.length > 0) {
      assert.equal(output, "Orders usually arrive soon.");
      assert.equal(named(plan.turns[0].root, "g").input !== undefined, true);
      assert.deepEqual(plan.findings[0], {
        finding: "unsolved",
        turn: 1,
        traceId: plan.turns[0].traceId,
      });
    } else assert.equal(output, "It arrives on Friday.");
  }
});

test("order-status in load mode plants each finding at its rate among sessions that reach its turn", () => {
  const factory = new SessionFactory([{ file: FILE, script: ORDER_STATUS }], {
    seed: 5,
    users: 50,
  });
  const plans = Array.from({ length: 3000 }, (_, i) => factory.plan(i, { endMs: END }));
  const counts: Record<string, number> = {};
  for (const plan of plans) {
    for (const { finding, turn, traceId } of plan.findings) {
      counts[finding] = (counts[finding] ?? 0) + 1;
      assert.equal(plan.turns[turn - 1].traceId, traceId);
    }
  }
  assert.deepEqual(Object.keys(counts).sort(), [...FINDINGS].sort());
  const rates = ORDER_STATUS.findings!.rates!;
  for (const finding of FINDINGS) {
    const kind = ORDER_STATUS.findings!.variants.find((v) => v.finding === finding)!.turn;
    const reached = plans.filter((plan) => plan.turns.some((turn) => turn.kind === kind)).length;
    const rate = rates[finding]!;
    const share = counts[finding] / reached;
    // Within four standard deviations of a binomial draw.
    const slack = 4 * Math.sqrt(rate * (1 - rate) / reached);
    assert.ok(Math.abs(share - rate) < slack, `${finding}: ${counts[finding]} of ${reached}`);
  }
  const escalated = plans.filter((plan) => plan.findings[0]?.finding === "late_escalation");
  for (const plan of escalated) {
    assert.deepEqual(plan.turns.map((t) => t.kind).slice(-2), ["delay", "escalation"]);
  }
});

function setup() {
  const exporter = new InMemorySpanExporter();
  const ids = new PlannedIdGenerator();
  const provider = new TracerProvider({
    idGenerator: ids,
    spanProcessors: [new LangfuseBaggageSpanProcessor(), new SimpleSpanProcessor({ exporter })],
  });
  return { exporter, ids, tracer: provider.getTracer("test") };
}

async function emitted(plan: SessionPlan): Promise<ReadableSpan[]> {
  const { exporter, ids, tracer } = setup();
  await emitSession(plan, { tracer, ids, backpressure: () => Promise.resolve() });
  return exporter.getFinishedSpans();
}

// Content, and the numbers that follow it: tokens, cost and when streaming started.
const CONTENT_KEYS = /\.(input|output|usage_details|cost_details|completion_start_time)$/;

test("a planted session's spans carry no finding label and differ only in content and its numbers", async () => {
  const plain = await emitted(replay());
  const describe = (spans: ReadableSpan[]) =>
    spans.map((span) => ({
      name: span.name,
      attributes: Object.fromEntries(
        Object.entries(span.attributes).filter(([key]) => !CONTENT_KEYS.test(key)),
      ),
      keys: Object.keys(span.attributes).sort(),
    }));
  for (const finding of FINDINGS) {
    const spans = await emitted(replay(finding));
    const text = JSON.stringify(spans.map((span) => [span.name, span.attributes]));
    for (const label of [...FINDINGS, "finding", "planted"]) {
      assert.doesNotMatch(text, new RegExp(label), `${finding}: no "${label}" in any span`);
    }
    if (finding === "late_escalation") {
      // One more turn, like the delay turn: its spans and nothing else.
      const names = spans.map((span) => span.name).sort();
      const delay = plain.filter((span) =>
        span.attributes["langfuse.trace.metadata.turn_kind"] === "delay"
      );
      assert.deepEqual(names, [...plain, ...delay].map((span) => span.name).sort());
      continue;
    }
    assert.deepEqual(describe(spans), describe(plain), `${finding}: only content differs`);
  }
});
