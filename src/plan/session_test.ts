import { test } from "node:test";
import assert from "node:assert/strict";
import { countTokens as o200k } from "gpt-tokenizer/encoding/o200k_base";
import { parseScript, readScriptFile } from "../script/read.ts";
import { stepPaths } from "../script/schema.ts";
import { SessionFactory } from "./instances.ts";
import { modelProfile } from "./models.ts";
import { draw, planSession, resolveId } from "./session.ts";
import { Rng } from "./random.ts";
import { countSpans, type Json, type ObservationPlan, type SessionPlan } from "./types.ts";

const SCRIPT = parseScript(
  `name: demo
session: { id: "conv_{hex:21}" }
user: { id: usr_pseudo_7f31c2 }
trace: { name: demo-turn, version: local, tags: [demo], metadata: { environment: staging, region: eu } }
timing: { thinkTime: 10s..20s }
vars:
  carrier: "{{pick DHL|UPS|DPD}}"
turns:
  - kind: status
    input: Where is my order?
    output: "It ships with {{carrier}} on {{date +2d}}."
    outcome: answered
    steps:
      - type: agent
        name: agent
        steps:
          - { type: tool, name: lookup, duration: 100ms..300ms, output: { carrier: "{{carrier}}" } }
          - type: generation
            name: answer
            model: gpt-4o
            duration: 1s..2s
            timeToFirstToken: 300ms..500ms
            usage: { input: 100..200, output: 20 }
            price: { input: 2.5, output: 10 }
            prompt: { name: answer, version: 3 }
  - kind: delay
    input: Why?
    output: Backlog.
    outcome: answered
    steps:
      - type: agent
        name: agent
        parallel: true
        duration: 50ms
        steps:
          - { type: tool, name: a, duration: 200ms }
          - { type: tool, name: b, duration: 300ms }
`,
  "demo.yaml",
);
const END = Date.parse("2026-11-25T12:00:00.000Z");

function walk(
  obs: ObservationPlan,
  visit: (obs: ObservationPlan, parent?: ObservationPlan) => void,
  parent?: ObservationPlan,
) {
  visit(obs, parent);
  for (const child of obs.children) walk(child, visit, obs);
}

test("planSession() is deterministic for a seed and differs across seeds", () => {
  const a = planSession(SCRIPT, { seed: 7, endMs: END, file: "demo.yaml" });
  const b = planSession(SCRIPT, { seed: 7, endMs: END, file: "demo.yaml" });
  const c = planSession(SCRIPT, { seed: 8, endMs: END, file: "demo.yaml" });
  assert.deepEqual(a, b);
  assert.notEqual(a.sessionId, c.sessionId);
  assert.notEqual(a.turns[0].traceId, c.turns[0].traceId);
});

test("ids have Langfuse's shapes: a generated session id, hex trace and span ids, all distinct", () => {
  const plan = planSession(SCRIPT, { seed: 1, endMs: END, file: "demo.yaml" });
  assert.match(plan.sessionId, /^conv_[0-9a-f]{21}$/);
  assert.equal(plan.userId, "usr_pseudo_7f31c2");
  const ids = new Set<string>();
  for (const turn of plan.turns) {
    assert.match(turn.traceId, /^[0-9a-f]{32}$/);
    walk(turn.root, (obs) => {
      assert.match(obs.spanId, /^[0-9a-f]{16}$/);
      ids.add(obs.spanId);
    });
  }
  assert.equal(ids.size, plan.turns.reduce((sum, turn) => sum + countSpans(turn.root), 0));
});

test("the last turn ends at endMs, turns are separated by think time, children sit inside parents", () => {
  const plan = planSession(SCRIPT, { seed: 3, endMs: END, file: "demo.yaml" });
  assert.equal(plan.turns.at(-1)!.root.endMs, END);
  const gap = plan.turns[1].root.startMs - plan.turns[0].root.endMs;
  assert.ok(gap >= 10_000 && gap <= 20_000, `think time ${gap}`);
  for (const turn of plan.turns) {
    walk(turn.root, (obs, parent) => {
      assert.ok(obs.endMs >= obs.startMs);
      if (parent) assert.ok(obs.startMs >= parent.startMs && obs.endMs <= parent.endMs, obs.name);
    });
  }
  // Parallel children overlap; the parent stretches past its declared 50ms to hold them.
  const agent = plan.turns[1].root.children[0];
  const [a, b] = agent.children;
  assert.ok(b.startMs < a.endMs, "parallel steps overlap");
  assert.ok(agent.endMs - agent.startMs >= 300);
});

