import { test } from "node:test";
import assert from "node:assert/strict";
import { readScriptFile } from "../script/read.ts";
import { SessionFactory } from "./instances.ts";
import { compressTimeline } from "./timeline.ts";
import type { ObservationPlan } from "./types.ts";

const START = Date.parse("2026-11-25T12:00:00Z");

function walk(
  obs: ObservationPlan,
  visit: (obs: ObservationPlan, parent?: ObservationPlan) => void,
  parent?: ObservationPlan,
) {
  visit(obs, parent);
  for (const child of obs.children) walk(child, visit, obs);
}

test("a time scale of 10 plays the whole session 10 times faster: think times and steps", async () => {
  const { file, script } = await readScriptFile("conversations/handoff.yaml");
  const factory = new SessionFactory([{ file, script }], { seed: 5, users: 10 });
  let checked = 0;
  for (let index = 0; index < 50; index++) {
    // One arrival for both: the same user, so the same content and the durations that follow it.
    const arrival = factory.arrive(index, { startMs: START, timeScale: 10 });
    const real = factory.plan(index, { startMs: START }, arrival);
    const fast = factory.plan(index, { startMs: START, timeScale: 10 }, arrival);
    assert.equal(fast.turns.length, real.turns.length, "the same session, only faster");
    assert.equal(fast.sessionId, real.sessionId);
    const realLength = real.turns.at(-1)!.root.endMs - START;
    const fastLength = fast.turns.at(-1)!.root.endMs - START;
    assert.ok(Math.abs(fastLength - realLength / 10) <= 1, `${fastLength} vs ${realLength}`);
    for (const [t, turn] of fast.turns.entries()) {
      const realTurn = real.turns[t].root;
      assert.ok(Math.abs(turn.root.startMs - START - (realTurn.startMs - START) / 10) <= 1);
      assert.ok(
        Math.abs(turn.root.endMs - turn.root.startMs - (realTurn.endMs - realTurn.startMs) / 10) <=
          1,
        "step durations shrink too, so the turn is sent a tenth as late",
      );
      walk(turn.root, (obs, parent) => {
        assert.ok(obs.startMs <= obs.endMs);
        if (parent) {
          assert.ok(
            obs.startMs >= parent.startMs && obs.endMs <= parent.endMs,
            "inside its parent",
          );
        }
        if (obs.completionStartMs !== undefined) {
          assert.ok(obs.completionStartMs >= obs.startMs && obs.completionStartMs <= obs.endMs);
          checked++;
        }
      });
      if (t > 0) assert.ok(turn.root.startMs >= fast.turns[t - 1].root.endMs, "turns keep order");
    }
  }
  assert.ok(checked > 0, "times to first token were compressed too");
});

test("compressTimeline() with scale 1 is the plan itself and refuses a scale of 0", async () => {
  const { file, script } = await readScriptFile("conversations/refund.yaml");
  const plan = new SessionFactory([{ file, script }], { seed: 1, users: 1 }).plan(0, {
    startMs: START,
  });
  assert.equal(compressTimeline(plan, START, 1), plan);
  assert.throws(() => compressTimeline(plan, START, 0), /scale must be a number > 0/);
});
