import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXIT } from "../run/exit_codes.ts";
import { main } from "../main.ts";
import { captureIo } from "../../testing/io.ts";
import { parseScript } from "./read.ts";
import { scriptProblems } from "../../testing/scripts.ts";
import { reviewContext, reviewProblems } from "./schema_review.ts";
import { declaredVocabulary } from "./schema_vocabulary.ts";

const SCRIPT = `name: docs
vocabulary:
  workflows: [docs-search]
  turnKinds: [question]
  outcomes: [cited]
  usageTypes: [input_image_tokens]
session: { id: conv_82d9535867844b4c8cdff }
user: { id: usr_pseudo_7f31c2 }
trace:
  name: docs-turn
  version: local
  metadata: { workflow: docs-search }
scores:
  - { name: helpful, dataType: BOOLEAN, value: 1, byOutcome: { cited: { 1: 1 } } }
turns:
  - kind: question
    input: How do I rotate a key?
    output: Under Settings.
    outcome: cited
    steps:
      - type: generation
        name: answer
        model: gpt-4o
        usage: { input: 10, output: 5, input_image_tokens: 85 }
`;

const KINDS = "greeting, status, delay, escalation, refund, handoff, clarification, " +
  "resolution, followup";
const OUTCOMES = "answered, clarified, resolved, escalated, handed_off, recovered, failed";

const problems = scriptProblems;

test("a script may use the workflow, turn kind, outcome and usage type it declares", () => {
  const script = parseScript(SCRIPT, "x.yaml");
  assert.equal(script.turns[0].kind, "question");
  assert.equal(script.turns[0].outcome, "cited");
  assert.equal(script.trace.metadata.workflow, "docs-search");
  assert.deepEqual(script.vocabulary?.usageTypes, ["input_image_tokens"]);
});

test("scripts without a vocabulary section keep the defaults", () => {
  const plain = SCRIPT.replace(/vocabulary:\n( {2}.*\n)+/, "")
    .replace("workflow: docs-search", "workflow: refund")
    .replace("byOutcome: { cited:", "byOutcome: { answered:")
    .replace("kind: question", "kind: status").replace("outcome: cited", "outcome: answered")
    .replace(", input_image_tokens: 85", ", input_cached_tokens: 4");
  assert.deepEqual(problems(plain), []);
});

test("an undeclared value is refused where it is written, naming the defaults and the declared ones", () => {
  const cases: [string, string, string][] = [
    [
      "kind: question",
      "kind: faq",
      `16:11 turns[0].kind must be one of ${KINDS}, question; declare others under ` +
      "vocabulary.turnKinds",
    ],
    [
      "outcome: cited",
      "outcome: unknown",
      `19:14 turns[0].outcome must be one of ${OUTCOMES}, cited; declare others under ` +
      "vocabulary.outcomes",
    ],
    [
      "metadata: { workflow: docs-search }",
      "metadata: { workflow: billing }",
      "12:25 trace.metadata.workflow must be one of order-status, refund, handoff, " +
      "docs-search; declare others under vocabulary.workflows",
    ],
    [
      "byOutcome: { cited:",
      "byOutcome: { cites:",
      `14:64 scores[0].byOutcome.cites must be one of ${OUTCOMES}, cited; declare others ` +
      "under vocabulary.outcomes",
    ],
    [
      "input_image_tokens: 85",
      "input_video_tokens: 85",
      "24:40 turns[0].steps[0].usage.input_video_tokens must be one of input, output, " +
      "input_cached_tokens, input_cache_creation, output_reasoning_tokens, input_audio_tokens, " +
      "output_audio_tokens, input_image_tokens; declare others under vocabulary.usageTypes",
    ],
    [
      "input_image_tokens: 85",
      "total: 100",
      "24:40 turns[0].steps[0].usage.total must be one of input, output, input_cached_tokens, " +
      "input_cache_creation, output_reasoning_tokens, input_audio_tokens, output_audio_tokens, " +
      "input_image_tokens; declare others under vocabulary.usageTypes",
    ],
  ];
  for (const [from, to, expected] of cases) {
    assert.deepEqual(problems(SCRIPT.replace(from, to)), [expected], to);
  }
});

const inVocabulary = (problem: string) => problem.split(" ")[1].startsWith("vocabulary.");

