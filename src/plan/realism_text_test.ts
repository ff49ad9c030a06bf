import { test } from "node:test";
import assert from "node:assert/strict";
import { maskNumbers, TextCounter, tokensFit } from "./realism_text.ts";
import type { Json, ObservationPlan, TurnPlan } from "./types.ts";

test("maskNumbers() masks dates as <date> and other numbers as #, so only wording differs", () => {
  assert.equal(
    maskNumbers("Order ORD-48350 for $112.83 was due on Tuesday 24 November, not 2026-11-27."),
    "Order ORD-# for $# was due on <date>, not <date>.",
  );
  assert.equal(
    maskNumbers("Scanned 2026-11-24T03:10:00Z at 09:30, 1,250 parcels"),
    "Scanned <date> at #, # parcels",
  );
  assert.equal(maskNumbers("Where is my order?"), "Where is my order?");
});

const obs = (
  fields: Partial<ObservationPlan>,
  children: ObservationPlan[] = [],
): ObservationPlan => ({
  spanId: "s",
  name: "x",
  type: "span",
  startMs: 0,
  endMs: 0,
  ...fields,
  children,
});

const turn = (
  kind: string,
  input: Json,
  output: Json,
  children: ObservationPlan[] = [],
): TurnPlan => ({
  index: 0,
  kind,
  outcome: "answered",
  traceId: "t",
  root: obs({ input, output }, children),
});

test("TextCounter counts distinct masked messages and answers, the top message and each turn's variety", () => {
  const counter = new TextCounter();
  counter.add("shop", [
    turn("status", "Where is order 17?", "It ships Monday 23 November."),
    turn("delay", "Why late?", "A backlog."),
  ]);
  counter.add("shop", [
    turn("status", "Where is order 42?", "It ships Friday 27 November."),
    turn("delay", "Why is it late?", "A backlog."),
  ]);
  counter.add("shop", [turn("status", "Hi, where's my parcel?", "It ships today.")]);
  const stats = counter.stats();
  assert.equal(stats.turns, 5);
  // "Where is order #?" twice; the answers "It ships <date>." twice and "A backlog." twice.
  assert.equal(stats.distinctUserMessages, 4);
  assert.equal(stats.distinctAnswers, 3);
  assert.deepEqual(stats.top, {
    text: "Where is order #?",
    count: 2,
    script: "shop",
    turn: 1,
    kind: "status",
  });
  assert.deepEqual(stats.perTurn, [
    { script: "shop", turn: 1, kind: "status", plays: 3, distinctMessages: 2, distinctAnswers: 2 },
    { script: "shop", turn: 2, kind: "delay", plays: 2, distinctMessages: 2, distinctAnswers: 1 },
  ]);
});

test("tokensFit() allows 2 tokens either way, or 1% of the count when that is more", () => {
  assert.deepEqual(
    [[38, 36], [34, 36], [39, 36], [33, 36], [1010, 1000], [990, 1000], [1011, 1000]].map(
      ([reported, expected]) => tokensFit(reported, expected),
    ),
    [true, true, false, false, true, true, false],
  );
});

test("token fit checks each generation's input usage against the tokenizer's count of its input plus its hidden part", () => {
  // o200k_base: 36 tokens with the chat framing (3 a message, 3 priming the reply); Anthropic's
  // tokenizer is taken as 1.2 times that per text: 43.
  const messages = [
    { role: "system", content: "You answer questions about orders for an online shop." },
    { role: "user", content: "Where is my order ORD-48350? It was due on Tuesday." },
  ];
  const generation = (
    name: string,
    usage: { input: number; input_cached_tokens?: number },
    fields: Partial<ObservationPlan> = {},
  ) =>
    obs({
      type: "generation",
      name,
      model: "gpt-5.4-mini",
      input: messages,
      usage: { ...usage, output: 5, total: usage.input + (usage.input_cached_tokens ?? 0) + 5 },
      ...fields,
    });
  const counter = new TextCounter();
  counter.add("shop", [
    turn("status", "q", "a", [
      generation("route", { input: 36 }),
      // 36 shown and 1,110 of tool schemas, 1,024 of them a cached prefix.
      generation("answer", { input: 122, input_cached_tokens: 1024 }, {
        hiddenInputTokens: 1110,
      }),
      generation("summarize", { input: 45 }, { model: "claude-sonnet-4-5" }),
      // Not generations with usage: not counted.
      obs({ type: "embedding", name: "embed", input: "q", usage: { input: 900, total: 900 } }),
      obs({ type: "generation", name: "no-usage", input: messages }),
    ]),
    turn("delay", "q", "a", [
      generation("fixed", { input: 5000 }),
      generation("short", { input: 30 }),
    ]),
  ]);
  assert.deepEqual(counter.stats().tokenFit, {
    method: "tokenizer",
    generations: 5,
    fitting: 3,
    share: 0.6,
    worst: { script: "shop", turn: 2, name: "fixed", reported: 5000, expected: 36 },
  });
});

test("token fit of no generation is a full share with no worst", () => {
  const counter = new TextCounter();
  counter.add("shop", [turn("status", "q", "a")]);
  assert.deepEqual(counter.stats().tokenFit, {
    method: "tokenizer",
    generations: 0,
    fitting: 0,
    share: 1,
  });
});
