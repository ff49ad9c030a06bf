import { test } from "node:test";
import assert from "node:assert/strict";
import { formatVisible, mergeVisible, VisibleTally } from "./visible_report.ts";

const settings = { readsPerSecond: 2, timeoutMs: 600_000, sampleEvery: 1, api: "v4" as const };

function tallyOf(found: number[], never: string[]): VisibleTally {
  const tally = new VisibleTally();
  for (const ms of found) tally.found(ms);
  for (const id of never) tally.never(id);
  tally.reads = found.length + never.length;
  return tally;
}

test("mergeVisible() of two shards' samples is the report of all their samples together", () => {
  const a = [1_200, 1_300, 1_350, 9_000];
  const b = [800, 1_100, 40_000];
  const merged = mergeVisible([
    tallyOf(a, ["t1"]).report(settings),
    tallyOf(b, ["t2", "t3"]).report(settings),
  ])!;
  const whole = tallyOf([...a, ...b], ["t1", "t2", "t3"]).report(settings);
  assert.deepEqual(merged.ms, whole.ms);
  assert.deepEqual(merged.histogram, whole.histogram);
  assert.equal(merged.probed, 10);
  assert.equal(merged.visible, 7);
  assert.equal(merged.neverVisible, 3);
  assert.deepEqual(merged.neverVisibleIds, ["t1", "t2", "t3"]);
  // Each shard read within its own budget: the run read at their sum.
  assert.equal(merged.readsPerSecond, 4);
  assert.equal(mergeVisible([]), undefined);
});

test("formatVisible() says the percentiles, the counts and the never-visible ids", () => {
  const tally = tallyOf([1_000, 2_000], ["0af7651916cd43dd8448eb211c80319c"]);
  tally.skipped = 4;
  assert.deepEqual(formatVisible(tally.report(settings)), [
    "  visible    p50 1.00s · p95 2.00s · p99 2.00s after acknowledged (3 traces probed)",
    "             2 visible, 1 never within 10m 00s · 4 left out for the read budget · 3 reads at most 2/s",
    "             never visible: 0af7651916cd43dd8448eb211c80319c",
  ]);
});
