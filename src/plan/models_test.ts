import { test } from "node:test";
import assert from "node:assert/strict";
import { modelProfile } from "./models.ts";

test("modelProfile() reads family, caching and output speed from the model's name", () => {
  const cases: [string, string, boolean, number, number][] = [
    ["gpt-5.4-2026-03-05", "openai", true, 30, 80],
    ["gpt-5.4-mini-2026-03-17", "openai", true, 40, 120],
    ["gpt-5.4-nano-2026-03-17", "openai", true, 80, 200],
    ["openai/o4-mini", "openai", true, 40, 120],
    ["claude-sonnet-4-6", "anthropic", false, 30, 80],
    ["claude-haiku-4-5-20251001", "anthropic", false, 40, 120],
    ["gemini-3.1-flash-lite", "google", false, 80, 200],
    ["recorded-model", "other", false, 30, 80],
  ];
  for (const [model, family, caching, min, max] of cases) {
    const profile = modelProfile(model);
    assert.deepEqual(
      [profile.family, profile.promptCaching, profile.outputSpeed.min, profile.outputSpeed.max],
      [family, caching, min, max],
      model,
    );
  }
});
