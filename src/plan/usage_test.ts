import { test } from "node:test";
import assert from "node:assert/strict";
import { readScriptFile } from "../script/read.ts";
import { Rng } from "./random.ts";
import { planSession } from "./session.ts";
import type { ObservationPlan } from "./types.ts";
import { drawUsage, fixedCost, pricedCost, withTotal } from "./usage.ts";

test("drawUsage() draws input and output first, then the other types in script order, and sums them", () => {
  const ranges = { output_reasoning_tokens: "100..200", output: 20, input: "10..20" };
  const usage = drawUsage(ranges, new Rng(1));
  assert.deepEqual(Object.keys(usage), ["input", "output", "output_reasoning_tokens", "total"]);
  assert.equal(usage.total, usage.input + usage.output! + usage.output_reasoning_tokens!);
  // Input and output are drawn as a script without other types draws them.
  const plain = drawUsage({ input: "10..20", output: 20 }, new Rng(1));
  assert.equal(plain.input, usage.input);
  assert.deepEqual(withTotal({ input: 5, output: 2, total: 99 }), {
    input: 5,
    output: 2,
    total: 7,
  });
});

test("pricedCost() prices each usage type per million tokens and totals the exact costs", () => {
  const usage = withTotal({ input: 400, output: 60, input_cached_tokens: 1024 });
  assert.deepEqual(pricedCost(usage, { input: 1.1, output: 4.4, input_cached_tokens: 0.275 }), {
    input: 0.00044,
    output: 0.000264,
    input_cached_tokens: 0.0002816,
    total: 0.0009856,
  });
  // An embedding counts input only.
  assert.deepEqual(pricedCost(withTotal({ input: 8 }), { input: 0.02 }), {
    input: 1.6e-7,
    total: 1.6e-7,
  });
  assert.deepEqual(fixedCost({ output: 0.2, input: 0.1 }), { input: 0.1, output: 0.2, total: 0.3 });
});

function find(root: ObservationPlan, name: string): ObservationPlan {
  const stack = [root];
  while (stack.length > 0) {
    const obs = stack.pop()!;
    if (obs.name === name) return obs;
    stack.push(...obs.children);
  }
  assert.fail(`no observation ${name}`);
}

test("an embedding step gets its model, usage and cost; a main generation's history adds to input only", async () => {
  const { script, file } = await readScriptFile("fixtures/scripts/open-vocabulary.yaml");
  const plan = planSession(script, { seed: 3, endMs: Date.parse("2026-11-25T12:00:00Z"), file });
  const embed = find(plan.turns[0].root, "embed-query");
  assert.equal(embed.type, "embedding");
  assert.equal(embed.model, "text-embedding-3-small");
  assert.deepEqual(embed.modelParameters, { dimensions: 512 });
  assert.deepEqual(embed.usage, { input: 8, total: 8 });
  assert.deepEqual(embed.cost, { input: 1.6e-7, total: 1.6e-7 });
  assert.deepEqual(embed.input, ["How do I rotate an API key?"]);

  const answer = find(plan.turns[0].root, "openai-answer");
  const { input, output, input_cached_tokens, output_reasoning_tokens, total } = answer.usage!;
  assert.equal(input_cached_tokens, 1024);
  assert.ok(output_reasoning_tokens! >= 128 && output_reasoning_tokens! <= 256);
  assert.equal(total, input + output! + 1024 + output_reasoning_tokens! + 0 + 85);
  assert.deepEqual(Object.keys(answer.cost!), Object.keys(answer.usage!));

  // Turn 2's main generation carries turn 1: its input grows, the other types stay as drawn.
  const second = find(plan.turns[1].root, "answer");
  assert.ok(second.usage!.input > 120);
  assert.equal(second.usage!.input_cached_tokens, 64);
  assert.equal(second.usage!.total, second.usage!.input + 30 + 64);
  assert.deepEqual(second.cost, {
    input: 0.0003,
    output: 0.0003,
    input_cached_tokens: 0.00008,
    total: 0.00068,
  });
});
