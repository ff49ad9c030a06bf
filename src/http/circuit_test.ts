import { test } from "node:test";
import assert from "node:assert/strict";
import { RefusalCircuit } from "./circuit.ts";

test("refusals lasting the whole window declare the endpoint dead", () => {
  let now = 1_000;
  const circuit = new RefusalCircuit({ windowMs: 5_000, now: () => now });
  assert.equal(circuit.refused(), false);
  now += 4_999;
  assert.equal(circuit.refused(), false, "not yet: the window has not passed");
  now += 1;
  assert.equal(circuit.refused(), true);
  assert.equal(circuit.dead, true);
  circuit.answered();
  assert.equal(circuit.dead, true, "a dead endpoint stays dead for the run");
});

test("an answer in between restarts the window, so a restarting server is retried", () => {
  let now = 0;
  const circuit = new RefusalCircuit({ windowMs: 5_000, now: () => now });
  circuit.refused();
  now = 4_000;
  circuit.answered();
  now = 6_000;
  assert.equal(circuit.refused(), false, "the window starts again at the first new refusal");
  now = 10_999;
  assert.equal(circuit.refused(), false);
  now = 11_000;
  assert.equal(circuit.refused(), true);
});
