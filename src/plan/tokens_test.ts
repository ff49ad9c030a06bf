import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CountCache,
  inputTokens,
  messageTokens,
  outputTokens,
  promptParts,
  textTokens,
} from "./tokens.ts";

test("textTokens() counts with o200k_base for current OpenAI models, not characters / 4", () => {
  // o200k_base, cl100k_base and characters / 4 differ on these: the counts are o200k's.
  const cases: [string, number][] = [
    ["Hi, where is my order? It was supposed to arrive yesterday.", 14],
    ["Ihre Bestellung wurde am 24. November versandt.", 11],
    ["I'm sorry your electric kettle arrived cracked.", 8],
    ["Your order shipped with DHL on 2026-11-22.", 14],
    ["こんにちは、注文はどこですか?", 9],
    ['{"passed":true,"redactions":0}', 10],
  ];
  for (const model of ["gpt-5.4-2026-03-05", "gpt-4o", "openai/gpt-4.1-mini", "o4-mini"]) {
    for (const [text, tokens] of cases) assert.equal(textTokens(text, model), tokens, text);
  }
});

test("the same text always counts the same, first counted or taken from the cache", () => {
  const text = "Your parcel is scheduled for Friday 27 November.";
  const counts = Array.from({ length: 5 }, () => textTokens(text, "gpt-5.4-mini"));
  assert.deepEqual(new Set(counts).size, 1);
});

test("a special-token string in content counts as text instead of failing", () => {
  assert.equal(textTokens("<|endoftext|>", "gpt-5.4"), 7);
});

test("other families are o200k_base counts scaled by their documented factor, rounded up per text", () => {
  const text = "Ihre Bestellung wurde am 24. November versandt."; // 11 o200k tokens
  assert.equal(textTokens(text, "claude-sonnet-4-6"), Math.ceil(11 * 1.2));
  assert.equal(textTokens(text, "anthropic/claude-haiku-4-5-20251001"), 14);
  assert.equal(textTokens(text, "gemini-3.5-flash"), 11);
  assert.equal(textTokens(text, "llama-3.3-70b"), 11);
});

test("a chat prompt counts as OpenAI bills it: 3 per message, role and content, 3 priming the reply", () => {
  const system = { role: "system", content: "Be brief." }; // role 1 + content 3
  const user = {
    role: "user",
    content: "Hi, where is my order? It was supposed to arrive yesterday.",
  };
  assert.equal(messageTokens(system, "gpt-5.4"), 3 + 1 + 3);
  assert.equal(messageTokens(user, "gpt-5.4"), 3 + 1 + 14);
  assert.equal(inputTokens([system, user], "gpt-5.4"), 7 + 18 + 3);
  // A name adds its text and one token; JSON content counts as its JSON text.
  assert.equal(
    messageTokens({ role: "tool", name: "order", content: { passed: true } }, "gpt-5.4"),
    3 + 1 + (1 + 1) + 5, // {"passed":true} is 5
  );
  // Input that is not a message list counts as its text, without chat framing.
  assert.equal(
    inputTokens("Hi, where is my order? It was supposed to arrive yesterday.", "gpt-5.4"),
    14,
  );
  assert.equal(inputTokens(undefined, "gpt-5.4"), 0);
});

test("promptParts() gives each message its tokens, in prompt order, keyed by its content", () => {
  const messages = [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }];
  const parts = promptParts(messages, "gpt-5.4");
  assert.deepEqual(parts.map((part) => part.tokens), [7, 5]);
  assert.deepEqual(
    parts.map((part) => part.key),
    messages.map((message) => JSON.stringify(message)),
  );
  assert.equal(parts.reduce((sum, part) => sum + part.tokens, 3), inputTokens(messages, "gpt-5.4"));
});

test("outputTokens() counts what the model wrote: an answer's content, tool calls, or the value", () => {
  const cases: [unknown, number][] = [
    [{ role: "assistant", content: "I'm sorry your electric kettle arrived cracked." }, 8],
    [{ role: "assistant", content: "order_status" }, 2],
    [
      { role: "assistant", tool_calls: [{ name: "lookup", arguments: { id: 1 } }] },
      textTokens(JSON.stringify([{ name: "lookup", arguments: { id: 1 } }]), "gpt-5.4"),
    ],
    ["I'm sorry your electric kettle arrived cracked.", 8],
    [{ passed: true, redactions: 0 }, 10],
    [undefined, 0],
  ];
  for (const [output, tokens] of cases) {
    assert.equal(outputTokens(output as never, "gpt-5.4"), tokens, JSON.stringify(output));
  }
});

test("a spoken answer's transcript counts as its text output tokens, beside the audio tokens", () => {
  // OpenAI bills an audio reply's transcript as text output tokens (completion_tokens_details.
  // text_tokens); its audio tokens are a usage type of their own, which the script declares.
  const spoken = {
    role: "assistant",
    audio: { format: "pcm16", transcript: "I'm sorry your electric kettle arrived cracked." },
  };
  assert.equal(outputTokens(spoken, "gpt-4o-audio-preview"), 8);
  assert.equal(outputTokens({ role: "assistant", audio: { format: "pcm16" } }, "gpt-4o"), 0);
});

test("the count cache counts a text once while recently used and keeps at most its limit", () => {
  const counted: string[] = [];
  const cache = new CountCache(4, (text) => {
    counted.push(text);
    return text.length;
  });
  for (const text of ["a", "b", "a", "c", "a", "b", "d", "e", "f", "a"]) {
    assert.equal(cache.get(text), 1);
    assert.ok(cache.size <= 4, `${cache.size} kept`);
  }
  // "a", used every other text, stays counted; "b" is counted again after two other texts,
  // and "a" after three new ones.
  assert.deepEqual(counted, ["a", "b", "c", "b", "d", "e", "f", "a"]);
});
