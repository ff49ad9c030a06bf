import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runTask } from "../testing/tasks.ts";
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

async function tinyScript(): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), "realism-")), "tiny.yaml");
  await writeFile(file, ONE_MESSAGE);
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

test("validate --realism of the shipped support scripts meets the variety, error, failure and people thresholds", async () => {
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
    ]
  ) assert.match(verdicts[key], /^ok /, `${key}: ${verdicts[key]}`);
  assert.ok(realism.stats.text.distinctUserMessages >= 300);
});

test("validate refuses realism flags without --realism and a session count out of range (exit 2)", async () => {
  const strict = await runTask("validate", [SHIPPED[1], "--strict"]);
  assert.equal(strict.code, 2);
  assert.match(strict.stderr, /--strict needs --realism/);
  const none = await runTask("validate", [SHIPPED[1], "--realism", "--sessions", "0"]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /--sessions must be a whole number from 1 to 100000, not "0"/);
});
