import { test } from "node:test";
import assert from "node:assert/strict";
import { oneTurnScript, scriptProblems } from "../testing/scripts.ts";

/** The problems of a one-step script (block mapping fields), as `field message`. */
function problems(fields: string): string[] {
  return scriptProblems(
    oneTurnScript(`- type: tool\n  name: call\n  ${fields.replaceAll("\n", "\n  ")}`),
  )
    .map((problem) => problem.split(" ").slice(1).join(" ").replace("turns[0].steps[0].", ""));
}

test("a status message naming a timeout needs the same timeout, which replaces the duration", () => {
  const cases: [string, string[]][] = [
    ["level: ERROR\nstatusMessage: payment provider timeout after 5s", [
      'statusMessage names "timeout after 5s"; add timeout: 5s so the step lasts exactly that',
    ]],
    ["timeout: 3s\nstatusMessage: Request timed out after 5 seconds", [
      'timeout is 3s, but statusMessage names "timed out after 5 seconds"',
    ]],
    ["timeout: 5s\nduration: 5s..5.08s", [
      "duration give either duration or timeout (a step that times out lasts its timeout)",
    ]],
    ["timeout: 2s..3s", ['timeout must be one duration like "5s", not a range']],
    ["duration: 1s..4s\nerror: { rate: 0.1, message: carrier API timeout after 3s }", [
      'error.message names "timeout after 3s"; add error.timeout: 3s so the step lasts exactly that',
    ]],
    ["duration: 1s..4s\nerror: { rate: 0.1, message: upstream timeout, timeout: 3s }", [
      "duration runs to 4s, not less than error.timeout 3s: a call that succeeds ends before its timeout",
    ]],
    ["timeout: 30s\nstatusMessage: gateway gave up (a 30s timeout)", []],
    ["duration: 1s\nerror: { rate: 0.1, message: timeout after 1.5s, timeout: 1.5s }", []],
    ["statusMessage: retried after a timeout", []],
  ];
  for (const [fields, expected] of cases) assert.deepEqual(problems(fields), expected, fields);
});

test("only a step that lasts and has no child steps can time out", () => {
  assert.deepEqual(
    scriptProblems(oneTurnScript("- { type: event, name: handoff, timeout: 1s }")).map((p) =>
      p.split(" ").slice(1).join(" ")
    ),
    ["turns[0].steps[0].timeout is only allowed on a step that lasts and has no child steps"],
  );
});
