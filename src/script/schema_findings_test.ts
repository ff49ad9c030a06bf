import { test } from "node:test";
import assert from "node:assert/strict";
import { parseScript } from "./read.ts";
import { scriptErrors } from "../../testing/scripts.ts";

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
  assert.deepEqual(scriptErrors(findings("    - { finding: sarcasm, turn: status }\n")), [
    "x.yaml:9:18: findings.variants[0].finding must be one of repeated_answer, lost_state, " +
    "late_escalation, unsolved",
  ]);
});

test("each finding's required and unused content fields are named", () => {
  assert.deepEqual(
    scriptErrors(findings(
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
    scriptErrors(findings(
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
      '(outcome escalated or handed_off), but a "status" turn\'s outcome is answered',
    ],
  );
});

test("a variant's templates are checked like the turns'", () => {
  assert.deepEqual(
    scriptErrors(findings('    - { finding: unsolved, turn: status, output: "{{eta}} maybe" }\n')),
    ["x.yaml:9:51: findings.variants[0].output uses {{eta}}, which is not declared in vars"],
  );
});

test("a rate outside 0..1 and an empty variant list are refused", () => {
  assert.deepEqual(
    scriptErrors(findings("    - { finding: unsolved, turn: status, output: x }\n", "1.5")),
    [
      "x.yaml:7:9: findings.rate must be at most 1",
    ],
  );
  assert.deepEqual(scriptErrors(`${HEAD}findings: { variants: [] }\n${TURNS}`), [
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
  assert.deepEqual(scriptErrors(text), [
    "x.yaml:16:58: turns[0].steps[0].steps[1].main a turn has at most one main generation; " +
    "steps[0].steps[0] is already main",
    "x.yaml:17:42: turns[0].steps[0].steps[2].main is only allowed on a generation step, " +
    'not on type "tool"',
  ]);
  assert.deepEqual(
    scriptErrors(
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

test("rates per finding are accepted, and refused beside a rate, for an unplanted finding or above 1", () => {
  const variants = `    - { finding: unsolved, turn: status, output: "Parcels arrive eventually." }
    - { finding: lost_state, turn: escalation, output: Which order?, reaction: I told you. }
`;
  const ok = parseScript(
    `${HEAD}findings:\n  rates: { unsolved: 0.1, lost_state: 0.3 }\n  variants:\n${variants}${TURNS}`,
    "x.yaml",
  );
  assert.deepEqual(ok.findings?.rates, { unsolved: 0.1, lost_state: 0.3 });
  assert.equal(ok.findings?.variants[1].reaction, "I told you.");
  assert.deepEqual(
    scriptErrors(
      `${HEAD}findings:\n  rate: 0.2\n  rates: { unsolved: 0.7, repeated_answer: 0.4 }\n  variants:\n${variants}${TURNS}`,
    ),
    [
      "x.yaml:8:10: findings.rates give either rate (one share for all findings) or rates (one " +
      "per finding), not both",
      "x.yaml:8:10: findings.rates add up to 1.1; a session carries at most one finding, so they " +
      "must add up to at most 1",
      "x.yaml:8:44: findings.rates.repeated_answer names repeated_answer, which no variant plants",
    ],
  );
});

test("late_escalation takes no reaction: its repeatedInput is the user's reaction", () => {
  assert.deepEqual(
    scriptErrors(findings(`    - finding: late_escalation
      turn: escalation
      output: Soon.
      repeatedInput: A person!
      reaction: Hm.
`)),
    [
      "x.yaml:13:17: findings.variants[0].reaction is not used by late_escalation: its " +
      "repeatedInput is the user's reaction",
    ],
  );
});
