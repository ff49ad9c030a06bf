import { test } from "node:test";
import assert from "node:assert/strict";
import type { SessionPlan } from "./types.ts";
import { PopulationCounter } from "./population.ts";

function session(userId: string, outcome = "answered"): SessionPlan {
  return {
    script: "demo",
    file: "demo.yaml",
    seed: 0,
    sessionId: "conv_0123456789abcdef01234",
    userId,
    traceName: "demo-turn",
    version: "test",
    tags: [],
    metadata: {},
    scores: [],
    findings: [],
    turns: [{
      index: 0,
      kind: "status",
      outcome,
      traceId: "0".repeat(32),
      root: { spanId: "0".repeat(16), name: "t", type: "span", startMs: 0, endMs: 1, children: [] },
    }],
  };
}

test("the busiest user is counted for pools far larger than a function's argument limit", () => {
  const counter = new PopulationCounter();
  for (let i = 0; i < 300_000; i++) counter.add(session(`usr_${i.toString(16).padStart(12, "0")}`));
  counter.add(session("usr_busiest"));
  counter.add(session("usr_busiest", "escalated"));
  const shape = counter.shape();
  assert.equal(counter.sessions, 300_002);
  assert.equal(shape.users, 300_001);
  assert.equal(shape.maxSessionsPerUser, 2);
  assert.equal(shape.escalationRate, Math.round((1 / 300_002) * 1e4) / 1e4);
});

test("usersBySessions counts how many users had each number of sessions, the Zipf tail", () => {
  const counter = new PopulationCounter();
  for (const user of ["a", "a", "a", "b", "c", "d", "d", "e", "f", "f", "f"]) {
    counter.add(session(`usr_${user}`));
  }
  assert.deepEqual(counter.usersBySessions(), { "1": 3, "2": 1, "3": 2 });
});

test("sessions a stop cut short are counted with the turns and spans not sent, and merge across parts", () => {
  const plan = session("usr_a");
  const child = { spanId: "1".repeat(16), name: "c", type: "span" as const, startMs: 0, endMs: 1 };
  const turn = (index: number) => ({
    ...plan.turns[0],
    index,
    root: { ...plan.turns[0].root, children: [{ ...child, children: [] }] },
  });
  const three = { ...plan, turns: [turn(0), turn(1), turn(2)] };
  const part = new PopulationCounter();
  part.cut(three, 1);
  part.cut(three, 0);
  part.cut(three, 3);
  assert.deepEqual(part.tally().inProgress, { sessions: 2, turns: 5, spans: 10 });
  const run = new PopulationCounter();
  run.merge(part.tally());
  run.merge(part.tally());
  run.merge(new PopulationCounter().tally());
  assert.deepEqual(run.shape().stoppedInProgress, {
    sessions: 4,
    turnsNotSent: 10,
    spansNotSent: 20,
  });
  assert.equal(new PopulationCounter().shape().stoppedInProgress, undefined);
});
