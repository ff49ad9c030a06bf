import { test } from "node:test";
import assert from "node:assert/strict";
import type { StepInput } from "../script/schema.ts";
import { cachedTokens, countedUsage, modelCost, PromptCache } from "./counted_usage.ts";
import { inputTokens, outputTokens, promptParts } from "./tokens.ts";
import { pricedCost } from "./usage.ts";

test("cachedTokens() follows OpenAI's rule: nothing under 1,024, then steps of 128", () => {
  const cases: [number, number][] = [
    [0, 0],
    [1023, 0],
    [1024, 1024],
    [1151, 1024],
    [1152, 1152],
    [1300, 1280],
    [5000, 4992],
  ];
  for (const [prefix, cached] of cases) assert.equal(cachedTokens(prefix), cached, `${prefix}`);
});

const part = (key: string, tokens: number) => ({ key, tokens });

test("PromptCache finds the longest prefix an earlier prompt to the same model shared", () => {
  const cache = new PromptCache();
  const tools = part("tools", 1100);
  const system = part("system", 30);
  assert.equal(cache.send("gpt-5.4", [tools, system, part("q1", 30)]), 0, "nothing sent before");
  assert.equal(cache.send("gpt-5.4", [tools, system, part("q1", 30), part("a1", 40)]), 1152);
  // Another model has a cache of its own.
  assert.equal(cache.send("gpt-5.4-mini", [tools, system, part("q1", 30)]), 0);
  // A prefix under 1,024 tokens is not cached.
  assert.equal(cache.send("gpt-5.4", [part("short", 900), part("x", 200)]), 0);
  assert.equal(cache.send("gpt-5.4", [part("short", 900), part("y", 200)]), 0);
  // The match stops at the first part that differs.
  assert.equal(cache.send("gpt-5.4", [tools, part("other system", 30), part("q1", 30)]), 1024);
});

const GENERATION: StepInput = {
  type: "generation",
  name: "compose-answer",
  model: "gpt-5.4",
  price: { input: 2.5, output: 15, input_cached_tokens: 0.25 },
};
const MESSAGES = [
  { role: "system", content: "You are a helpful support agent for an online shop." },
  { role: "user", content: "Where is my order?" },
];
const ANSWER = { role: "assistant", content: "It ships with DHL on Friday." };

test("counted usage is the tokenizer's count of the messages as sent plus the declared hidden part", () => {
  const model = GENERATION.model!;
  const options = { fixed: {}, historyTokens: 0, failed: false, cache: new PromptCache() };
  const plain = countedUsage(GENERATION, { input: MESSAGES, output: ANSWER }, options);
  const input = inputTokens(MESSAGES, model);
  assert.deepEqual(plain, {
    input,
    output: outputTokens(ANSWER, model),
    total: input + outputTokens(ANSWER, model),
  });
  const hidden = countedUsage(
    { ...GENERATION, hiddenInputTokens: 850 },
    { input: MESSAGES, output: ANSWER },
    { ...options, cache: new PromptCache() },
  );
  assert.equal(hidden.input, input + 850);
});

test("a second call that repeats a prefix of 1,024 tokens or more reports cached input tokens", () => {
  const step = { ...GENERATION, hiddenInputTokens: 1100 };
  const cache = new PromptCache();
  const options = { fixed: {}, historyTokens: 0, failed: false, cache };
  const first = countedUsage(step, { input: MESSAGES, output: ANSWER }, options);
  assert.equal(first.input_cached_tokens, undefined);
  const longer = [...MESSAGES, ANSWER, { role: "user", content: "Why is it late?" }];
  const second = countedUsage(step, { input: longer, output: ANSWER }, options);
  const prefix = 1100 +
    promptParts(MESSAGES, step.model!).reduce((sum, message) => sum + message.tokens, 0);
  assert.equal(second.input_cached_tokens, cachedTokens(prefix));
  // Langfuse's keys: input is the uncached part; the parts add up to the total.
  const all = 1100 + inputTokens(longer, step.model!);
  assert.equal(second.input + second.input_cached_tokens!, all);
  assert.equal(second.total, all + second.output!);
  // Priced at the model's cached price.
  assert.deepEqual(
    modelCost(step, second),
    pricedCost(second, { input: 2.5, output: 15, input_cached_tokens: 0.25 }),
  );
  assert.equal(
    modelCost(step, second)!.input_cached_tokens,
    Math.round(second.input_cached_tokens! * 0.25 / 1e6 * 1e9) / 1e9,
  );
});

test("explicit usage wins over the count; a fixed input grows by the history put before it", () => {
  const options = { fixed: { input: 600, output: 50 }, historyTokens: 42, failed: false };
  const usage = countedUsage(GENERATION, { input: MESSAGES, output: ANSWER }, {
    ...options,
    cache: new PromptCache(),
  });
  assert.deepEqual(usage, { input: 642, output: 50, total: 692 });
});

test("a failed call counts its input but wrote no output", () => {
  const usage = countedUsage(GENERATION, { input: MESSAGES, output: { error: "timeout" } }, {
    fixed: {},
    historyTokens: 0,
    failed: true,
    cache: new PromptCache(),
  });
  assert.equal(usage.output, 0);
  assert.equal(usage.input, inputTokens(MESSAGES, GENERATION.model!));
});

test("modelCost() prices cached tokens at the input price when no cached price is given", () => {
  const usage = { input: 100, input_cached_tokens: 1024, output: 10, total: 1134 };
  const step = { ...GENERATION, price: { input: 2, output: 8 } };
  assert.deepEqual(modelCost(step, usage), {
    input: 0.0002,
    input_cached_tokens: 0.002048,
    output: 0.00008,
    total: 0.002328,
  });
  // A fixed cost is what the script says.
  assert.deepEqual(
    modelCost(
      { ...GENERATION, price: undefined, cost: { input: 0.001, output: 0.002 } },
      usage,
    ),
    { input: 0.001, output: 0.002, total: 0.003 },
  );
});

test("a fixed cached count moves that many counted input tokens out of input", () => {
  const usage = countedUsage(
    { ...GENERATION, usage: { input_cached_tokens: 10 } },
    { input: MESSAGES, output: ANSWER },
    {
      fixed: { input_cached_tokens: 10 },
      historyTokens: 0,
      failed: false,
      cache: new PromptCache(),
    },
  );
  assert.equal(usage.input, inputTokens(MESSAGES, "gpt-5.4") - 10);
  assert.equal(usage.input_cached_tokens, 10);
});

test("an embedding's input counts its texts without chat framing; it has no output", () => {
  const step: StepInput = { type: "embedding", name: "embed", model: "text-embedding-3-small" };
  const texts = ["Where is my order?", "Why is it late?"];
  const usage = countedUsage(step, { input: texts, output: { vectors: 2 } }, {
    fixed: {},
    historyTokens: 0,
    failed: false,
    cache: new PromptCache(),
  });
  assert.deepEqual(usage, { input: 5 + 5, total: 10 });
});