test("generations get usage, cost from price, TTFT inside the span, and an int prompt version", () => {
  const plan = planSession(SCRIPT, { seed: 5, endMs: END, file: "demo.yaml" });
  const gen = plan.turns[0].root.children[0].children[1];
  assert.equal(gen.type, "generation");
  assert.equal(gen.model, "gpt-4o");
  assert.ok(gen.usage!.input >= 100 && gen.usage!.input <= 200);
  assert.equal(gen.usage!.output, 20);
  assert.equal(gen.usage!.total, gen.usage!.input + 20);
  assert.equal(gen.cost!.input, Math.round(gen.usage!.input * 2.5 / 1e6 * 1e9) / 1e9);
  assert.equal(gen.cost!.output, 0.0002);
  assert.ok(
    gen.completionStartMs! - gen.startMs >= 300 && gen.completionStartMs! - gen.startMs <= 500,
  );
  assert.deepEqual(gen.prompt, { name: "answer", version: 3 });
});

test("content is rendered: vars drawn once per session, dates relative to the turn", () => {
  const plan = planSession(SCRIPT, { seed: 11, endMs: END, file: "demo.yaml" });
  const root = plan.turns[0].root;
  const carrier = (root.children[0].children[0].output as { carrier: string }).carrier;
  assert.ok(["DHL", "UPS", "DPD"].includes(carrier));
  const expectedDate = new Date(root.startMs + 2 * 86_400_000).toISOString().slice(0, 10);
  assert.equal(root.output, `It ships with ${carrier} on ${expectedDate}.`);
  assert.equal(root.input, "Where is my order?");
  assert.equal(root.name, "demo-turn");
});

test("draw() stays inside a range and resolveId() keeps literal ids", () => {
  const rng = new Rng(9);
  for (let i = 0; i < 1000; i++) {
    const ms = draw("200ms..900ms", rng);
    assert.ok(ms >= 200 && ms <= 900);
  }
  assert.equal(draw("1.5s", rng), 1500);
  assert.equal(resolveId("usr_pseudo_7f31c2", rng), "usr_pseudo_7f31c2");
  assert.match(resolveId("usr_{alnum:10}", rng), /^usr_[a-z0-9]{10}$/);
});

test("scores are planned with ids derived from their trace or session, stable across runs", async () => {
  const { readScriptFile } = await import("../script/read.ts");
  const { script, file } = await readScriptFile("conversations/order-status.yaml");
  const a = planSession(script, { seed: 1, endMs: END, file });
  const b = planSession(script, { seed: 1, endMs: END, file });
  assert.deepEqual(a.scores, b.scores);
  assert.equal(a.scores.length, 3);
  const [first, last, session] = a.scores;
  assert.equal(first.traceId, a.turns[0].traceId);
  assert.equal(last.traceId, a.turns[2].traceId);
  assert.equal(session.sessionId, a.sessionId);
  assert.equal(session.traceId, undefined);
  assert.match(first.id, /^sr_[0-9a-f]{32}$/);
  assert.equal(new Set(a.scores.map((s) => s.id)).size, 3);
});

test("in load mode scores follow their rate and the outcome's weights", async () => {
  const { readScriptFile } = await import("../script/read.ts");
  const { script, file } = await readScriptFile("conversations/order-status.yaml");
  let escalated = 0;
  let thumbsDownWhenEscalated = 0;
  let resolutions = 0;
  for (let seed = 0; seed < 2000; seed++) {
    const plan = planSession(script, { seed, endMs: END, file, branching: true });
    const last = plan.turns.at(-1)!;
    const resolution = plan.scores.find((s) => s.name === "resolution");
    if (resolution) resolutions++;
    if (last.outcome === "escalated") {
      assert.equal(resolution?.value, "escalated");
      const feedback = plan.scores.find((s) => s.traceId === last.traceId);
      if (feedback) {
        escalated++;
        if (feedback.value === 0) thumbsDownWhenEscalated++;
      }
    }
  }
  assert.equal(resolutions, 2000, "rate defaults to 1");
  assert.ok(escalated > 60, `escalated with feedback ${escalated}`);
  assert.ok(Math.abs(thumbsDownWhenEscalated / escalated - 0.8) < 0.1);
});

