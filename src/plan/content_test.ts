import { test } from "node:test";
import assert from "node:assert/strict";
import { parseScript } from "../script/read.ts";
import { scriptProblems } from "../../testing/scripts.ts";
import { planSession } from "./session.ts";

const END = Date.parse("2026-11-25T12:00:00.000Z");

const script = (vars: string) =>
  `name: demo
session:
  id: conv_{hex:21}
user:
  id: usr_{hex:12}
trace: { name: demo-turn, version: local }
persona:
  firstName: "{{pick Ada|Grace}}"
vars:
${vars}
turns:
  - kind: status
    input: "{{ask}}"
    output: "On its way."
    outcome: answered
    steps:
      - { type: guardrail, name: filter, input: { text: "{{ask}}" } }
`;

const ALTERNATIVES = `  item: "{{pick lamp|kettle}}"
  ask:
    - Where is my {{item}}?
    - Hi, {{persona.firstName}} here. My {{item}} has not arrived.
    - Has the {{item}} shipped yet?`;

test("a var listing alternatives picks one per session, renders it, and says it everywhere it is used", () => {
  const demo = parseScript(script(ALTERNATIVES), "demo.yaml");
  const asked = new Set<string>();
  for (let seed = 0; seed < 40; seed++) {
    const plan = planSession(demo, { seed, endMs: END, file: "demo.yaml" });
    const { input, children } = plan.turns[0].root;
    assert.match(
      String(input),
      /^(Where is my (lamp|kettle)\?|Hi, (Ada|Grace) here\. My (lamp|kettle) has not arrived\.|Has the (lamp|kettle) shipped yet\?)$/,
    );
    assert.deepEqual(children[0].input, { text: input }, "the guardrail sees the same words");
    asked.add(String(input).replace(/lamp|kettle|Ada|Grace/g, "_"));
  }
  assert.equal(asked.size, 3, "every alternative is picked");
  const again = planSession(demo, { seed: 3, endMs: END, file: "demo.yaml" });
  assert.equal(
    again.turns[0].root.input,
    planSession(demo, { seed: 3, endMs: END, file: "demo.yaml" }).turns[0].root.input,
  );
});

test("an alternative's template problem is reported at that alternative, and a list needs two", () => {
  assert.deepEqual(
    scriptProblems(script(`  ask:\n    - Where is it?\n    - Where is my {{parcel}}?`)),
    ["12:19 vars.ask[1] uses {{parcel}}, which is not declared in vars before it"],
  );
  assert.deepEqual(scriptProblems(script(`  ask: [Where is it?]`)), [
    "10:8 vars.ask must have at least 2 item(s)",
  ]);
});
