import { test } from "node:test";
import assert from "node:assert/strict";
import { chosenForProbe, nextReadDelayMs, roomForOneMore } from "./visible_sample.ts";
import { hashHex } from "./random.ts";

const ids = Array.from({ length: 4000 }, (_, i) => hashHex(`trace-${i}`));

test("chosenForProbe() chooses about one trace in k, the same ones for a seed", () => {
  const chosen = ids.filter((id) => chosenForProbe(id, { seed: 7, every: 4 }));
  assert.ok(chosen.length > 900 && chosen.length < 1100, `${chosen.length} of 4000`);
  assert.deepEqual(ids.filter((id) => chosenForProbe(id, { seed: 7, every: 4 })), chosen);
  const other = ids.filter((id) => chosenForProbe(id, { seed: 8, every: 4 }));
  assert.notDeepEqual(other, chosen);
  assert.equal(ids.filter((id) => chosenForProbe(id, { seed: 7, every: 1 })).length, 4000);
});

test("nextReadDelayMs() reads a young trace every poll and an old one every tenth of its age", () => {
  assert.equal(nextReadDelayMs(0, { pollMs: 250 }), 250);
  assert.equal(nextReadDelayMs(2_000, { pollMs: 250 }), 250);
  assert.equal(nextReadDelayMs(30_000, { pollMs: 250 }), 3_000);
});

test("roomForOneMore() keeps the reads of the traces watched within the budget", () => {
  const spacing = { pollMs: 1000, readsPerSecond: 2 };
  assert.equal(roomForOneMore([], spacing), true);
  // One young trace reads 1/s; a second makes 2/s: room. A third would make 3/s.
  assert.equal(roomForOneMore([0], spacing), true);
  assert.equal(roomForOneMore([0, 0], spacing), false);
  // Old traces are read rarely (every 6 s at 60 s), so they leave room.
  assert.equal(roomForOneMore([60_000, 60_000, 60_000], spacing), true);
  // Below one read a second, one trace is still watched.
  assert.equal(roomForOneMore([], { pollMs: 1000, readsPerSecond: 0.5 }), true);
});