test("in load mode a declared outcome's byOutcome weights decide the score's value", async () => {
  const { readScriptFile } = await import("../script/read.ts");
  const { script, file } = await readScriptFile("fixtures/scripts/open-vocabulary.yaml");
  let ones = 0;
  for (let seed = 0; seed < 1000; seed++) {
    const plan = planSession(script, { seed, endMs: END, file, branching: true });
    assert.equal(plan.turns[0].outcome, "cited");
    if (plan.scores.find((score) => score.name === "helpful")?.value === 1) ones++;
  }
  assert.ok(Math.abs(ones / 1000 - 0.9) < 0.04, `${ones} of 1000 helpful`);
});

// The numbers a reviewer can check, over a load-mode population of the shipped scripts.
const SHIPPED = await Promise.all(
  ["order-status", "refund", "handoff"].map(async (name) => {
    const file = `conversations/${name}.yaml`;
    return { file, script: (await readScriptFile(file)).script };
  }),
);
const POPULATION = (() => {
  const factory = new SessionFactory(SHIPPED, { seed: 7, users: 20, outlierRate: 0.02 });
  return Array.from({ length: 150 }, (_, i) => factory.plan(i, { endMs: END }));
})();
const HIDDEN = new Map<string, number>(
  SHIPPED.flatMap(({ script }) =>
    script.turns.flatMap((turn) =>
      stepPaths(turn.steps, []).map(({ step }) =>
        [step.name, step.hiddenInputTokens ?? 0] as [string, number]
      )
    )
  ),
);

function generations(plans: SessionPlan[]): ObservationPlan[] {
  const found: ObservationPlan[] = [];
  for (const plan of plans) {
    for (const turn of plan.turns) {
      walk(turn.root, (obs) => obs.type === "generation" && found.push(obs));
    }
  }
  return found;
}

/**
 * OpenAI's chat billing, counted here with gpt-tokenizer itself: 3 per message, its role,
 * content, name (and 1 more), tool calls and tool call id, and 3 priming the reply.
 */
function openAiPromptTokens(messages: Json): number {
  const count = (value: Json) =>
    o200k(typeof value === "string" ? value : JSON.stringify(value), {
      disallowedSpecial: new Set(),
    });
  return (messages as Record<string, Json>[]).reduce((sum, message) => {
    let tokens = 3 + count(message.role) + (message.content === null ? 0 : count(message.content));
    if (message.name !== undefined) tokens += count(message.name) + 1;
    if (message.tool_calls !== undefined) tokens += count(message.tool_calls);
    if (message.tool_call_id !== undefined) tokens += count(message.tool_call_id);
    return sum + tokens;
  }, 3);
}

test("the same output text counts the same tokens in every session", () => {
  const counts = new Map<string, { tokens: Set<number>; seen: number }>();
  for (const obs of generations(POPULATION)) {
    const key = `${obs.model} ${JSON.stringify(obs.output)}`;
    const entry = counts.get(key) ?? { tokens: new Set(), seen: 0 };
    entry.tokens.add(obs.usage!.output!);
    entry.seen++;
    counts.set(key, entry);
  }
  const repeated = [...counts.values()].filter((entry) => entry.seen > 1);
  assert.ok(repeated.length > 10, `${repeated.length} texts repeat`);
  for (const [key, entry] of counts) assert.equal(entry.tokens.size, 1, key);
});

test("input tokens are the tokenizer's count of the messages as sent plus the declared hidden part", () => {
  for (const obs of generations(POPULATION)) {
    const usage = obs.usage!;
    const sent = openAiPromptTokens(obs.input!) + HIDDEN.get(obs.name)!;
    assert.equal(usage.input + (usage.input_cached_tokens ?? 0), sent, obs.name);
    assert.equal(usage.total, sent + usage.output!);
  }
});

test("each generation keeps the hidden input tokens its step declares, for the realism check", () => {
  const declared = generations(POPULATION).filter((obs) => obs.hiddenInputTokens !== undefined);
  assert.ok(declared.length > 100, `${declared.length} generations declare hidden input`);
  for (const obs of generations(POPULATION)) {
    assert.equal(obs.hiddenInputTokens ?? 0, HIDDEN.get(obs.name), obs.name);
  }
});

