import { test } from "node:test";
import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import { readScriptFile } from "../script/read.ts";
import type { StepInput } from "../script/schema.ts";
import type { PromptDeclarationInput } from "../script/schema_prompts.ts";
import { loadPlans } from "./load_plans.ts";
import { fillVariables, matchPrompt, promptInput } from "./prompt_render.ts";
import { planSession } from "./session.ts";
import { type ObservationPlan, preOrder, type SessionPlan } from "./types.ts";

const declared = (prompt: Omit<PromptDeclarationInput, "labels" | "config">) => ({
  labels: [],
  config: {},
  ...prompt,
});

test("fillVariables() fills each {{name}}, spaces inside the braces too, and leaves others as written", () => {
  assert.equal(
    fillVariables("Help {{ company }} with {{topic}}; {{other}}", { company: "Acme", topic: "a" }),
    "Help Acme with a; {{other}}",
  );
  assert.equal(fillVariables("{{constructor}}", {}), "{{constructor}}");
});

test("promptInput() makes a text prompt the system message, before the generation's messages", () => {
  const prompt = declared({ name: "router", type: "text", prompt: "Classify as {{intents}}." });
  assert.deepEqual(promptInput(prompt, { intents: "a, b" }, [{ role: "user", content: "Hi" }]), [
    { role: "system", content: "Classify as a, b." },
    { role: "user", content: "Hi" },
  ]);
});

test("promptInput() puts a chat prompt's messages first, the generation's at its placeholder", () => {
  const own = [{ role: "user", content: "Where is it?" }, { role: "tool", content: "x" }];
  const slotted = declared({
    name: "answer",
    type: "chat",
    prompt: [
      { role: "system", content: "You help {{company}}." },
      { type: "placeholder", name: "history" },
      { role: "assistant", content: "Anything else?" },
    ],
  });
  assert.deepEqual(promptInput(slotted, { company: "Acme" }, own), [
    { role: "system", content: "You help Acme." },
    ...own,
    { role: "assistant", content: "Anything else?" },
  ]);
  const whole = declared({
    name: "router",
    type: "chat",
    prompt: [{ role: "system", content: "Classify." }, { role: "user", content: "{{message}}" }],
  });
  assert.deepEqual(promptInput(whole, { message: "Hi" }, []), [
    { role: "system", content: "Classify." },
    { role: "user", content: "Hi" },
  ]);
});

test("matchPrompt() reads a prompt's variables and the generation's own messages back, or answers none", () => {
  const prompt = declared({
    name: "answer",
    type: "chat",
    prompt: [
      { role: "system", content: "You help {{company}} ({{company}}) with {{topic}}." },
      { type: "placeholder", name: "history" },
      { role: "assistant", content: "Bye." },
    ],
  });
  const own = [{ role: "user", content: "Hi" }];
  const input = promptInput(prompt, { company: "Acme", topic: "parcels" }, own);
  assert.deepEqual(matchPrompt(prompt, input), {
    variables: { company: "Acme", topic: "parcels" },
    messages: own,
  });
  const text = declared({ name: "t", type: "text", prompt: "Be brief." });
  assert.deepEqual(matchPrompt(text, [{ role: "system", content: "Be brief." }, ...own]), {
    variables: {},
    messages: own,
  });
  // Another text, one variable with two values, or too few messages: not this prompt.
  assert.equal(matchPrompt(text, [{ role: "system", content: "Be terse." }]), undefined);
  assert.equal(
    matchPrompt(prompt, [
      { role: "system", content: "You help Acme (Bcme) with parcels." },
      { role: "assistant", content: "Bye." },
    ]),
    undefined,
  );
  assert.equal(matchPrompt(prompt, [{ role: "assistant", content: "Bye." }]), undefined);
});

const files = (await readdir("conversations")).filter((name) => name.endsWith(".yaml")).sort()
  .map((name) => `conversations/${name}`);
const loaded = await Promise.all(files.map((file) => readScriptFile(file)));
const END = Date.parse("2026-11-25T12:00:00.000Z");

/** The turns' generations that link a declared prompt, with their turn's user message. */
function* linkedGenerations(plan: SessionPlan) {
  for (const turn of plan.turns) {
    for (const obs of preOrder(turn.root)) {
      if (obs.type === "generation" && obs.promptRef) yield { obs, turnInput: turn.root.input };
    }
  }
}

/**
 * The variables `obs` filled `prompt` with: its input must be the prompt's messages filled in
 * around its own, which hold no other system or developer message and no unfilled variable.
 */
function checkRendered(prompt: PromptDeclarationInput, obs: ObservationPlan): Map<string, string> {
  assert.ok(Array.isArray(obs.input), `${obs.name} has messages`);
  const matched = matchPrompt(prompt, obs.input);
  assert.ok(matched, `${obs.name} carries ${prompt.name}'s text: ${JSON.stringify(obs.input)}`);
  const own = matched.messages as { role: string }[];
  assert.ok(own.every((m) => m.role !== "system" && m.role !== "developer"), `${obs.name}`);
  assert.ok(!JSON.stringify(obs.input).includes("{{"), `${obs.name}: every variable filled`);
  return new Map(Object.entries(matched.variables));
}

/**
 * The values the script gives each variable of each prompt (`prompt/variable`): the literal
 * ones, and the templates of those drawn per session.
 */
function givenValues(steps: readonly StepInput[], into = new Map<string, Set<string>>()) {
  for (const step of steps) {
    for (const [name, value] of Object.entries(step.promptVariables ?? {})) {
      const key = `${step.prompt}/${name}`;
      into.set(key, (into.get(key) ?? new Set()).add(String(value)));
    }
    givenValues(step.steps ?? [], into);
  }
  return into;
}

/** Whether `value` is `template` filled in: its literal text around something in each `{{…}}`. */
function fills(template: string, value: string): boolean {
  const parts = template.split(/\{\{[^}]*\}\}/).map((part) =>
    part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
  );
  return parts.length > 1 && new RegExp(`^${parts.join("[^]+")}$`).test(value);
}

for (const { file, script } of loaded) {
  test(`every linked generation of ${file} carries exactly its prompt's text, filled in`, () => {
    assert.ok(Array.isArray(script.prompts));
    const prompts = new Map(script.prompts.map((prompt) => [prompt.name, prompt]));
    const given = givenValues(script.turns.flatMap((turn) => turn.steps));
    const replay = planSession(script, { seed: 42, endMs: END, file });
    const load = loadPlans([{ file, script }], { sessions: 150, seed: 7, endMs: END });
    let checked = 0;
    for (const plan of [replay, ...load]) {
      for (const { obs, turnInput } of linkedGenerations(plan)) {
        const prompt = prompts.get(obs.promptRef!);
        assert.ok(prompt, `${obs.name} links a declared prompt`);
        // Each value is one the script gives that variable, or one of its templates filled in
        // (the support scripts' only drawn variable is what the user said in the turn).
        for (const [name, value] of checkRendered(prompt, obs)) {
          const allowed = [...(given.get(`${prompt.name}/${name}`) ?? [])];
          const drawn = allowed.filter((text) => text.includes("{{"));
          if (drawn.length > 0 && value === turnInput) continue;
          assert.ok(
            allowed.includes(value) || drawn.some((template) => fills(template, value)),
            `${obs.name}: {{${name}}} is "${value}"`,
          );
        }
        checked++;
      }
    }
    assert.ok(checked > 150, `${checked} linked generations checked`);
  });
}
