import { test } from "node:test";
import assert from "node:assert/strict";
import { parseScript } from "../script/read.ts";
import { ScriptError } from "../script/errors.ts";
import { drawFailure, showFailures } from "./failures.ts";
import { Rng } from "./random.ts";
import { planSession } from "./session.ts";
import { longestSessionMs } from "./session_bounds.ts";
import type { Json, ObservationPlan, SessionPlan } from "./types.ts";

const END = Date.parse("2026-11-25T12:00:00.000Z");

/** A two-turn script whose `lookup` tool fails as `error` says; the answer quotes its result. */
function script(error: string): ReturnType<typeof parseScript> {
  return parseScript(
    `name: demo
session: { id: "conv_{hex:21}" }
user: { id: "usr_{hex:12}" }
trace: { name: demo-turn, version: local }
turns:
  - kind: status
    input: Where is my order?
    output: It is at the Leeds depot.
    outcome: answered
    steps:
      - type: agent
        name: agent
        steps:
          - type: tool
            name: lookup
            duration: 100ms..200ms
            output: { depot: Leeds }
${error.replace(/^/gm, "            ")}
          - type: generation
            name: answer
            model: m
            messages:
              - { role: user, content: Where is my order? }
              - { role: tool, name: lookup, content: depot=Leeds }
            output: { role: assistant, content: It is at the Leeds depot. }
  - kind: delay
    input: Why?
    output: A backlog.
    outcome: answered
    steps:
      - { type: generation, name: answer, model: m }
`,
    "demo.yaml",
  );
}

/** The first load-mode session of `demo` whose lookup failed, from seeds 0, 1, 2, … */
function failedSession(error: string): SessionPlan {
  const demo = script(error);
  for (let seed = 0; seed < 200; seed++) {
    const plan = planSession(demo, { seed, endMs: END, file: "demo.yaml", branching: true });
    if (plan.turns[0].root.children[0].children[0].level === "ERROR") return plan;
  }
  assert.fail("no failure in 200 sessions");
}

function messages(plan: SessionPlan): Json[] {
  const answer = plan.turns[0].root.children[0].children.find((obs) => obs.name === "answer")!;
  return answer.input as Json[];
}

test("a failed step's error result replaces its tool message in the next generation's input", () => {
  const plan = failedSession(`error:
  rate: 0.5
  message: lookup timeout after 3s
  duration: 3s
  output: { error: timeout }
  answer: I can't see where it is right now.`);
  const [lookup] = plan.turns[0].root.children[0].children;
  assert.equal(lookup.statusMessage, "lookup timeout after 3s");
  assert.deepEqual(lookup.output, { error: "timeout" });
  assert.equal(lookup.endMs - lookup.startMs, 3000, "the failed attempt's own duration");
  assert.deepEqual(messages(plan), [
    { role: "user", content: "Where is my order?" },
    { role: "tool", name: "lookup", content: '{"error":"timeout"}' },
  ]);
  assert.equal(plan.turns[0].root.output, "I can't see where it is right now.");
  const answer = plan.turns[0].root.children[0].children[1];
  assert.deepEqual(answer.output, {
    role: "assistant",
    content: "I can't see where it is right now.",
  });
  assert.equal(plan.turns[0].outcome, "failed", "no retry: failed by default");
  assert.equal(plan.turns.length, 2, "the conversation goes on");
});

test("a retried failure adds a WARNING event and a second attempt, and the generation sees both", () => {
  const plan = failedSession(`error:
  rate: 0.5
  message: lookup timeout after 3s
  duration: 3s
  retry: { gap: 1s, event: tool-retry-scheduled }`);
  const [failed, event, retry, answer] = plan.turns[0].root.children[0].children;
  assert.deepEqual(
    [failed.name, failed.level, failed.metadata],
    ["lookup", "ERROR", { attempt: 1 }],
  );
  assert.deepEqual([event.type, event.name, event.level], [
    "event",
    "tool-retry-scheduled",
    "WARNING",
  ]);
  assert.equal(event.startMs, failed.endMs, "the retry is scheduled when the attempt fails");
  assert.deepEqual([retry.name, retry.level, retry.metadata], ["lookup", undefined, {
    attempt: 2,
  }]);
  assert.deepEqual(retry.output, { depot: "Leeds" });
  assert.equal(retry.startMs, failed.endMs + 1000, "after the backoff");
  assert.ok(answer.startMs >= retry.endMs);
  assert.deepEqual(messages(plan), [
    { role: "user", content: "Where is my order?" },
    { role: "tool", name: "lookup", content: '{"error":"lookup timeout after 3s"}' },
    { role: "tool", name: "lookup", content: "depot=Leeds" },
  ]);
  assert.equal(plan.turns[0].root.output, "It is at the Leeds depot.", "the retry recovered");
  assert.equal(plan.turns[0].outcome, "recovered");
});