test("cached input tokens appear from the second turn, once the shared prefix reaches 1,024", () => {
  let cachedTurns = 0;
  for (const plan of POPULATION) {
    for (const [t, turn] of plan.turns.entries()) {
      walk(turn.root, (obs) => {
        if (obs.name !== "compose-answer") return;
        // Tool schemas (1,110 tokens), the system prompt and the first question repeat.
        if (t === 0) assert.equal(obs.usage!.input_cached_tokens, undefined);
        else {
          assert.ok(obs.usage!.input_cached_tokens! >= 1024, `turn ${t + 1}`);
          assert.equal((obs.usage!.input_cached_tokens! - 1024) % 128, 0);
          cachedTurns++;
        }
      });
    }
  }
  assert.ok(cachedTurns > 30);
  // The router's prompts stay far under 1,024 tokens: never cached.
  const routers = generations(POPULATION).filter((obs) => obs.name === "route-intent");
  assert.ok(routers.every((obs) => obs.usage!.input_cached_tokens === undefined));
});

test("streamed generations run at a speed inside their model's band after the first token", () => {
  for (const obs of generations(POPULATION)) {
    assert.ok(obs.completionStartMs !== undefined, obs.name);
    const { min, max } = modelProfile(obs.model!).outputSpeed;
    const streamMs = obs.endMs - obs.completionStartMs;
    const output = obs.usage!.output!;
    // Durations are whole milliseconds: allow half a millisecond either way.
    assert.ok(
      output * 1000 / max - 0.5 <= streamMs && streamMs <= output * 1000 / min + 0.5,
      `${obs.name}: ${output} tokens in ${streamMs}ms`,
    );
  }
});

test("a step that times out lasts its timeout, as its status message says, slow outliers or not", () => {
  const timedOut: ObservationPlan[] = [];
  for (const plan of POPULATION) {
    for (const turn of plan.turns) {
      walk(turn.root, (obs) => {
        // A retry's WARNING event quotes the message; it is an instant, not a call.
        if (obs.type !== "event" && obs.statusMessage?.includes("timeout after")) {
          timedOut.push(obs);
        }
      });
    }
  }
  const names = new Set(timedOut.map((obs) => obs.name));
  for (const name of ["carrier_tracking", "issue_refund", "policy-search"]) {
    assert.ok(names.has(name), `${name} timed out in some session`);
  }
  for (const obs of timedOut) {
    const said = Number(/timeout after (\d+)s/.exec(obs.statusMessage!)![1]) * 1000;
    assert.equal(obs.endMs - obs.startMs, said, obs.name);
  }
});

const SCORED = parseScript(
  `name: scored
session: { id: "conv_{hex:21}" }
user: { id: "usr_{hex:12}" }
trace: { name: scored-turn, version: local }
scores:
  - name: resolution
    dataType: CATEGORICAL
    value: escalated
    comments:
      escalated: Asked for a person
      resolved: [Happy customer, Sorted in one go]
    byOutcome: { answered: { resolved: 0.7, abandoned: 0.3 } }
    byFinding: { unsolved: { resolved: 0 } }
findings:
  rates: { unsolved: 0.5 }
  variants:
    - { finding: unsolved, turn: status, output: Parcels arrive eventually., reaction: That doesn't help. }
turns:
  - kind: status
    input: Where is my order?
    output: It arrives on Friday.
    outcome: answered
    scores:
      - name: user_feedback
        dataType: BOOLEAN
        value: 1
        comment: Thumbs up
        byOutcome: { answered: { 1: 0.9, 0: 0.1 } }
        byFinding: { unsolved: { 1: 0.1 } }
    steps:
      - { type: generation, name: answer, model: m, messages: [{ role: user, content: Where is my order? }] }
  - kind: delay
    input: Why so late?
    output: A backlog at the depot.
    outcome: answered
    steps:
      - { type: generation, name: answer, model: m, messages: [{ role: user, content: Why so late? }] }
`,
  "scored.yaml",
);

function loadPlans(count: number) {
  return Array.from(
    { length: count },
    (_, seed) => planSession(SCORED, { seed, endMs: END, file: "scored.yaml", branching: true }),
  );
}

test("in load mode each score value carries its own comment, never another value's", () => {
  const commentsByValue = new Map<string, Set<string | undefined>>();
  for (const plan of loadPlans(600)) {
    for (const score of plan.scores) {
      const key = `${score.name}=${score.value}`;
      commentsByValue.set(key, (commentsByValue.get(key) ?? new Set()).add(score.comment));
    }
  }
  assert.deepEqual(
    commentsByValue.get("resolution=resolved"),
    new Set(["Happy customer", "Sorted in one go"]),
  );
  assert.deepEqual(commentsByValue.get("resolution=abandoned"), new Set([undefined]));
  // `comment` goes with `value` (1) only; a thumbs down gets none.
  assert.deepEqual(commentsByValue.get("user_feedback=1"), new Set(["Thumbs up"]));
  assert.deepEqual(commentsByValue.get("user_feedback=0"), new Set([undefined]));
});

