import { test } from "node:test";
import assert from "node:assert/strict";
import { oneTurnScript, scriptProblems } from "../../testing/scripts.ts";

/** The problems of a one-step script (block mapping fields), as `field message`. */
function problems(fields: string): string[] {
  const step = `- type: tool\n  name: call\n  ${fields.replaceAll("\n", "\n  ")}`;
  return scriptProblems(oneTurnScript(step)).map((problem) =>
    problem.split(" ").slice(1).join(" ").replace("turns[0].steps[0].", "")
  );
}

test("a duration beside a message that names a timeout may only be that timeout", () => {
  const cases: [string, string[]][] = [
    ["duration: 5s..5.08s\nstatusMessage: payment provider timeout after 5s", [
      'duration is 5s..5.08s, but statusMessage names "timeout after 5s": a step that times out ' +
      "lasts its timeout; give 5s or leave it out",
    ]],
    ["duration: 3s\nstatusMessage: Request timed out after 5 seconds", [
      'duration is 3s, but statusMessage names "timed out after 5 seconds": a step that times ' +
      "out lasts its timeout; give 5s or leave it out",
    ]],
    ["error: { rate: 0.1, message: carrier API timeout after 3s, duration: 3s..3.05s }", [
      'error.duration is 3s..3.05s, but error.message names "timeout after 3s": a step that ' +
      "times out lasts its timeout; give 3s or leave it out",
    ]],
    ["duration: 1s..4s\nerror: { rate: 0.1, message: upstream timeout after 3s }", [
      "duration runs to 4s, not less than the timeout error.message names (3s): a call that " +
      "succeeds ends before its timeout",
    ]],
    ["statusMessage: payment provider timeout after 5s", []],
    ["duration: 30000\nstatusMessage: gateway gave up (a 30s timeout)", []],
    ["duration: 1s\nerror: { rate: 0.1, message: timeout after 1.5s, duration: 1.5s }", []],
    ["duration: 5s..9s\nstatusMessage: retried after a timeout", []],
  ];
  for (const [fields, expected] of cases) assert.deepEqual(problems(fields), expected, fields);
});

test("a container or an event that names a timeout is not held to it", () => {
  const steps = `- type: agent
  name: agent
  duration: 1s
  statusMessage: a tool call timed out after 5s
  steps: [{ type: tool, name: t }]
- { type: event, name: gave-up, statusMessage: timeout after 5s }`;
  assert.deepEqual(scriptProblems(oneTurnScript(steps)), []);
});
