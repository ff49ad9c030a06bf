import { test } from "node:test";
import assert from "node:assert/strict";
import { parseScript, readScriptFile } from "../script/read.ts";
import { type ChatMessage, mainGeneration } from "./chat.ts";
import { SessionFactory } from "./instances.ts";
import { planSession } from "./session.ts";
import { messageTokens } from "./tokens.ts";
import type { Json, ObservationPlan, SessionPlan } from "./types.ts";

const END = Date.parse("2026-11-25T12:00:00.000Z");
const { script: ORDER_STATUS } = await readScriptFile("conversations/order-status.yaml");

function find(root: ObservationPlan, name: string): ObservationPlan[] {
  return [
    ...(root.name === name ? [root] : []),
    ...root.children.flatMap((child) => find(child, name)),
  ];
}

function messages(obs: ObservationPlan): ChatMessage[] {
  assert.ok(Array.isArray(obs.input), `${obs.name} has chat messages as input`);
  return obs.input as unknown as ChatMessage[];
}

function byRole(obs: ObservationPlan, role: string): Json[] {
  return messages(obs).filter((message) => message.role === role).map((m) => m.content);
}

test("turn N's main generation carries the N user messages so far and the earlier answers in order", () => {
  const plan = planSession(ORDER_STATUS, { seed: 42, endMs: END, file: "order-status.yaml" });
  assert.equal(plan.turns.length, 3);
  for (const [n, turn] of plan.turns.entries()) {
    const [main] = find(turn.root, "compose-answer");
    const earlier = plan.turns.slice(0, n);
    assert.deepEqual(byRole(main, "user"), [...earlier, turn].map((t) => t.root.input));
    assert.deepEqual(byRole(main, "assistant"), earlier.map((t) => t.root.output));
    const roles = messages(main).map((message) => message.role);
    assert.equal(roles[0], "system", "the linked prompt's system message comes first");
    assert.equal(roles.filter((role) => role === "system").length, 1);
    // This turn's own messages come after the history, as the script wrote them.
    const own = ORDER_STATUS.turns[n].steps[0].steps!.at(-1)!.messages!;
    assert.deepEqual(roles.slice(-own.length), own.map((message) => message.role));
    assert.equal(messages(main).at(-own.length)!.content, turn.root.input);
  }
});

test("generations other than the main one keep only their own messages", () => {
  const plan = planSession(ORDER_STATUS, { seed: 42, endMs: END, file: "order-status.yaml" });
  const [router] = find(plan.turns[2].root, "route-intent");
  assert.deepEqual(messages(router).map((message) => message.role), ["system", "user"]);
});

const FIXED_USAGE = `name: fixed
session: { id: conv_82d9535867844b4c8cdff }
user: { id: usr_pseudo_7f31c2 }
trace: { name: fixed-turn, version: local }
turns:
${
  ["status", "delay", "resolution"].map((kind, t) =>
    `  - kind: ${kind}
    input: Question number ${t + 1} with a few more words to count.
    output: Answer number ${t + 1} which the next turns carry along.
    outcome: answered
    steps:
      - type: generation
        name: answer
        model: gpt-4o
        messages:
          - { role: system, content: Be brief. }
          - { role: user, content: Question number ${t + 1} with a few more words to count. }
        usage: { input: 100, output: 20 }
        price: { input: 2.5, output: 10 }
      - type: generation
        name: fixed-cost
        model: gpt-4o
        main: true
        messages:
          - { role: user, content: Question number ${t + 1} with a few more words to count. }
        usage: { input: 100, output: 20 }
        cost: { input: 0.001, output: 0.002 }`
  ).join("\n")
}
`;

test("a script that is not a chat (chat: false) gives no generation the earlier turns", () => {
  const text = FIXED_USAGE.replace("turns:\n", "chat: false\nturns:\n");
  const plan = planSession(parseScript(text, "fixed.yaml"), {
    seed: 1,
    endMs: END,
    file: "f.yaml",
  });
  for (const turn of plan.turns) {
    const [main] = find(turn.root, "fixed-cost");
    assert.deepEqual(byRole(main, "user"), [turn.root.input]);
    assert.deepEqual(byRole(main, "assistant"), []);
    assert.equal(main.usage!.input, 100, "no history's tokens added");
  }
  // The same script as a chat: the last turn's main generation carries the first two.
  const chat = planSession(parseScript(FIXED_USAGE, "fixed.yaml"), {
    seed: 1,
    endMs: END,
    file: "f.yaml",
  });
  const [last] = find(chat.turns[2].root, "fixed-cost");
  assert.equal(byRole(last, "user").length, 3);
});