test("a planted finding shifts its session's scores: unsolved is never resolved, feedback turns down", () => {
  let unsolved = 0;
  let downWhenUnsolved = 0;
  let feedbackWhenUnsolved = 0;
  let resolvedOtherwise = 0;
  for (const plan of loadPlans(600)) {
    const resolution = plan.scores.find((score) => score.name === "resolution")!;
    const feedback = plan.scores.find((score) => score.name === "user_feedback")!;
    if (plan.findings[0]?.finding === "unsolved") {
      unsolved++;
      assert.equal(resolution.value, "abandoned");
      feedbackWhenUnsolved++;
      if (feedback.value === 0) downWhenUnsolved++;
    } else if (resolution.value === "resolved") resolvedOtherwise++;
  }
  assert.ok(unsolved > 250 && unsolved < 350, `${unsolved} of 600 unsolved at rate 0.5`);
  assert.ok(resolvedOtherwise > 150, "sessions without the finding are still resolved");
  // Thumbs up weighs 0.9 × 0.1 against 0.1: about half are down instead of a tenth.
  const down = downWhenUnsolved / feedbackWhenUnsolved;
  assert.ok(down > 0.4 && down < 0.6, `thumbs down on unsolved: ${down}`);
});

test("the user reacts to a planted finding in the next turn, before saying what it says", () => {
  const plan = planSession(SCORED, { seed: 1, endMs: END, file: "scored.yaml", plant: "unsolved" });
  const next = plan.turns[1];
  assert.equal(next.root.input, "That doesn't help. Why so late?");
  const answer = next.root.children[0];
  // The history holds the unsolved answer the user reacts to.
  assert.deepEqual(answer.input, [
    { role: "user", content: "Where is my order?" },
    { role: "assistant", content: "Parcels arrive eventually." },
    { role: "user", content: "That doesn't help. Why so late?" },
  ]);
  const plain = planSession(SCORED, { seed: 1, endMs: END, file: "scored.yaml" });
  assert.equal(plain.turns[1].root.input, "Why so late?");
});

test("a replay plays one path: the turns its drawn vars lead to, none that follows a failure", () => {
  const script = parseScript(
    `name: paths
session: { id: "conv_{hex:21}" }
user: { id: "usr_{hex:12}" }
trace: { name: paths-turn, version: local }
vars:
  topic: "{{pick late|refund}}"
turns:
  - { kind: status, input: Hi, output: Hello., outcome: answered, steps: [{ type: span, name: a }] }
  - kind: delay
    when: { var: topic, in: [late] }
    input: It is late.
    output: Sorry.
    outcome: answered
    steps: [{ type: span, name: b }]
  - kind: refund
    when: { var: topic, in: [refund] }
    input: I want a refund.
    output: Done.
    outcome: resolved
    steps: [{ type: span, name: c }]
  - kind: escalation
    when: { failed: true }
    input: That failed.
    output: A colleague takes over.
    outcome: escalated
    steps: [{ type: span, name: d }]
  - { kind: followup, input: Thanks, output: Bye., outcome: answered, steps: [{ type: span, name: e }] }
`,
    "paths.yaml",
  );
  const paths = new Set<string>();
  for (let seed = 0; seed < 30; seed++) {
    const plan = planSession(script, { seed, endMs: END, file: "paths.yaml" });
    paths.add(plan.turns.map((turn) => turn.kind).join(" > "));
  }
  assert.deepEqual([...paths].sort(), [
    "status > delay > followup",
    "status > refund > followup",
  ]);
});

test("a replay of each shipped script with when-alternatives plays fewer turns than it writes", async () => {
  const { readdir } = await import("node:fs/promises");
  const files = (await readdir("conversations")).filter((name) => name.endsWith(".yaml"));
  let branched = 0;
  for (const name of files) {
    const { script, file } = await readScriptFile(`conversations/${name}`);
    if (!script.turns.some((turn) => turn.when)) continue;
    branched++;
    const plan = planSession(script, { seed: 1, endMs: END, file });
    assert.ok(plan.turns.length < script.turns.length, `${name}: one path, not every alternative`);
  }
  assert.ok(branched >= 5, `${branched} shipped scripts have when-alternatives`);
});
