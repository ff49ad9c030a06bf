import { test } from "node:test";
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { parseScript, readScriptFile } from "./read.ts";
import { ScriptError } from "./errors.ts";
import { stepPaths } from "./schema.ts";

const VALID = `name: demo
session:
  id: conv_82d9535867844b4c8cdff
user:
  id: usr_pseudo_7f31c2
trace:
  name: order-status-turn
  version: local
  tags: [order-status]
  metadata:
    environment: development
turns:
  - kind: status
    input: Where is my order?
    output: It ships {{date +1d}}.
    outcome: answered
    steps:
      - type: tool
        name: lookup_order
        duration: 100ms..200ms
`;

function problemsOf(
  text: string,
): { line: number; column: number; field: string; message: string }[] {
  try {
    parseScript(text, "x.yaml");
  } catch (error) {
    assert.ok(error instanceof ScriptError);
    return error.problems;
  }
  assert.fail("expected a ScriptError");
}

test("parseScript() accepts a valid script and fills in defaults", () => {
  const script = parseScript(VALID, "x.yaml");
  assert.equal(script.session.id, "conv_82d9535867844b4c8cdff");
  assert.equal(script.turns[0].steps[0].type, "tool");
  assert.equal(script.timing.thinkTime, "15s..45s");
});

test("a wrong enum value names file, line, column, field and the allowed values", () => {
  assert.throws(
    () => parseScript(VALID.replace("kind: status", "kind: sttus"), "conversations/x.yaml"),
    {
      name: "ScriptError",
      line: 13,
      column: 11,
      field: "turns[0].kind",
      message:
        /^conversations\/x\.yaml:13:11: turns\[0\]\.kind must be one of greeting, status, delay, escalation/,
    },
  );
});

test("an unknown field is reported at the key itself", () => {
  const problems = problemsOf(
    VALID.replace("    outcome: answered", "    outcome: answered\n    outcom: x"),
  );
  assert.deepEqual(problems, [{
    line: 17,
    column: 5,
    field: "turns[0].outcom",
    message: "is not a known field",
  }]);
});

test("a missing required field points at its parent mapping", () => {
  const problems = problemsOf(VALID.replace("    outcome: answered\n", ""));
  assert.deepEqual(problems, [{
    line: 13,
    column: 5,
    field: "turns[0].outcome",
    message: "is required",
  }]);
});

test("a wrong type says what was expected", () => {
  const problems = problemsOf(VALID.replace("tags: [order-status]", "tags: order-status"));
  assert.deepEqual(problems, [{
    line: 9,
    column: 9,
    field: "trace.tags",
    message: "must be a list",
  }]);
});

test("a malformed duration says what a duration looks like", () => {
  const problems = problemsOf(VALID.replace("100ms..200ms", "fast"));
  assert.equal(problems.length, 1);
  assert.equal(problems[0].field, "turns[0].steps[0].duration");
  assert.equal(problems[0].line, 20);
  assert.equal(problems[0].column, 19);
  assert.match(problems[0].message, /must be a duration like "250ms"/);
});

test("a reversed range is refused", () => {
  const problems = problemsOf(VALID.replace("100ms..200ms", "2s..1s"));
  assert.equal(problems[0].message, "range must run from the smaller to the larger duration");
});

test("model fields on a type that makes no model call are refused, and a generation needs a model", () => {
  const withModel = problemsOf(
    VALID.replace("duration: 100ms..200ms", "duration: 100ms\n        model: gpt-4o"),
  );
  assert.deepEqual(withModel.map((p) => [p.field, p.message]), [
    [
      "turns[0].steps[0].model",
      'is only allowed on a generation or embedding step, not on type "tool"',
    ],
  ]);
  const noModel = problemsOf(VALID.replace("type: tool", "type: generation"));
  assert.deepEqual(noModel.map((p) => [p.field, p.message]), [[
    "turns[0].steps[0].model",
    "is required on a generation step",
  ]]);
});

test("every problem is collected, in file order", () => {
  const text = VALID.replace("kind: status", "kind: nope").replace(
    "environment: development",
    "environment: dev",
  );
  const problems = problemsOf(text);
  assert.deepEqual(problems.map((p) => p.field), ["trace.metadata.environment", "turns[0].kind"]);
  assert.equal(problems[0].message, "must be one of development, staging, production");
});