test("a fixed input usage grows turn by turn by the history's tokens, and a fixed cost stays", () => {
  const script = parseScript(FIXED_USAGE.replace(/\n {8}main: true/g, ""), "fixed.yaml");
  const plan = planSession(script, { seed: 1, endMs: END, file: "fixed.yaml" });
  const mains = plan.turns.map((turn) => find(turn.root, "fixed-cost")[0]);
  const inputs = mains.map((main) => main.usage!.input);
  assert.equal(inputs[0], 100, "the first turn has no history");
  assert.ok(inputs[0] < inputs[1] && inputs[1] < inputs[2], `grows: ${inputs}`);
  for (const [n, main] of mains.entries()) {
    const history = plan.turns.slice(0, n).flatMap((turn) => [
      { role: "user" as const, content: turn.root.input! },
      { role: "assistant" as const, content: turn.root.output! },
    ]);
    const extra = history.reduce((sum, message) => sum + messageTokens(message, "gpt-4o"), 0);
    assert.deepEqual(main.usage, { input: 100 + extra, output: 20, total: 120 + extra });
    // A fixed cost is what the script says it is.
    assert.deepEqual(main.cost, { input: 0.001, output: 0.002, total: 0.003 });
  }
  // Without main: true the last generation (fixed-cost) is the main one; the first keeps its own.
  assert.equal(find(plan.turns[2].root, "answer")[0].usage!.input, 100);
});

test("a price-based main generation's cost follows its grown input usage", () => {
  const script = parseScript(
    FIXED_USAGE.replace(/\n {8}main: true/g, "").replace(
      /(name: answer\n)/g,
      "$1        main: true\n",
    ),
    "fixed.yaml",
  );
  const plan = planSession(script, { seed: 1, endMs: END, file: "fixed.yaml" });
  const main = find(plan.turns[2].root, "answer")[0];
  assert.ok(main.usage!.input > 100);
  assert.equal(main.cost!.input, Math.round(main.usage!.input * 2.5 / 1e6 * 1e9) / 1e9);
  assert.equal(main.cost!.output, 20 * 10 / 1e6);
  assert.equal(byRole(main, "user").length, 3);
  assert.equal(find(plan.turns[2].root, "fixed-cost")[0].usage!.input, 100);
});

test("mainGeneration() takes the generation marked main, else the turn's last one in document order", () => {
  const turn = (mainOn?: string) => ({
    steps: [{
      type: "agent" as const,
      name: "agent",
      steps: [
        {
          type: "generation" as const,
          name: "a",
          ...(mainOn === "a" ? { main: true as const } : {}),
        },
        {
          type: "chain" as const,
          name: "chain",
          steps: [{ type: "generation" as const, name: "b" }],
        },
        { type: "tool" as const, name: "tool" },
      ],
    }],
  });
  assert.equal(mainGeneration(turn())?.name, "b");
  assert.equal(mainGeneration(turn("a"))?.name, "a");
  assert.equal(mainGeneration({ steps: [{ type: "tool", name: "t" }] }), undefined);
});

test("in load mode only the turns a session played are in its history", () => {
  const script = parseScript(
    `name: branching
session: { id: "conv_{hex:21}" }
user: { id: usr_pseudo_7f31c2 }
trace: { name: branching-turn, version: local }
turns:
  - kind: status
    input: first question
    output: first answer
    outcome: answered
    steps:
      - type: tool
        name: lookup
        error: { rate: 0.5, message: timeout }
      - { type: generation, name: g, model: m, messages: [{ role: user, content: first question }] }
  - kind: delay
    input: only after a failure
    output: recovered answer
    outcome: answered
    when: { failed: true }
    steps:
      - { type: generation, name: g, model: m, messages: [{ role: user, content: only after a failure }] }
  - kind: resolution
    input: last question
    output: last answer
    outcome: resolved
    reach: 0.7
    steps:
      - { type: generation, name: g, model: m, messages: [{ role: user, content: last question }] }
`,
    "branching.yaml",
  );
  const factory = new SessionFactory([{ file: "branching.yaml", script }], { seed: 3, users: 5 });
  const plans: SessionPlan[] = Array.from(
    { length: 200 },
    (_, i) => factory.plan(i, { endMs: END }),
  );
  const shapes = new Set(plans.map((plan) => plan.turns.map((turn) => turn.kind).join(",")));
  assert.ok(
    shapes.has("status,resolution") && shapes.has("status,delay,resolution"),
    [...shapes].join(" "),
  );
  for (const plan of plans) {
    for (const [n, turn] of plan.turns.entries()) {
      const [main] = find(turn.root, "g");
      const played = plan.turns.slice(0, n + 1);
      assert.deepEqual(byRole(main, "user"), played.map((t) => t.root.input));
      assert.deepEqual(byRole(main, "assistant"), played.slice(0, -1).map((t) => t.root.output));
    }
  }
});