test("a failure variant that escalates and ends stops the conversation after its turn", () => {
  const plan = failedSession(`error:
  rate: 0.5
  message: lookup timeout after 3s
  variants:
    - { outcome: escalated, end: true, answer: "Sorry, I've passed this to a colleague." }`);
  assert.equal(plan.turns.length, 1);
  assert.equal(plan.turns[0].outcome, "escalated");
  assert.equal(plan.turns[0].root.output, "Sorry, I've passed this to a colleague.");
});

test("drawFailure() fails at the rate and picks variants by weight", () => {
  const error = {
    rate: 0.2,
    message: "timeout",
    variants: [{ outcome: "recovered" as const, weight: 3 }, {
      outcome: "failed" as const,
      weight: 1,
    }],
  };
  const rng = new Rng(1, "failures");
  const drawn = Array.from({ length: 10_000 }, () => drawFailure(error, rng));
  const failures = drawn.filter((consequence) => consequence !== undefined);
  assert.ok(Math.abs(failures.length / 10_000 - 0.2) < 0.015, `${failures.length} failures`);
  const recovered = failures.filter((c) => c.outcome === "recovered").length / failures.length;
  assert.ok(Math.abs(recovered - 0.75) < 0.04, `recovered ${recovered}`);
  assert.equal(drawFailure({ rate: 0, message: "never" }, rng), undefined);
});

test("showFailures() adds the error after the last tool message when none names the step", () => {
  const failed: ObservationPlan = {
    spanId: "a",
    name: "search",
    type: "retriever",
    startMs: 0,
    endMs: 1,
    level: "ERROR",
    output: { error: "index down" },
    children: [],
  };
  const generation: ObservationPlan = {
    spanId: "b",
    name: "answer",
    type: "generation",
    startMs: 2,
    endMs: 3,
    input: [
      { role: "system", content: "Be brief." },
      { role: "tool", content: "other=1" },
      { role: "user", content: "Hi" },
    ],
    children: [],
  };
  const before: ObservationPlan = {
    ...generation,
    spanId: "c",
    input: [{ role: "user", content: "Hi" }],
  };
  const root: ObservationPlan = {
    spanId: "r",
    name: "turn",
    type: "span",
    startMs: 0,
    endMs: 3,
    children: [before, failed, generation],
  };
  showFailures(root, [{ failed }]);
  assert.deepEqual(generation.input, [
    { role: "system", content: "Be brief." },
    { role: "tool", content: "other=1" },
    { role: "tool", name: "search", content: '{"error":"index down"}' },
    { role: "user", content: "Hi" },
  ]);
  assert.deepEqual(
    before.input,
    [{ role: "user", content: "Hi" }],
    "a generation before it is as it was",
  );
});

test("showFailures() keeps the tool_call_id of the tool message the error result replaces", () => {
  const failed: ObservationPlan = {
    spanId: "a",
    name: "lookup_guest",
    type: "tool",
    startMs: 0,
    endMs: 1,
    level: "ERROR",
    output: { error: "PMS unavailable" },
    children: [],
  };
  const call = {
    id: "call_1",
    type: "function",
    function: { name: "lookup_guest", arguments: "{}" },
  };
  const generation: ObservationPlan = {
    spanId: "b",
    name: "agent",
    type: "generation",
    startMs: 2,
    endMs: 3,
    input: [
      { role: "assistant", content: null, tool_calls: [call] },
      { role: "tool", tool_call_id: "call_1", name: "lookup_guest", content: "room=412" },
    ],
    children: [],
  };
  const root: ObservationPlan = {
    spanId: "r",
    name: "turn",
    type: "span",
    startMs: 0,
    endMs: 3,
    children: [failed, generation],
  };
  showFailures(root, [{ failed }]);
  assert.deepEqual((generation.input as Json[])[1], {
    role: "tool",
    tool_call_id: "call_1",
    name: "lookup_guest",
    content: '{"error":"PMS unavailable"}',
  }, "the call is still answered, as OpenAI requires");
});

test("an error with inline consequences and variants is refused at the field", () => {
  assert.throws(
    () =>
      script(`error:
  rate: 0.5
  message: down
  answer: Sorry.
  variants: [{ outcome: failed }]`),
    (error: unknown) =>
      error instanceof ScriptError &&
      /turns\[0\]\.steps\[0\]\.steps\[0\]\.error\.answer give the consequence either inline or in variants, not both/
        .test(error.message),
  );
});

test("no session lasts longer than the longest-session bound, failed attempts and retries included", () => {
  const demo = script(`error:
  rate: 0.5
  message: down
  duration: 4s
  retry: { gap: 2s }`);
  const bound = longestSessionMs(demo, { outlierRate: 0.5 });
  for (let seed = 0; seed < 300; seed++) {
    const plan = planSession(demo, {
      seed,
      endMs: END,
      file: "demo.yaml",
      branching: true,
      outlierRate: 0.5,
    });
    const lasted = plan.turns.at(-1)!.root.endMs - plan.turns[0].root.startMs;
    assert.ok(lasted <= bound, `seed ${seed}: ${lasted} > ${bound}`);
  }
});
