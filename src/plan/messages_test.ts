import { test } from "node:test";
import assert from "node:assert/strict";
import { readScriptFile } from "../script/read.ts";
import { isInstruction } from "./chat.ts";
import { openAiMessages } from "./messages.ts";
import { planSession } from "./session.ts";
import type { Json, ObservationPlan } from "./types.ts";

test("openAiMessages() writes tool calls as OpenAI sends them, arguments as JSON text", () => {
  const messages: Json = [
    { role: "user", content: "hi" },
    {
      role: "assistant",
      tool_calls: [
        { id: "call_1", function: { name: "lookup", arguments: { scope: "latest" } } },
        { id: "call_2", type: "function", function: { name: "track", arguments: '{"n":1}' } },
      ],
    },
  ];
  assert.deepEqual(openAiMessages(messages), [
    { role: "user", content: "hi" },
    {
      role: "assistant",
      tool_calls: [
        {
          id: "call_1",
          type: "function",
          function: { name: "lookup", arguments: '{"scope":"latest"}' },
        },
        { id: "call_2", type: "function", function: { name: "track", arguments: '{"n":1}' } },
      ],
    },
  ]);
  assert.equal(openAiMessages("text"), "text");
});

test("a main generation's developer message stays first, before the conversation so far", async () => {
  const { script, file } = await readScriptFile("fixtures/scripts/open-vocabulary.yaml");
  const withDeveloper = {
    ...script,
    turns: script.turns.map((turn) => ({
      ...turn,
      steps: turn.steps.map((step) =>
        step.messages
          ? {
            ...step,
            messages: step.messages.map((m) =>
              m.role === "system" ? { ...m, role: "developer" as const } : m
            ),
          }
          : step
      ),
    })),
  };
  const plan = planSession(withDeveloper, {
    seed: 1,
    endMs: Date.parse("2026-11-25T12:00:00Z"),
    file,
  });
  const answer = plan.turns[1].root.children[0] as ObservationPlan;
  const roles = (answer.input as { role: string }[]).map((message) => message.role);
  assert.deepEqual(roles, ["developer", "user", "assistant", "user"]);
  assert.ok(isInstruction({ role: "developer", content: "x" }));
  assert.ok(!isInstruction({ role: "user", content: "x" }));
});
