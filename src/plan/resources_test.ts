import { test } from "node:test";
import assert from "node:assert/strict";
import { parseScript } from "../script/read.ts";
import {
  chooseScoreConfig,
  linkSession,
  ResourceConflictError,
  resourceNeeds,
  samePromptContent,
  type ScoreConfigSpec,
  type StoredScoreConfig,
  versionsToSearch,
} from "./resources.ts";
import { planSession } from "./session.ts";
import type { ObservationPlan } from "./types.ts";

const script = (name: string, extra: string, prompt = "router", scores = "") =>
  parseScript(
    `name: ${name}
session: { id: conv_82d9535867844b4c8cdff }
user: { id: usr_pseudo_7f31c2 }
trace: { name: t, version: local }
${extra}
turns:
  - kind: status
    input: Hi
    output: Hello
    outcome: answered
${scores}    steps:
      - type: generation
        name: route
        model: gpt-4o-mini
        prompt: ${prompt}
${
      extra.includes("{{message}}") && prompt === "router"
        ? "        promptVariables: { message: Hi }\n"
        : ""
    }
      - { type: generation, name: answer, model: gpt-4o, prompt: { name: legacy, version: 4 } }
`,
    `${name}.yaml`,
  );

const ROUTER = `prompts:
  - { name: router, prompt: "Classify: {{message}}", config: { temperature: 0, model: m } }`;

test("a run needs each declared prompt once, each pinned version, and one config per score name", () => {
  const scores = `    scores:
      - { name: resolution, dataType: CATEGORICAL, value: resolved, byOutcome: { answered: { abandoned: 1 } } }
`;
  const a = script(
    "a",
    ROUTER + "\nscores: [{ name: resolution, dataType: CATEGORICAL, value: escalated }]",
    "router",
    scores,
  );
  const b = script("b", ROUTER, "router");
  const needs = resourceNeeds([{ file: "a.yaml", script: a }, { file: "b.yaml", script: b }]);
  assert.deepEqual(needs.prompts.map((p) => p.name), ["router"]);
  // A declaration no generation names is not needed.
  const unused = script("u", ROUTER, "{ name: other, version: 1 }");
  assert.deepEqual(resourceNeeds([{ file: "u.yaml", script: unused }]).prompts, []);
  assert.deepEqual(needs.pinned.map((p) => `${p.name}@${p.version}`), ["legacy@4"]);
  assert.equal(needs.scoreConfigs.length, 1);
  assert.deepEqual(needs.scoreConfigs[0].categories, ["resolved", "abandoned", "escalated"]);
});

test("one prompt name declared with other content in two scripts stops the run, naming both places", () => {
  const a = script("a", ROUTER);
  const b = script("b", ROUTER.replace("temperature: 0", "temperature: 0.5"));
  assert.throws(
    () => resourceNeeds([{ file: "a.yaml", script: a }, { file: "b.yaml", script: b }]),
    (error: Error) => {
      assert.ok(error instanceof ResourceConflictError);
      assert.match(
        error.message,
        /prompt "router" is declared differently at a\.yaml: prompts\[0\] and at b\.yaml: prompts\[0\]/,
      );
      return true;
    },
  );
  // The same declaration read from one shared file is one prompt.
  const shared = resourceNeeds([
    { file: "a.yaml", script: a, promptsFile: "prompts.yaml" },
    { file: "c.yaml", script: a, promptsFile: "prompts.yaml" },
  ]);
  assert.equal(shared.prompts.length, 1);
});

test("one score name with two data types or two category lists stops the run, naming both places", () => {
  const a = script("a", "scores: [{ name: helpful, dataType: BOOLEAN, value: 1 }]");
  const b = script("b", "scores: [{ name: helpful, dataType: NUMERIC, value: 3 }]");
  assert.throws(
    () => resourceNeeds([{ file: "a.yaml", script: a }, { file: "b.yaml", script: b }]),
    /score "helpful" is BOOLEAN at a\.yaml: scores\[0\] but NUMERIC at b\.yaml: scores\[0\]/,
  );
  const c = script(
    "c",
    "scores: [{ name: r, dataType: CATEGORICAL, value: x, categories: [x, y] }]",
  );
  const d = script(
    "d",
    "scores: [{ name: r, dataType: CATEGORICAL, value: x, categories: [x, z] }]",
  );
  assert.throws(
    () => resourceNeeds([{ file: "c.yaml", script: c }, { file: "d.yaml", script: d }]),
    /score "r" declares categories \[x, y\] at c\.yaml: scores\[0\] but \[x, z\] at d\.yaml/,
  );
  const e = script("e", "scores: [{ name: r, dataType: CATEGORICAL, value: w }]");
  assert.throws(
    () => resourceNeeds([{ file: "c.yaml", script: c }, { file: "e.yaml", script: e }]),
    /score "r" can be sent with w, outside its config \(categories x, y\)/,
  );
});

const spec = resourceNeeds([{ file: "a.yaml", script: script("a", ROUTER) }]).prompts[0];
const stored = (over: Record<string, unknown> = {}) => ({
  id: "p1",
  name: "router",
  version: 3,
  type: "text",
  prompt: "Classify: {{message}}",
  config: { model: "m", temperature: 0 },
  labels: ["latest"],
  ...over,
});

