import { test } from "node:test";
import assert from "node:assert/strict";
import { oneTurnScript, scriptProblems } from "../../testing/scripts.ts";

/** The problems of a script whose one step is `step` (flow mapping fields), as `column field message` (all on line 11). */
function problems(step: string): string[] {
  return scriptProblems(oneTurnScript(`- { ${step} }`)).map((problem) => {
    const [place, field, ...message] = problem.split(" ");
    assert.equal(place.split(":")[0], "11", problem);
    return [place.split(":")[1], field.replace("turns[0].steps[0].", ""), ...message].join(" ");
  });
}

const GEN = "type: generation, name: answer, model: o4-mini";
const EMB = "type: embedding, name: embed, model: text-embedding-3-small";

test("usage, price and cost take Langfuse's usage types, and embeddings take model, usage and cost", () => {
  const accepted = [
    `${GEN}, usage: { input: 400..500, output: 60, input_cached_tokens: 1024, output_reasoning_tokens: 128..256 }, price: { input: 1.1, output: 4.4, input_cached_tokens: 0.275, output_reasoning_tokens: 4.4 }`,
    `${GEN}, usage: { input: 10, output: 5, input_audio_tokens: 30, output_audio_tokens: 40 }, cost: { input: 0.1, output_audio_tokens: 0.2 }`,
    `${EMB}, usage: { input: 8 }, price: { input: 0.02 }, input: [a text], output: { vectors: 1 }`,
    `${EMB}, modelParameters: { dimensions: 512 }, usage: { input: 8 }, cost: { input: 0.0000002 }`,
    "type: embedding, name: embed",
    // Input and output left out are counted from the content; cached input may occur.
    `${GEN}, price: { input: 1.1, output: 4.4, input_cached_tokens: 0.275 }`,
    `${GEN}, usage: { output_reasoning_tokens: 200 }, price: { input: 1, output: 4, output_reasoning_tokens: 4 }`,
    `${GEN}, hiddenInputTokens: 1110, usage: { output: 20 }, cost: { input: 0.001 }`,
    `${EMB}, price: { input: 0.02 }`,
  ];
  for (const step of accepted) assert.deepEqual(problems(step), [], step);
});

test("usage, price and cost are refused where they do not add up", () => {
  const cases: [string, string[]][] = [
    [
      `${GEN}, usage: { input: 10, output: 5, input_cached_tokens: 4 }, price: { input: 1, output: 2 }`,
      [
        "123 price.input_cached_tokens is required: the step counts input_cached_tokens " +
        "(USD per million tokens; 0 when free)",
      ],
    ],
    [
      `${GEN}, usage: { input: 10, output: 5 }, price: { input: 1, output: 2, output_reasoning_tokens: 4 }`,
      ["122 price.output_reasoning_tokens is a usage type the step does not count (input, output)"],
    ],
    [
      `${GEN}, usage: { input: 10, output: 5 }, cost: { input_audio_tokens: 0.1 }`,
      ["100 cost.input_audio_tokens is a usage type the step does not count (input, output)"],
    ],
    [`${GEN}, usage: { input: 10, output: 5 }, cost: {}`, [
      "98 cost must give at least one usage type",
    ]],
    [`${GEN}, price: { input: 1 }`, [
      "66 price.output is required: the step counts output (USD per million tokens; 0 when free)",
    ]],
    [`${EMB}, price: { input: 0.02, input_cached_tokens: 0.01 }`, [
      "94 price.input_cached_tokens is a usage type the step does not count (input)",
    ]],
    [`${GEN}, usage: { input: 900, output: 5 }, hiddenInputTokens: 850`, [
      "112 hiddenInputTokens give either usage.input (the input tokens, fixed) or " +
      "hiddenInputTokens (the tokens the messages do not show, added to their count), not both",
    ]],
    [
      `${GEN}, usage: { input: 10, output: 5 }, cost: { input: 1, output: 1 }, price: { input: 1, output: 1 }`,
      ["130 price give either cost or price, not both"],
    ],
    [`${GEN}, usage: { input: 1.5, output: 5 }`, [
      "75 usage.input must be a whole number or a string",
    ]],
  ];
  for (const [step, expected] of cases) assert.deepEqual(problems(step), expected, step);
});

test("model fields are refused on steps that call no model, and generation fields on embeddings", () => {
  assert.deepEqual(problems("type: tool, name: lookup, usage: { input: 1 }"), [
    '44 usage is only allowed on a generation or embedding step, not on type "tool"',
  ]);
  assert.deepEqual(problems(`${EMB}, timeToFirstToken: 10ms`), [
    '90 timeToFirstToken is only allowed on a generation step, not on type "embedding"',
  ]);
});
