import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ScriptError } from "./errors.ts";
import { readScriptFile } from "./read.ts";
import { oneTurnScript, scriptErrors, scriptProblems } from "../../testing/scripts.ts";

const PROMPTS = `prompts:
  - name: answer
    type: chat
    prompt:
      - { role: system, content: "You help customers of {{company}}." }
      - { type: placeholder, name: history }
  - { name: router, prompt: "Classify: {{message}}" }
  - name: two-slots
    type: chat
    prompt: [{ type: placeholder, name: a }, { type: placeholder, name: b }]
`;

/**
 * A script declaring a chat and a text prompt, with one generation whose other fields are
 * `step`: the prompts take lines 5 to 14, so those fields start on line 24.
 */
const script = (step: string) =>
  oneTurnScript(
    ["- type: generation", "  name: compose", "  model: gpt-4o", ...step.trim().split("\n")]
      .map((line, i) => i < 3 ? line : `  ${line}`).join("\n"),
  ).replace("turns:\n", PROMPTS + "turns:\n");

test("a generation linked to a prompt that also writes a system message is refused at that message", () => {
  const errors = scriptErrors(script(`prompt: answer
promptVariables: { company: Acme }
messages:
  - { role: system, content: You help customers of Acme. }
  - { role: user, content: Where is my order? }`));
  assert.deepEqual(errors, [
    'x.yaml:27:13: turns[0].steps[0].messages[0] duplicates the linked prompt "answer"; remove ' +
    "it (the prompt's text is the generation's instructions)",
  ]);
  const developer = scriptProblems(script(`prompt: router
promptVariables: { message: Hi }
messages: [{ role: developer, content: Be brief. }]`));
  assert.equal(developer.length, 1);
  assert.match(developer[0], /messages\[0\] duplicates the linked prompt "router"/);
});

test("a linked prompt's variables must all be given, and only those", () => {
  assert.deepEqual(scriptProblems(script("prompt: answer")), [
    '24:17 turns[0].steps[0].prompt links prompt "answer", which uses {{company}}; give it ' +
    "under promptVariables",
  ]);
  assert.deepEqual(
    scriptProblems(script("prompt: answer\npromptVariables: { company: A, tone: warm }")),
    [
      '25:40 turns[0].steps[0].promptVariables.tone is not a variable of prompt "answer" ' +
      "(it has company)",
    ],
  );
});

test("a linked generation keeps messages, not input; variables need a declared prompt; one placeholder", () => {
  const input = scriptProblems(
    script("prompt: router\npromptVariables: { message: Hi }\ninput: Hi"),
  );
  assert.equal(input.length, 1);
  assert.match(
    input[0],
    /^26:16 turns\[0\]\.steps\[0\]\.input replaces the linked prompt "router"/,
  );
  const pinned = scriptProblems(
    script("prompt: { name: legacy, version: 3 }\npromptVariables: { message: Hi }"),
  );
  assert.deepEqual(pinned, [
    "25:26 turns[0].steps[0].promptVariables fill the variables of a declared prompt: link one " +
    "with prompt: <name>",
  ]);
  const slots = scriptProblems(script("prompt: two-slots"));
  assert.equal(slots.length, 1);
  assert.match(slots[0], /links chat prompt "two-slots", which has 2 placeholders \(a, b\)/);
});

test("the link checks read a prompts file too, and point into the script", async () => {
  const dir = await mkdtemp(join(tmpdir(), "prompt-links-"));
  await writeFile(
    join(dir, "prompts.yaml"),
    'prompts:\n  - { name: router, prompt: "Classify: {{message}}" }\n',
  );
  const text = script("prompt: router\nmessages: [{ role: system, content: Classify. }]")
    .replace(/prompts:\n(?: .*\n)+(?=turns:)/, "prompts: prompts.yaml\n");
  await writeFile(join(dir, "x.yaml"), text);
  await assert.rejects(readScriptFile(join(dir, "x.yaml")), (error: Error) => {
    assert.ok(error instanceof ScriptError);
    assert.deepEqual(error.problems.map((p) => `${p.line}:${p.column} ${p.field}`), [
      "15:17 turns[0].steps[0].prompt",
      "16:20 turns[0].steps[0].messages[0]",
    ]);
    return true;
  });
});