test("a stored version with the same type, prompt and config is the declared prompt", () => {
  assert.equal(samePromptContent(spec, stored()), true);
  assert.equal(
    samePromptContent(spec, stored({ config: { temperature: 0.1, model: "m" } })),
    false,
  );
  assert.equal(samePromptContent(spec, stored({ prompt: "Classify: {{msg}}" })), false);
  assert.equal(samePromptContent(spec, stored({ type: "chat" })), false);
  // Labels are not content: a version with other labels is still reused.
  assert.equal(samePromptContent(spec, stored({ labels: ["production", "latest"] })), true);
  const chat = resourceNeeds([{
    file: "c.yaml",
    script: script(
      "c",
      `prompts:\n  - { name: router, type: chat, prompt: [{ role: system, content: hi }] }`,
    ),
  }]).prompts[0];
  // Langfuse drops a message's "type": "chatmessage"; a stored version without config has {}.
  assert.equal(
    samePromptContent(
      chat,
      stored({
        type: "chat",
        prompt: [{ role: "system", content: "hi", type: "chatmessage" }],
        config: {},
      }),
    ),
    true,
  );
});

test("versions are searched from the latest down, at most the bound", () => {
  assert.deepEqual(versionsToSearch(3, 20), [3, 2, 1]);
  assert.deepEqual(versionsToSearch(40, 3), [40, 39, 38]);
});

const configSpec: ScoreConfigSpec = {
  name: "resolution",
  dataType: "CATEGORICAL",
  categories: ["resolved", "escalated"],
  values: ["resolved", "escalated"],
  place: "a.yaml: scores[0]",
};
const config = (id: string, over: Partial<StoredScoreConfig> = {}): StoredScoreConfig => ({
  id,
  name: "resolution",
  dataType: "CATEGORICAL",
  isArchived: false,
  createdAt: "2026-11-01T00:00:00.000Z",
  categories: [{ label: "resolved", value: 0 }, { label: "escalated", value: 1 }, {
    label: "other",
    value: 2,
  }],
  ...over,
});

test("a score reuses the oldest live config of its name that takes all its values", () => {
  const choice = chooseScoreConfig(configSpec, [
    config("newer", { createdAt: "2026-11-03T00:00:00.000Z" }),
    config("archived", { createdAt: "2026-10-01T00:00:00.000Z", isArchived: true }),
    config("narrow", {
      createdAt: "2026-10-02T00:00:00.000Z",
      categories: [{ label: "resolved", value: 0 }],
    }),
    config("oldest-fit"),
    config("other-name", { name: "helpfulness", createdAt: "2026-01-01T00:00:00.000Z" }),
  ]);
  assert.equal(choice.kind, "reuse");
  assert.equal(choice.kind === "reuse" && choice.config.id, "oldest-fit");
});

test("a missing config is created with numbered categories; only archived ones count as missing", () => {
  const choice = chooseScoreConfig(configSpec, [config("archived", { isArchived: true })]);
  assert.deepEqual(choice, {
    kind: "create",
    body: {
      name: "resolution",
      dataType: "CATEGORICAL",
      categories: [{ label: "resolved", value: 0 }, { label: "escalated", value: 1 }],
    },
  });
  const numeric = chooseScoreConfig(
    {
      name: "stars",
      dataType: "NUMERIC",
      range: { min: 1, max: 5 },
      description: "d",
      values: [4],
      place: "x",
    },
    [],
  );
  assert.deepEqual(numeric, {
    kind: "create",
    body: { name: "stars", dataType: "NUMERIC", minValue: 1, maxValue: 5, description: "d" },
  });
});

test("when only configs that do not fit exist the run stops instead of making a duplicate", () => {
  const choice = chooseScoreConfig(configSpec, [
    config("c1", { categories: [{ label: "resolved", value: 0 }] }),
    config("c2", { dataType: "NUMERIC", categories: null }),
  ]);
  assert.equal(choice.kind, "conflict");
  assert.match(
    choice.kind === "conflict" ? choice.message : "",
    /score "resolution" \(a\.yaml: scores\[0\]\).*c1 has categories \[resolved\], without escalated; c2 is NUMERIC, not CATEGORICAL.*cannot delete score configs/,
  );
});

test("linking puts the resolved version on generations naming a declared prompt and the config on scores", () => {
  const s = script("a", ROUTER + "\nscores: [{ name: csat, dataType: NUMERIC, value: 4 }]");
  const plan = planSession(s, {
    seed: 1,
    endMs: Date.parse("2026-11-25T12:00:00Z"),
    file: "a.yaml",
  });
  const generations = (root: ObservationPlan): ObservationPlan[] =>
    [root, ...root.children.flatMap(generations)].filter((o) => o.type === "generation");
  const before = generations(plan.turns[0].root);
  assert.equal(before[0].prompt, undefined);
  assert.equal(before[0].promptRef, "router");
  const linked = linkSession(plan, { prompts: { router: 7 }, scoreConfigs: { csat: "cfg-1" } });
  const after = generations(linked.turns[0].root);
  assert.deepEqual(after.map((g) => g.prompt), [{ name: "router", version: 7 }, {
    name: "legacy",
    version: 4,
  }]);
  assert.equal(linked.scores[0].configId, "cfg-1");
  // The plan itself is left as it was.
  assert.equal(generations(plan.turns[0].root)[0].prompt, undefined);
  assert.equal(plan.scores[0].configId, undefined);
});
