import { test } from "node:test";
import assert from "node:assert/strict";
import type { StepInput, TurnInput } from "../script/schema.ts";
import { type Layout, layoutTurn, place, streamed } from "./layout.ts";
import { modelProfile } from "./models.ts";
import { Rng } from "./random.ts";

function turnOf(steps: StepInput[]): TurnInput {
  return { kind: "status", input: "q", output: "a", outcome: "answered", steps };
}

function leaves(layout: Layout): Layout[] {
  return layout.children.length === 0 ? [layout] : layout.children.flatMap(leaves);
}

const ALWAYS_SLOW = { outlierRate: 1, failed: new Set<StepInput>() };

test("a step with a timeout lasts exactly its timeout, also where every step is a slow outlier", () => {
  const step: StepInput = { type: "tool", name: "issue_refund", timeout: "5s", level: "ERROR" };
  for (let seed = 0; seed < 50; seed++) {
    const layout = layoutTurn(turnOf([step]), "t", new Rng(seed, "timeout"), ALWAYS_SLOW);
    const [tool] = leaves(layout);
    assert.equal(tool.durationMs, 5000);
    assert.equal(tool.timedOut, true);
  }
});

test("an injected timeout lasts its error.timeout; the call that succeeds ends before it", () => {
  const step: StepInput = {
    type: "tool",
    name: "carrier_tracking",
    duration: "250ms..1.4s",
    error: { rate: 0.04, message: "carrier API timeout after 3s", timeout: "3s" },
  };
  for (let seed = 0; seed < 50; seed++) {
    const rng = () => new Rng(seed, "injected");
    const failed = layoutTurn(turnOf([step]), "t", rng(), {
      outlierRate: 1,
      failed: new Set([step]),
    });
    assert.equal(leaves(failed)[0].durationMs, 3000);
    const succeeded = layoutTurn(turnOf([step]), "t", rng(), ALWAYS_SLOW);
    // Stretched 3 to 8 times, 250ms..1.4s would pass 3s; it stops just short of the timeout.
    assert.ok(leaves(succeeded)[0].durationMs < 3000, `${leaves(succeeded)[0].durationMs}`);
  }
});

test("a streamed generation lasts its first token plus its output at a speed in its model's band", () => {
  const band = modelProfile("gpt-5.4-mini-2026-03-17").outputSpeed;
  const step: StepInput = {
    type: "generation",
    name: "plan-action",
    model: "gpt-5.4-mini-2026-03-17",
    timeToFirstToken: "240ms..450ms",
    output: { role: "assistant", content: "order_status" },
  };
  const speeds: number[] = [];
  for (let seed = 0; seed < 200; seed++) {
    const layout = layoutTurn(turnOf([step]), "t", new Rng(seed, "speed"), {
      outlierRate: 0.02,
      failed: new Set(),
    });
    const [generation] = leaves(layout);
    streamed(generation, 60);
    place(layout);
    const speed = generation.tokensPerSecond!;
    speeds.push(speed);
    assert.ok(band.min <= speed && speed <= band.max, `${speed} tok/s`);
    assert.equal(generation.durationMs, generation.ttftMs! + Math.round(60 * 1000 / speed));
    assert.ok(layout.durationMs > generation.durationMs, "the turn holds the generation");
  }
  assert.ok(Math.min(...speeds) < band.min + 10 && Math.max(...speeds) > band.max - 10);
});

test("a generation with a duration keeps it: explicit timing wins over the derived one", () => {
  const step: StepInput = {
    type: "generation",
    name: "g",
    model: "gpt-5.4",
    duration: "2s",
    timeToFirstToken: "5s",
  };
  const [generation] = leaves(layoutTurn(turnOf([step]), "t", new Rng(1), ALWAYS_SLOW));
  assert.equal(generation.tokensPerSecond, undefined);
  assert.ok(generation.durationMs >= 6000, "a slow outlier, stretched from 2s");
  assert.equal(generation.ttftMs, 5000, "the first token comes within the call");
});

test("place() lays children one after another, or all from the start when parallel", () => {
  const child = (gapMs: number, durationMs: number): Layout => ({
    step: { type: "tool", name: "t" },
    offsetMs: 0,
    durationMs,
    gapMs,
    ownMs: 0,
    tailMs: 0,
    usage: {},
    failed: false,
    timedOut: false,
    children: [],
  });
  const parent = (parallel: boolean): Layout => ({
    ...child(0, 0),
    step: { type: "agent", name: "a", parallel },
    tailMs: 5,
    children: [child(10, 100), child(20, 50)],
  });
  const sequential = parent(false);
  place(sequential);
  assert.deepEqual(sequential.children.map((c) => c.offsetMs), [10, 130]);
  assert.equal(sequential.durationMs, 185);
  const parallel = parent(true);
  place(parallel);
  assert.deepEqual(parallel.children.map((c) => c.offsetMs), [10, 20]);
  assert.equal(parallel.durationMs, 115);
});
