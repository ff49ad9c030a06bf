import { test } from "node:test";
import assert from "node:assert/strict";
import { maskNumbers, TextCounter, visibleCharacters } from "./realism_text.ts";
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

test("token fit sums each generation's input tokens against the characters its input shows", () => {
  const messages = [{ role: "system", content: "x".repeat(84) }, {
    role: "user",
    content: "y".repeat(68),
  }];
  // 84 + 68 characters, and 16 (four tokens of framing) for each of the two messages.
  assert.equal(visibleCharacters(messages), 184);
  assert.equal(visibleCharacters("plain text"), 10);
  const generation = (name: string, input: number) =>
    obs({
      type: "generation",
      name,
      input: messages,
      usage: { input, output: 5, total: input + 5 },
    });
  const counter = new TextCounter();
  counter.add("shop", [
    turn("status", "q", "a", [generation("route", 46), generation("answer", 460)]),
  ]);
  const fit = counter.stats().tokenFit;
  assert.equal(fit.generations, 2);
  assert.equal(fit.inputTokens, 506);
  assert.equal(fit.visibleCharacters, 368);
  assert.equal(fit.tokensPerCharacter, 506 / 368);
  // 46 tokens for 184 characters is text's 0.25; 460 is ten times that.
  assert.deepEqual(fit.worst, { script: "shop", name: "answer", tokensPerCharacter: 2.5 });
});