test("YAML syntax errors carry their position", () => {
  const problems = problemsOf("name: demo\nturns: [\n  - a\n");
  assert.ok(problems.length >= 1);
  assert.equal(problems[0].field, "");
  assert.match(problems[0].message, /^is not valid YAML/);
  assert.ok(problems[0].line >= 2);
});

test("duplicate keys are an error, not a silent overwrite", () => {
  const problems = problemsOf(VALID.replace("name: demo\n", "name: demo\nname: other\n"));
  assert.equal(problems[0].line, 2);
  assert.match(problems[0].message, /not valid YAML.*[Mm]ap keys must be unique/);
});

test("unknown templates and undeclared vars are errors at the template itself", () => {
  const problems = problemsOf(
    VALID.replace("It ships {{date +1d}}.", "'{{carrier}} ships {{tomorrow}}.'"),
  );
  assert.deepEqual(problems.map((p) => [p.line, p.column, p.field, p.message]), [
    [15, 14, "turns[0].output", "uses {{carrier}}, which is not declared in vars"],
    [15, 32, "turns[0].output", "uses {{tomorrow}}, which is not declared in vars"],
  ]);
  const faker = problemsOf(VALID.replace("{{date +1d}}", "{{faker.nope.city}}"));
  assert.match(faker[0].message, /not a faker method/);
});

test("schema and template problems come in one pass, every template problem of a string at its own column", () => {
  const output = `"It ships {{datee +1d}} via {{pick DHL}}, {{carrier}} }} or {{int 9..2}}"`;
  const text = VALID.replace("kind: status", "kind: nope").replace(
    "It ships {{date +1d}}.",
    output,
  );
  const line = text.split("\n")[14];
  const column = (part: string) => line.indexOf(part) + 1;
  assert.deepEqual(problemsOf(text).map((p) => [p.line, p.column, p.field, p.message]), [
    [
      13,
      11,
      "turns[0].kind",
      "must be one of greeting, status, delay, escalation, refund, handoff, clarification, resolution, followup; declare others under vocabulary.turnKinds",
    ],
    [
      15,
      column("{{datee"),
      "turns[0].output",
      "{{datee +1d}}: unknown template; use date, longdate, time, datetime, pick, int, money, faker.<module>.<method>, a declared var or persona.<name>",
    ],
    [
      15,
      column("{{pick"),
      "turns[0].output",
      "{{pick DHL}}: expected two or more options like {{pick DHL|UPS}}",
    ],
    [15, column("{{carrier"), "turns[0].output", "uses {{carrier}}, which is not declared in vars"],
    [15, column("}} or"), "turns[0].output", `has a stray "}}" in ${output}`],
    [
      15,
      column("{{int"),
      "turns[0].output",
      "{{int 9..2}}: expected a range like {{int 2..9}} (whole numbers)",
    ],
  ]);
});

test("a template problem in a block of several lines is reported on its own line", () => {
  const text = VALID.replace(
    "output: It ships {{date +1d}}.",
    "output: |\n      It ships {{date +1d}}.\n      Call {{later}} if not.",
  );
  assert.deepEqual(problemsOf(text).map((p) => [p.line, p.column, p.message]), [
    [17, 12, "uses {{later}}, which is not declared in vars"],
  ]);
});

test("an unquoted template at the start of a value gets a hint", () => {
  const problems = problemsOf(VALID.replace("It ships {{date +1d}}.", "{{carrier}} ships."));
  assert.equal(problems[0].line, 15);
  assert.match(problems[0].message, /quote a value that starts with "\{\{"/);
});

test("a var may only use vars declared before it", () => {
  const text = VALID.replace("turns:", "vars:\n  a: '{{b}}'\n  b: '{{pick x|y}}'\nturns:");
  const problems = problemsOf(text);
  assert.deepEqual(problems.map((p) => [p.field, p.message]), [
    ["vars.a", "uses {{b}}, which is not declared in vars before it"],
  ]);
});

test("readScriptFile() names a missing file", async () => {
  await assert.rejects(readScriptFile("conversations/does-not-exist.yaml"), {
    name: "ScriptError",
    message: "conversations/does-not-exist.yaml: cannot be read: no such file",
  });
});

