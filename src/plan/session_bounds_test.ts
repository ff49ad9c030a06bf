import { test } from "node:test";
import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import { parseScript, readScriptFile } from "../script/read.ts";
import { oneTurnScript } from "../../testing/scripts.ts";
import { DEFAULT_OUTLIER_RATE } from "./instances.ts";
import { planSession } from "./session.ts";
import { longestSessionMs } from "./session_bounds.ts";

const END = Date.parse("2026-11-25T12:00:00.000Z");

test("no load-mode session of a shipped script lasts longer than its longest-session bound", async () => {
  const files = (await readdir("conversations")).filter((name) => name.endsWith(".yaml"));
  for (const name of files) {
    const file = `conversations/${name}`;
    const { script } = await readScriptFile(file);
    // Every slow outlier at once, so leaves reach the bound's factor.
    const bound = longestSessionMs(script, { outlierRate: 1 });
    // Two hours at most: an agent turn on a reasoning model takes minutes, every leaf may be an
    // 8x outlier, and a person is waited for as written (ops-approval's takes up to 15 minutes).
    assert.ok(bound < 2 * 3_600_000, `${name}: ${bound} ms is no believable bound`);
    let longest = 0;
    for (let seed = 0; seed < 500; seed++) {
      const plan = planSession(script, { seed, endMs: END, file, branching: true, outlierRate: 1 });
      longest = Math.max(longest, plan.turns.at(-1)!.root.endMs - plan.turns[0].root.startMs);
    }
    assert.ok(longest <= bound, `${name}: a session lasted ${longest} ms, bound ${bound}`);
    assert.ok(
      longestSessionMs(script, { outlierRate: DEFAULT_OUTLIER_RATE }) === bound,
      "any outlier rate above 0 allows the same slowest leaf",
    );
  }
});

/** A script whose turns each take one tool step of `seconds`, played when `topic` is in `values`. */
function alternatives(turns: { values?: string[]; seconds: number }[]): string {
  return `name: demo
session: { id: conv_82d9535867844b4c8cdff }
user: { id: usr_pseudo_7f31c2 }
trace: { name: demo-turn, version: local }
timing: { thinkTime: 60s }
vars: { topic: "{{pick a|b|c}}" }
turns:
${
    turns.map(({ values, seconds }) =>
      `  - kind: status
    input: Where is my order?
    output: On its way.
    outcome: answered
${values ? `    when: { var: topic, in: [${values.join(", ")}] }\n` : ""}    steps:
      - { type: tool, name: lookup_order, duration: ${seconds}s }
`
    ).join("")
  }`;
}

test("longestSessionMs() counts one of the turns that need different values of a var", () => {
  const bound = (text: string) => longestSessionMs(parseScript(text, "x.yaml"), { outlierRate: 0 });
  const one = bound(alternatives([{ seconds: 30 }]));
  // a, b and c exclude each other: the longest, c, with its think time.
  assert.equal(
    bound(alternatives([
      { values: ["a"], seconds: 10 },
      { values: ["b"], seconds: 20 },
      { values: ["c"], seconds: 30 },
    ])),
    one + 60_000,
  );
  // b plays the first two turns, which together take longer than c's.
  assert.equal(
    bound(alternatives([
      { values: ["a", "b"], seconds: 10 },
      { values: ["b"], seconds: 20 },
      { values: ["c"], seconds: 30 },
    ])),
    bound(alternatives([{ seconds: 10 }, { seconds: 20 }])),
  );
  // Without when, every turn plays: the third adds its think time and all of one turn but the
  // second that the bound adds once.
  assert.equal(
    bound(alternatives([{ seconds: 10 }, { seconds: 20 }, { seconds: 30 }])),
    bound(alternatives([{ seconds: 10 }, { seconds: 20 }])) + 60_000 + one - 1_000,
  );
});

test("the bound holds streamed generations at their slowest and steps at their named timeout", () => {
  const script = parseScript(
    oneTurnScript(`- type: generation
  name: answer
  model: gpt-5.4
  modelParameters: { max_completion_tokens: 500 }
  timeToFirstToken: 300ms..600ms
  output: { role: assistant, content: A long answer. }
  usage: { output: 450..500 }
- { type: tool, name: pay, statusMessage: payment provider timeout after 5s }`),
    "bounded.yaml",
  );
  const bound = longestSessionMs(script, { outlierRate: 1 });
  // 500 tokens at the large models' slowest 30 tokens/s, the first token 8 times late, and 5s.
  assert.ok(bound >= 600 * 8 + Math.ceil(500 * 1000 / 30) + 5000, `${bound}`);
  for (let seed = 0; seed < 200; seed++) {
    const plan = planSession(script, { seed, endMs: END, file: "b.yaml", outlierRate: 1 });
    const root = plan.turns[0].root;
    assert.ok(root.endMs - root.startMs <= bound);
    assert.equal(root.children[1].endMs - root.children[1].startMs, 5000);
  }
});

test("slow outliers stretch calls of up to a minute, never a wait: a leaf span or a longer step lasts as written", () => {
  const script = parseScript(
    `name: waits
session: { id: "conv_{hex:21}" }
user: { id: "usr_{hex:12}" }
trace: { name: waits-turn, version: local }
turns:
  - kind: status
    input: Approve?
    output: Waiting for the owner.
    outcome: answered
    steps:
      - { type: tool, name: post_request, duration: 200ms }
      - { type: span, name: await-approval, duration: 10m }
      - { type: tool, name: wait_for_rollout, duration: 2m }
`,
    "waits.yaml",
  );
  const durations = (plan: ReturnType<typeof planSession>) =>
    Object.fromEntries(
      plan.turns[0].root.children.map((obs) => [obs.name, obs.endMs - obs.startMs]),
    );
  const slow = durations(
    planSession(script, { seed: 1, endMs: END, file: "w.yaml", branching: true, outlierRate: 1 }),
  );
  assert.ok(slow.post_request >= 600, `the call is slow: ${slow.post_request} ms`);
  assert.equal(slow["await-approval"], 600_000, "a wait lasts what the script says");
  assert.equal(slow.wait_for_rollout, 120_000, "so does a step that takes minutes anyway");
  // The slow call at 8 times, the waits as written, and a second for gaps, tails and rounding.
  const bound = longestSessionMs(script, { outlierRate: 1 });
  assert.ok(bound >= 200 * 8 + 600_000 + 120_000 && bound <= 200 * 8 + 720_000 + 1_100, `${bound}`);
});

test("a session whose stress section plays its turns again lasts no longer than its bound", async () => {
  const file = "stress/long-session.yaml";
  const { script } = await readScriptFile(file);
  const bound = longestSessionMs(script, { outlierRate: 1 });
  for (let seed = 0; seed < 20; seed++) {
    const plan = planSession(script, { seed, endMs: END, file, branching: true, outlierRate: 1 });
    assert.equal(plan.turns.length, 300);
    const lasted = plan.turns.at(-1)!.root.endMs - plan.turns[0].root.startMs;
    assert.ok(lasted <= bound, `a session lasted ${lasted} ms, bound ${bound}`);
    assert.ok(lasted > 300 * 5_000, "300 turns take their time");
  }
});
