import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runTask } from "../../testing/tasks.ts";
import type { RealismReport } from "../report/realism_report.ts";

/** A script whose every session says the same thing: what --realism is there to catch. */
const ONE_MESSAGE = `name: tiny
session:
  id: conv_{hex:21}
user:
  id: usr_{hex:12}
trace: { name: tiny-turn, version: local }
turns:
  - kind: status
    input: Where is my order?
    output: It ships today.
    outcome: answered
    steps:
      - type: tool
        name: lookup_order
        input: { scope: latest }
        output: { status: packed }
`;

/** A generation whose script fixes its input tokens, far from what its one message holds. */
const FIXED_USAGE = ONE_MESSAGE.slice(0, ONE_MESSAGE.indexOf("    steps:\n")).replace(
  "name: tiny",
  "name: fixed",
) + `    steps:
      - type: generation
        name: answer
        model: gpt-5.4-mini
        messages:
          - role: user
            content: Where is my order?
        output: { role: assistant, content: It ships today. }
        usage: { input: 5000, output: 10 }
`;

async function tinyScript(text = ONE_MESSAGE): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), "realism-")), "tiny.yaml");
  await writeFile(file, text);
  return file;
}

const SHIPPED = [
  "conversations/handoff.yaml",
  "conversations/order-status.yaml",
  "conversations/refund.yaml",
];

test("validate --realism shows a script with one fixed user message missing, with a hint, and exits 0", async () => {
  const file = await tinyScript();
  const run = await runTask("validate", [file, "--realism", "--sessions", "200"]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /tiny\.yaml: ok \(1 turn\)/);
  assert.match(
    run.stdout,
    /Realism of 200 sessions as load would plan them \(seed 1; nothing sent\):/,
  );
  assert.match(run.stdout, /most common user message +100% of 200 turns +MISS +\(≤ 3% of turns\)/);
  assert.match(
    run.stdout,
    /hint: "Where is my order\?" is turn 1 \(status\) of tiny: add paraphrases with a var of whole-sentence alternatives/,
  );
  assert.match(run.stdout, /distinct user messages +1 +MISS +\(≥ 60 for 200 sessions\)/);
  assert.match(run.stdout, /sessions with an ERROR +0% \(0\) +MISS/);
  assert.match(run.stdout, /\d realism measures missed\.\n?$/);
});

test("validate --realism --strict fails a miss with exit 3; --json gives every measure with its verdict", async () => {
  const file = await tinyScript();
  const strict = await runTask("validate", [file, "--realism", "--sessions", "50", "--strict"]);
  assert.equal(strict.code, 3);
  assert.match(strict.stdout, /most common user message .* MISS/);
  const json = await runTask("validate", [
    file,
    "--realism",
    "--sessions",
    "50",
    "--seed",
    "9",
    "--json",
  ]);
  assert.equal(json.code, 0, json.stderr);
  const out = JSON.parse(json.stdout) as {
    scripts: { file: string; ok: boolean; turns: number }[];
    realism: RealismReport;
  };
  assert.deepEqual(out.scripts, [{ file, ok: true, turns: 1 }]);
  assert.equal(out.realism.seed, 9);
  assert.equal(out.realism.sessions, 50);
  const top = out.realism.measures.find((measure) => measure.key === "topUserMessageShare")!;
  assert.equal(top.verdict, "MISS");
  assert.match(top.hint!, /turn 1 \(status\) of tiny/);
  assert.equal(out.realism.stats.text.top!.text, "Where is my order?");
});

test("validate --realism of the shipped support scripts meets the variety, error, failure, people and token fit thresholds", async () => {
  const run = await runTask("validate", [...SHIPPED, "--realism", "--sessions", "1000", "--json"]);
  assert.equal(run.code, 0, run.stderr);
  const { realism } = JSON.parse(run.stdout) as { realism: RealismReport };
  const verdicts = Object.fromEntries(
    realism.measures.map((m) => [m.key, `${m.verdict} ${m.value}`]),
  );
  for (
    const key of [
      "distinctUserMessages",
      "distinctAnswers",
      "topUserMessageShare",
      "errorShare",
      "failuresShown",
      "scoresAgreeWithFindings",
      "commentsPerValue",
      "maxSessionsPerUserDay",
      "overlappingSessions",
      "tokenFit",
    ]
  ) assert.match(verdicts[key], /^ok /, `${key}: ${verdicts[key]}`);
  assert.ok(realism.stats.text.distinctUserMessages >= 300);
  const fit = realism.stats.text.tokenFit;
  assert.equal(fit.method, "tokenizer");
  assert.ok(fit.generations > 1000, `${fit.generations} generations`);
  assert.equal(fit.fitting, fit.generations);
});

test("validate --realism shows a generation with a fixed usage.input missing token fit, and names it", async () => {
  const file = await tinyScript(FIXED_USAGE);
  const run = await runTask("validate", [file, "--realism", "--sessions", "20"]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(
    run.stdout,
    /generations whose input tokens fit +0 of 20 +MISS +\(≥ 99% within max\(2, 1%\) tokens of the tokenizer\)/,
  );
  // 12 tokens: the user message (5), its role (1) and framing (3), and 3 priming the reply.
  assert.match(
    run.stdout,
    /hint: answer in turn 1 of fixed reports 5000 input tokens for 12 tokens of visible input \+ hidden: remove its fixed usage\.input/,
  );
});

test("validate refuses realism flags without --realism and a session count out of range (exit 2)", async () => {
  const strict = await runTask("validate", [SHIPPED[1], "--strict"]);
  assert.equal(strict.code, 2);
  assert.match(strict.stderr, /--strict needs --realism/);
  const none = await runTask("validate", [SHIPPED[1], "--realism", "--sessions", "0"]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /--sessions must be a whole number from 1 to 100000, not "0"/);
});