test("the shipped scripts are valid", async () => {
  for (const file of ["order-status", "refund", "handoff"]) {
    const { script } = await readScriptFile(`conversations/${file}.yaml`);
    assert.ok(script.turns.length >= 3, file);
  }
});

test("durations longer than a day are refused where they are written", () => {
  const text = VALID.replace("duration: 100ms..200ms", "duration: 100ms..2d")
    .replace("    outcome: answered\n", "    outcome: answered\n    thinkTime: 90000000\n");
  assert.deepEqual(problemsOf(text).map((p) => `${p.line}:${p.column} ${p.field} ${p.message}`), [
    "17:16 turns[0].thinkTime must be at most 1d (86400000 ms)",
    "21:19 turns[0].steps[0].duration must be at most 1d (86400000 ms)",
  ]);
  assert.doesNotThrow(() => parseScript(VALID.replace("100ms..200ms", "1d"), "x.yaml"));
});

test("the shipped scripts use current models at Langfuse's default prices, cached price included", async () => {
  const table = JSON.parse(await readFile("fixtures/langfuse/default_model_prices.json", "utf8"));
  type Entry = {
    modelName: string;
    tokenizerId?: string;
    pricingTier: { prices: Record<string, number> };
  };
  const entries = new Map<string, Entry>(
    table.models.map((entry: Entry) => [entry.modelName, entry]),
  );
  const perMillion = (usd: number) => Math.round(usd * 1e6 * 1e6) / 1e6;
  const names = (await readdir("conversations")).filter((name) => name.endsWith(".yaml"));
  let generations = 0;
  for (const name of names) {
    const { script } = await readScriptFile(`conversations/${name}`);
    for (const turn of script.turns) {
      for (const { step } of stepPaths(turn.steps, [])) {
        if (step.type !== "generation" && step.type !== "embedding") continue;
        generations++;
        const entry = entries.get(step.model!);
        assert.ok(entry, `${name}: ${step.model} is in Langfuse's default price table`);
        const price = entry.pricingTier.prices;
        // An embedding's tokens are all input, which Langfuse prices as total; an audio model
        // prices its text tokens as input_text_tokens and output_text_tokens.
        const expected = (type: string) =>
          perMillion(price[type] ?? price[`${type}_text_tokens`] ?? price.total);
        for (const [type, usd] of Object.entries(step.price ?? {})) {
          assert.equal(usd, expected(type), `${name}: ${step.name} ${type}`);
        }
        // Every counted type is priced: input, output, and cached input where the provider
        // caches a long prompt by itself (OpenAI).
        const caches = entry.tokenizerId === "openai";
        const counted = step.type === "embedding"
          ? ["input"]
          : ["input", "output", ...(caches ? ["input_cached_tokens"] : [])];
        for (const type of counted) {
          assert.ok(type in (step.price ?? {}), `${name}: ${step.name} ${type}`);
        }
      }
    }
  }
  assert.ok(generations > 100);
});

test("score comments per value are checked like values, and a value gets one comment", () => {
  const scored = VALID.replace(
    "turns:",
    `scores:
  - name: thumbs
    dataType: BOOLEAN
    value: 0
    comment: Too slow
    comments: { 0: Wanted a person, 2: Never }
    byFinding: { unsolved: { 3: 0 } }
turns:`,
  );
  assert.deepEqual(
    problemsOf(scored).map(({ field, message }) => `${field}: ${message}`),
    [
      "scores[0].comment: gives a second comment for value 0, which comments also has",
      "scores[0].comments.2: must be 0 or 1 for BOOLEAN",
      "scores[0].byFinding.unsolved.3: must be 0 or 1 for BOOLEAN",
    ],
  );
});

test("a score's comments and byFinding keys must be among its categories", () => {
  const scored = VALID.replace(
    "turns:",
    `scores:
  - name: resolution
    dataType: CATEGORICAL
    value: resolved
    categories: [resolved, abandoned]
    comments: { resolved: Thanks, escalated: Asked for a person }
    byFinding: { unsolved: { solved: 0 } }
turns:`,
  );
  assert.deepEqual(
    problemsOf(scored).map(({ field, message }) => `${field}: ${message}`),
    [
      'scores[0].comments.escalated: "escalated" is not one of the categories (resolved, abandoned)',
      'scores[0].byFinding.unsolved.solved: "solved" is not one of the categories (resolved, abandoned)',
    ],
  );
});
