import { test } from "node:test";
import assert from "node:assert/strict";
import { parseScript, readScriptFile } from "./read.ts";
import { ScriptError } from "./errors.ts";
import type { StepInput } from "./schema.ts";

const SCRIPT = `name: demo
session: { id: conv_82d9535867844b4c8cdff }
user: { id: usr_pseudo_7f31c2 }
trace: { name: demo-turn, version: local }
turns:
  - kind: status
    input: Hi, where is my order?
    output: It ships tomorrow.
    outcome: answered
    steps:
      - type: guardrail
        name: pii-input-filter
        input: { text: Hi, where is my order? }
      - type: tool
        name: lookup_order
        input: { customer: usr_pseudo_7f31c2, scope: latest }
`;

function problemsOf(text: string): [number, number, string, string][] {
  try {
    parseScript(text, "x.yaml");
  } catch (error) {
    assert.ok(error instanceof ScriptError);
    return error.problems.map((p) => [p.line, p.column, p.field, p.message]);
  }
  assert.fail("expected a ScriptError");
}

test("a flow mapping split at an unquoted comma and a fixed user id in content are both reported, until quoted and templated", () => {
  assert.deepEqual(problemsOf(SCRIPT), [
    [
      13,
      28,
      "turns[0].steps[0].input",
      'has a key with no value, "where is my order?": inside { } an unquoted comma ends the ' +
      'value, so YAML made the rest a key of its own; quote the text, e.g. text: "Hi, where is ' +
      'my order?"',
    ],
    [
      16,
      28,
      "turns[0].steps[1].input.customer",
      'names the script\'s fixed user id "usr_pseudo_7f31c2"; write "{{userId}}" instead, ' +
      "because load mode draws other users and the content would not match them",
    ],
  ]);
  // Quoting the text and templating the id is what fixes them.
  const fixed = SCRIPT.replace(
    "{ text: Hi, where is my order? }",
    '{ text: "Hi, where is my order?" }',
  )
    .replace("customer: usr_pseudo_7f31c2", 'customer: "{{userId}}"');
  const script = parseScript(fixed, "x.yaml");
  assert.deepEqual(script.turns[0].steps[0].input, { text: "Hi, where is my order?" });
});

test("content naming a fixed session id is refused; a generated id cannot be named", () => {
  const withSession = SCRIPT.replace("{ text: Hi, where is my order? }", "{ text: ok }")
    .replace("customer: usr_pseudo_7f31c2", "conversation: conv_82d9535867844b4c8cdff");
  assert.deepEqual(problemsOf(withSession).map(([, , field, message]) => [field, message]), [[
    "turns[0].steps[1].input.conversation",
    'names the script\'s fixed session id "conv_82d9535867844b4c8cdff"; write "{{sessionId}}" ' +
    "instead, because load mode draws other sessions and the content would not match them",
  ]]);
  const generated = withSession.replace("id: usr_pseudo_7f31c2", 'id: "usr_{hex:12}"').replace(
    "id: conv_82d9535867844b4c8cdff }",
    'id: "conv_{hex:21}" }',
  );
  assert.equal(parseScript(generated, "x.yaml").turns.length, 1);
});

test("a split mapping outside content is reported beside the schema's problem it causes", () => {
  const text = SCRIPT.replace("{ text: Hi, where is my order? }", "{ text: ok }")
    .replace("customer: usr_pseudo_7f31c2", 'customer: "{{userId}}"')
    .replace("trace: { name: demo-turn, version: local }", "trace: { name: demo-turn, local }");
  assert.deepEqual(problemsOf(text).map(([line, column, field]) => [line, column, field]), [
    [4, 8, "trace.version"],
    [4, 27, "trace"],
    [4, 27, "trace.local"],
  ]);
});

/** Every step of a step tree, depth first. */
function* allSteps(steps: StepInput[]): Generator<StepInput> {
  for (const step of steps) {
    yield step;
    yield* allSteps(step.steps ?? []);
  }
}

test("in the shipped scripts every guardrail checks the whole text the user typed", async () => {
  for (const name of ["order-status", "refund", "handoff"]) {
    const { script } = await readScriptFile(`conversations/${name}.yaml`);
    for (const [t, turn] of script.turns.entries()) {
      const guardrails = [...allSteps(turn.steps)].filter((step) => step.type === "guardrail");
      assert.equal(guardrails.length, 1, `${name} turn ${t}`);
      assert.deepEqual(guardrails[0].input, { text: turn.input }, `${name} turn ${t}`);
    }
  }
});
