import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { parseScript, readScriptFile } from "./read.ts";
import { ScriptError } from "./errors.ts";

const HEAD = `name: demo
session: { id: conv_82d9535867844b4c8cdff }
user: { id: usr_pseudo_7f31c2 }
trace: { name: demo-turn, version: local }
`;

const turn = (prompt: string, options: { scores?: string; variables?: string } = {}) =>
  `turns:
  - kind: status
    input: Where is my order?
    output: On its way.
    outcome: answered
${options.scores ?? ""}    steps:
      - type: generation
        name: answer
        model: gpt-4o
        prompt: ${prompt}
${options.variables ? `        promptVariables: ${options.variables}\n` : ""}`;

function problems(text: string): string[] {
  try {
    parseScript(text, "x.yaml");
  } catch (error) {
    assert.ok(error instanceof ScriptError);
    return error.problems.map((p) => `${p.line}:${p.column} ${p.field} ${p.message}`);
  }
  assert.fail("expected a ScriptError");
}

const DECLARED = `prompts:
  - name: support-answer
    type: chat
    prompt:
      - { role: system, content: "You help {{customer}} with {{topic}}." }
      - { type: placeholder, name: history }
    config: { model: gpt-4o, temperature: 0.3 }
`;

test("a generation may name a declared prompt, and the declaration gets its defaults", () => {
  const script = parseScript(
    HEAD + DECLARED + turn("support-answer", { variables: "{ customer: you, topic: orders }" }),
    "x.yaml",
  );
  assert.ok(Array.isArray(script.prompts));
  assert.deepEqual(script.prompts[0].labels, []);
  assert.equal(script.prompts[0].type, "chat");
  assert.equal(script.turns[0].steps[0].prompt, "support-answer");
  const text = parseScript(
    HEAD + 'prompts:\n  - { name: r, prompt: "Classify {{q}}" }\n' +
      turn("r", { variables: "{ q: Where is my order? }" }),
    "x.yaml",
  );
  assert.ok(Array.isArray(text.prompts));
  assert.equal(text.prompts[0].type, "text");
  assert.deepEqual(text.prompts[0].config, {});
});

test("a generation naming an undeclared prompt is an error at its place", () => {
  const found = problems(HEAD + DECLARED + turn("support-anwser"));
  assert.equal(found.length, 1);
  assert.match(
    found[0],
    /^21:17 turns\[0\]\.steps\[0\]\.prompt names prompt "support-anwser", which is not declared/,
  );
});

test("the object form still names a prompt that exists in Langfuse, without declaring it", () => {
  const script = parseScript(HEAD + turn("{ name: legacy, version: 4 }"), "x.yaml");
  assert.deepEqual(script.turns[0].steps[0].prompt, { name: "legacy", version: 4 });
});

test("prompt declarations are checked by Langfuse's rules before anything is sent", () => {
  const found = problems(
    HEAD + `prompts:
  - { name: "a//b", prompt: x }
  - { name: ok, type: chat, prompt: just text }
  - { name: tagged, prompt: x, labels: [Production] }
  - name: clash
    type: chat
    prompt: [{ role: user, content: "{{history}}" }, { type: placeholder, name: history }]
  - { name: ok, prompt: again }
` + turn("ok"),
  );
  assert.ok(
    found.some((p) => /prompts\[0\]\.name must not contain "\/\/"/.test(p)),
    found.join("\n"),
  );
  assert.ok(found.some((p) => /prompts\[1\]\.prompt must be a list of messages/.test(p)));
  assert.ok(found.some((p) => /prompts\[2\]\.labels\[0\] must be 1-36 characters/.test(p)));
  assert.ok(found.some((p) => /prompts\[3\]\.prompt uses history both as/.test(p)));
  assert.ok(found.some((p) => /prompts\[4\]\.name declares "ok" twice/.test(p)));
});

test("score config fields must hold every value the score can send", () => {
  const found = problems(
    HEAD + turn("{ name: p, version: 1 }", {
      scores: `    scores:
      - name: resolution
        dataType: CATEGORICAL
        value: resolved
        categories: [resolved, escalated]
        byOutcome: { answered: { abandoned: 1 } }
      - { name: stars, dataType: NUMERIC, value: 7, range: { min: 1, max: 5 } }
      - { name: thumbs, dataType: BOOLEAN, value: 1, categories: [yes, no] }
      - { name: a_name_that_is_longer_than_thirty_five, dataType: NUMERIC, value: 1 }
`,
    }),
  );
  assert.ok(
    found.some((p) =>
      /byOutcome\.answered\.abandoned "abandoned" is not one of the categories/.test(p)
    ),
    found.join("\n"),
  );
  assert.ok(found.some((p) => /scores\[1\]\.value 7 is outside the range 1\.\.5/.test(p)));
  assert.ok(found.some((p) => /scores\[2\]\.categories is only for a CATEGORICAL score/.test(p)));
  assert.ok(found.some((p) => /scores\[3\]\.name must be at most 35 characters/.test(p)));
});

test("prompts: may name a YAML file beside the script; its problems carry its own line and column", async () => {
  const dir = await mkdtemp(join(tmpdir(), "prompts-"));
  await writeFile(
    join(dir, "shared.yaml"),
    'prompts:\n  - { name: router, prompt: "Classify {{q}}" }\n',
  );
  await writeFile(
    join(dir, "ok.yaml"),
    HEAD + "prompts: shared.yaml\n" + turn("router", { variables: "{ q: Where is my order? }" }),
  );
  const loaded = await readScriptFile(join(dir, "ok.yaml"));
  assert.equal(loaded.promptsFile, join(dir, "shared.yaml"));
  assert.ok(Array.isArray(loaded.script.prompts));
  assert.equal(loaded.script.prompts[0].name, "router");

  await writeFile(join(dir, "bad.yaml"), "prompts:\n  - { name: router, type: chat, prompt: x }\n");
  await writeFile(join(dir, "uses-bad.yaml"), HEAD + "prompts: bad.yaml\n" + turn("router"));
  await assert.rejects(readScriptFile(join(dir, "uses-bad.yaml")), (error: Error) => {
    assert.ok(error instanceof ScriptError);
    assert.equal(error.file, join(dir, "bad.yaml"));
    assert.match(error.message, /bad\.yaml:2:\d+: prompts\[0\]\.prompt must be a list of messages/);
    return true;
  });

  await writeFile(join(dir, "undeclared.yaml"), HEAD + "prompts: shared.yaml\n" + turn("answer"));
  await assert.rejects(readScriptFile(join(dir, "undeclared.yaml")), (error: Error) => {
    assert.ok(error instanceof ScriptError);
    assert.match(
      error.message,
      /undeclared\.yaml:\d+:\d+: turns\[0\]\.steps\[0\]\.prompt names prompt "answer"/,
    );
    return true;
  });
});