test("a declared value must be a short slug that holds nothing personal, declared once", () => {
  const cases: [string, string][] = [
    [
      "[Question]",
      '4:15 vocabulary.turnKinds[0] must be a short slug: lowercase letters and digits, words joined by "-" or "_", starting with a letter (at most 32 characters)',
    ],
    [
      "[question-about-keys-and-tokens-xy]",
      "4:15 vocabulary.turnKinds[0] must have at most 32 character(s)",
    ],
    [
      "[order-9241]",
      "4:15 vocabulary.turnKinds[0] looks like an order reference; it would be copied onto every span",
    ],
    ["[question, question]", '4:25 vocabulary.turnKinds[1] lists "question" twice'],
    [
      "[question, status]",
      '4:25 vocabulary.turnKinds[1] "status" is already a turn kind; declare only new ones',
    ],
    ["[]", "4:14 vocabulary.turnKinds must have at least 1 item(s)"],
  ];
  for (const [list, expected] of cases) {
    const text = SCRIPT.replace("turnKinds: [question]", `turnKinds: ${list}`);
    assert.deepEqual(problems(text).filter(inVocabulary), [expected], list);
  }
  const many = Array.from({ length: 21 }, (_, i) => `kind${i}`).join(", ");
  assert.deepEqual(
    problems(SCRIPT.replace("turnKinds: [question]", `turnKinds: [question, ${many}]`))
      .filter(inVocabulary),
    ["4:14 vocabulary.turnKinds must have at most 20 item(s)"],
  );
  assert.deepEqual(
    problems(SCRIPT.replace("usageTypes: [input_image_tokens]", "usageTypes: [total]"))
      .filter(inVocabulary),
    ['6:16 vocabulary.usageTypes[0] "total" is reserved: Langfuse computes it'],
  );
});

test("undeclared values are reported together with every other problem of the script", () => {
  const text = SCRIPT.replace("kind: question", "kind: faq")
    .replace("version: local", "version: Local Build");
  assert.deepEqual(problems(text).map((p) => p.split(" ").slice(0, 2).join(" ")), [
    "11:12 trace.version",
    "16:11 turns[0].kind",
  ]);
});

test("findings may plant into a turn of a declared kind", () => {
  const text = SCRIPT.replace(
    "turns:",
    "findings:\n  variants:\n    - { finding: unsolved, turn: question, output: No idea. }\nturns:",
  );
  assert.deepEqual(problems(text), []);
  assert.deepEqual(problems(text.replace("turn: question,", "turn: faq,")), [
    '17:34 findings.variants[0].turn names turn kind "faq", which no turn has (kinds: question)',
  ]);
});

test("review rules take the declared outcomes, in a script and in a --review file", () => {
  const review = (outcome: string) =>
    SCRIPT + `review:\n  queues:\n    - name: q\n      objectType: TRACE\n      scoreConfigs: ` +
    `[helpful]\n      select: { outcome: ${outcome} }\n`;
  assert.deepEqual(problems(review("cited")), []);
  assert.deepEqual(problems(review("[answered, cites]")), [
    `30:37 review.queues[0].select.outcome[1] must be one of ${OUTCOMES}, cited; declare ` +
    "others under vocabulary.outcomes",
  ]);
  // A --review file may name any outcome some script of the run declares.
  const context = reviewContext([parseScript(SCRIPT, "x.yaml")]);
  const queue = {
    name: "q",
    objectType: "TRACE" as const,
    scoreConfigs: ["helpful"],
    select: { outcome: "cited" },
  };
  assert.deepEqual(reviewProblems({ queues: [queue] }, context), []);
  assert.deepEqual(
    reviewProblems({ queues: [{ ...queue, select: { outcome: "no_answer" } }] }, context),
    [{
      path: ["queues", 0, "select", "outcome"],
      message: `must be one of ${OUTCOMES}, cited; declare others under vocabulary.outcomes`,
    }],
  );
});

test("declaredVocabulary() reads a partly invalid document, skipping what cannot be declared", () => {
  const vocabulary = declaredVocabulary({
    vocabulary: {
      turnKinds: ["question", "Bad Kind", 3],
      outcomes: "cited",
      usageTypes: ["total"],
    },
  });
  assert.deepEqual(vocabulary.turnKinds.slice(-2), ["followup", "question"]);
  assert.equal(vocabulary.outcomes.at(-1), "failed");
  assert.equal(vocabulary.usageTypes.at(-1), "output_audio_tokens");
});

test("validate names an undeclared turn kind at its place and exits 3", async () => {
  const file = join(await mkdtemp(join(tmpdir(), "vocabulary-")), "docs.yaml");
  await writeFile(file, SCRIPT.replace("kind: question", "kind: faq"));
  const run = captureIo();
  assert.equal(await main(["validate", file], run.io), EXIT.invalidScript);
  assert.equal(
    run.err().trim(),
    `${file}:16:11: turns[0].kind must be one of ${KINDS}, question; declare others under ` +
      "vocabulary.turnKinds",
  );
  const ok = captureIo();
  await writeFile(file, SCRIPT);
  assert.equal(await main(["validate", file], ok.io), EXIT.ok, ok.err());
});
