import { test } from "node:test";
import assert from "node:assert/strict";
import { ScriptError } from "./errors.ts";
import { parseScript } from "./load.ts";

const HEAD = `name: demo
session: { id: conv_82d9535867844b4c8cdff }
user: { id: usr_pseudo_7f31c2 }
trace: { name: demo-turn, version: local }
vars: { carrier: "{{pick DHL|UPS}}" }
`;

const TURNS = `turns:
  - kind: status
    input: Where is my order?
    output: It ships with {{carrier}}.
    outcome: answered
    steps:
      - { type: generation, name: g, model: m, messages: [{ role: user, content: Where is my order? }] }
  - kind: escalation
    input: A person, please.
    output: Handing over.
    outcome: escalated
    steps:
      - { type: generation, name: g, model: m }
`;

function errorsOf(text: string): string[] {
  try {
    parseScript(text, "x.yaml");
  } catch (error) {
    assert.ok(error instanceof ScriptError);
    return error.message.split("\n");
  }
  assert.fail("expected a ScriptError");
}

function findings(variants: string, rate = "0.5"): string {
  return `${HEAD}findings:\n  rate: ${rate}\n  variants:\n${variants}${TURNS}`;
}

test("a findings section with every finding's content is accepted, rate defaulting to 0", () => {
  const script = parseScript(
    findings(
      `    - { finding: unsolved, turn: status, output: "Parcels arrive eventually." }
    - { finding: repeated_answer, turn: escalation }
    - { finding: lost_state, turn: escalation, output: Which order was it? }
    - finding: late_escalation
      turn: escalation
      output: "{{carrier}} will deliver soon."
      repeatedInput: I said a person!
      weight: 2
`,
    ),
    "x.yaml",
  );
  assert.equal(script.findings?.variants.length, 4);
  assert.equal(script.findings?.variants[0].weight, 1);
  const noRate = parseScript(
    `${HEAD}findings:\n  variants:\n    - { finding: repeated_answer, turn: escalation }\n${TURNS}`,
    "x.yaml",
  );
  assert.equal(noRate.findings?.rate, 0);
});

test("a finding outside the bounded list is refused with the list", () => {
  assert.deepEqual(errorsOf(findings("    - { finding: sarcasm, turn: status }\n")), [
    "x.yaml:9:18: findings.variants[0].finding must be one of repeated_answer, lost_state, " +
    "late_escalation, unsolved",
  ]);
});

test("each finding's required and unused content fields are named", () => {
  assert.deepEqual(
    errorsOf(findings(
      `    - { finding: repeated_answer, turn: escalation, output: Same again. }
    - { finding: lost_state, turn: escalation }
    - { finding: late_escalation, turn: escalation, output: Not yet. }
    - { finding: unsolved, turn: status, output: Hm., repeatedInput: Again? }
`,
    )),
    [
      "x.yaml:9:61: findings.variants[0].output is not used by repeated_answer: the answer " +
      "becomes the previous turn's answer",
      "x.yaml:10:7: findings.variants[1].output is required by lost_state: the answer that " +
      "asks again for what the user said",
      "x.yaml:11:7: findings.variants[2].repeatedInput is required by late_escalation: the " +
      "user's repeated request, before the escalation turn",
      "x.yaml:12:70: findings.variants[3].repeatedInput is only used by late_escalation",
    ],
  );
});

test("a variant's turn must exist and fit the finding", () => {
  assert.deepEqual(
    errorsOf(findings(
      `    - { finding: repeated_answer, turn: status }
    - { finding: lost_state, turn: refund, output: Which item? }
    - { finding: late_escalation, turn: status, output: Not yet., repeatedInput: Please. }
`,
    )),
    [
      "x.yaml:9:41: findings.variants[0].turn cannot be the first turn for repeated_answer: " +
      "there is no previous answer to repeat",
      'x.yaml:10:36: findings.variants[1].turn names turn kind "refund", which no turn has ' +
      "(kinds: status, escalation)",
      "x.yaml:11:41: findings.variants[2].turn cannot be the first turn for late_escalation: " +
      "there is no earlier turn to answer like before escalating",
      "x.yaml:11:41: findings.variants[2].turn must be an escalating turn for late_escalation " +
      '(outcome escalated or handed_off), but the first "status" turn\'s outcome is answered',
    ],
  );
});

test("a variant's templates are checked like the turns'", () => {
  assert.deepEqual(
    errorsOf(findings('    - { finding: unsolved, turn: status, output: "{{eta}} maybe" }\n')),
    ["x.yaml:9:51: findings.variants[0].output uses {{eta}}, which is not declared in vars"],
  );
});

test("a rate outside 0..1 and an empty variant list are refused", () => {
  assert.deepEqual(
    errorsOf(findings("    - { finding: unsolved, turn: status, output: x }\n", "1.5")),
    [
      "x.yaml:7:9: findings.rate must be at most 1",
    ],
  );
  assert.deepEqual(errorsOf(`${HEAD}findings: { variants: [] }\n${TURNS}`), [
    "x.yaml:6:23: findings.variants must have at least 1 item(s)",
  ]);
});

test("a turn has at most one main generation, and main is for generations only", () => {
  const text = `${HEAD}turns:
  - kind: status
    input: Where is my order?
    output: Soon.
    outcome: answered
    steps:
      - type: agent
        name: agent
        steps:
          - { type: generation, name: a, model: m, main: true }
          - { type: generation, name: b, model: m, main: true }
          - { type: tool, name: t, main: true }
`;
  assert.deepEqual(errorsOf(text), [
    "x.yaml:16:58: turns[0].steps[0].steps[1].main a turn has at most one main generation; " +
    "steps[0].steps[0] is already main",
    "x.yaml:17:42: turns[0].steps[0].steps[2].main is only allowed on a generation step, " +
    'not on type "tool"',
  ]);
  assert.deepEqual(
    errorsOf(
      text.replace(/, main: true \}/g, ", main: false }").replace(
        "name: t, main: false",
        "name: t",
      ),
    ),
    [
      "x.yaml:15:58: turns[0].steps[0].steps[0].main must be one of true",
      "x.yaml:16:58: turns[0].steps[0].steps[1].main must be one of true",
    ],
  );
});
