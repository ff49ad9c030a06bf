import { test } from "node:test";
import assert from "node:assert/strict";
import type { StepInput, TurnInput } from "../script/schema.ts";
import type { Consequence } from "./failures.ts";
import { type Layout, layoutTurn, place, streamed } from "./layout.ts";
import { modelProfile } from "./models.ts";
import { Rng } from "./random.ts";

function turnOf(steps: StepInput[]): TurnInput {
  return { kind: "status", input: "q", output: "a", outcome: "answered", steps };
}

function leaves(layout: Layout): Layout[] {
  return layout.children.length === 0 ? [layout] : layout.children.flatMap(leaves);
}

const ALWAYS_SLOW = { outlierRate: 1, failed: new Map<StepInput, Consequence>() };

test("a step whose status message names a timeout lasts exactly that, also as a slow outlier", () => {
  const step: StepInput = {
    type: "tool",
    name: "issue_refund",
    level: "ERROR",
    statusMessage: "payment provider timeout after 5s",
  };
  for (let seed = 0; seed < 50; seed++) {
    const layout = layoutTurn(turnOf([step]), "t", new Rng(seed, "timeout"), ALWAYS_SLOW);
    assert.equal(leaves(layout)[0].durationMs, 5000);
  }
});

test("an injected failure whose message names a timeout lasts it; the call that succeeds ends before", () => {
  const step: StepInput = {
    type: "tool",
    name: "carrier_tracking",
    duration: "250ms..1.4s",
    error: { rate: 0.04, message: "carrier API timeout after 3s" },
  };
  for (let seed = 0; seed < 50; seed++) {
    const rng = () => new Rng(seed, "injected");
    const failed = layoutTurn(turnOf([step]), "t", rng(), {
      outlierRate: 1,
      failed: new Map([[step, {}]]),
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
      failed: new Map(),
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

test("a retry follows its failed attempt after the backoff, also in a parallel parent", () => {
  const tool: StepInput = {
    type: "tool",
    name: "lookup",
    duration: "100ms",
    gap: "10ms",
    error: { rate: 1, message: "upstream timeout after 2s", retry: { gap: "1s", event: "retry" } },
  };
  const other: StepInput = { type: "tool", name: "other", duration: "50ms", gap: "20ms" };
  const parent: StepInput = { type: "agent", name: "tools", parallel: true, steps: [tool, other] };
  const failed = new Map<StepInput, Consequence>([[tool, tool.error!]]);
  const layout = layoutTurn(turnOf([parent]), "t", new Rng(1), { outlierRate: 0, failed });
  const [attempt, event, retry, sibling] = layout.children[0].children;
  assert.deepEqual(
    [attempt, event, retry, sibling].map((l) => [l.step.name, l.offsetMs, l.durationMs]),
    [["lookup", 10, 2000], ["retry", 2010, 0], ["lookup", 3010, 100], ["other", 20, 50]],
  );
  assert.equal(layout.children[0].durationMs, 3110 + layout.children[0].tailMs);
});
