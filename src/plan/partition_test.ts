import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readScriptFile } from "../script/read.ts";
import { SessionFactory } from "./instances.ts";
import {
  checkPartition,
  formatShard,
  holds,
  parseShard,
  partIndexes,
  partSize,
  subPartition,
  WHOLE,
} from "./partition.ts";
import { PopulationCounter } from "./population.ts";

const END = Date.parse("2026-11-25T12:00:00Z");

describe("partition", () => {
  it("reads K/N as part K-1 of N and writes it back the same way", () => {
    assert.deepEqual(parseShard("1/1"), WHOLE);
    assert.deepEqual(parseShard("3/4"), { index: 2, count: 4 });
    assert.equal(formatShard(parseShard("3/4")), "3/4");
    for (const bad of ["0/4", "5/4", "01/4", "1/0", "-1/4", "1 /4", "1/4/2", "a/b", ""]) {
      assert.throws(() => parseShard(bad), RangeError, bad);
    }
    assert.throws(() => parseShard("5/4"), /K must be from 1 to N \(4\), not 5/);
  });

  it("gives every session index to exactly one of N parts, round-robin, with sizes that add up", () => {
    for (const n of [1, 2, 3, 7]) {
      const owners = new Map<number, number>();
      for (let k = 0; k < n; k++) {
        const part = { index: k, count: n };
        const indexes = [...partIndexes(100, part)];
        assert.equal(indexes.length, partSize(100, part));
        for (const i of indexes) {
          assert.ok(holds(part, i));
          assert.equal(owners.has(i), false, `session ${i} in two parts`);
          owners.set(i, k);
        }
      }
      assert.deepEqual([...owners.keys()].sort((a, b) => a - b), [...Array(100).keys()]);
    }
    assert.equal(partSize(2, { index: 2, count: 3 }), 0, "a part past the end is empty");
  });

  it("nests: the W workers of shard K of N together hold exactly shard K", () => {
    const shard = { index: 1, count: 3 };
    const together = [0, 1, 2, 3].flatMap((w) => [...partIndexes(200, subPartition(shard, w, 4))]);
    assert.deepEqual(together.sort((a, b) => a - b), [...partIndexes(200, shard)]);
    assert.throws(() => subPartition(shard, 4, 4), RangeError);
    assert.throws(() => checkPartition({ index: 0, count: 0 }), RangeError);
  });

  it("a session planned in a part is the same as planned among all the others: per-index streams, one user pool, every session arriving", async () => {
    const order = await readScriptFile("conversations/order-status.yaml");
    const handoff = await readScriptFile("conversations/handoff.yaml");
    const scripts = [order, handoff];
    const options = { seed: 9, users: 30, runId: "run_0123456789ab" };
    const all = new SessionFactory(scripts, options);
    const at = (i: number) => ({ endMs: END + i * 60_000 });
    const sequential = [...Array(60).keys()].map((i) => all.plan(i, at(i)));
    // Each shard its own factory: every session arrives in order, the shard plans only its
    // own, in reverse for good measure.
    for (const k of [0, 1, 2]) {
      const factory = new SessionFactory(scripts, options);
      assert.deepEqual(factory.userIds(), all.userIds(), "the same user pool in every shard");
      const arrivals = [...Array(60).keys()].map((i) => factory.arrive(i, at(i)));
      const mine = [...partIndexes(60, { index: k, count: 3 })].reverse();
      for (const i of mine) assert.deepEqual(factory.plan(i, at(i), arrivals[i]), sequential[i]);
    }
  });

  it("population counters merged from parts give the whole population's shape", async () => {
    const { file, script } = await readScriptFile("conversations/order-status.yaml");
    const factory = new SessionFactory([{ file, script }], { seed: 3, users: 20 });
    const whole = new PopulationCounter();
    const parts = [new PopulationCounter(), new PopulationCounter()];
    for (let i = 0; i < 200; i++) {
      const plan = factory.plan(i, { endMs: END });
      whole.add(plan);
      parts[i % 2].add(plan);
    }
    const merged = new PopulationCounter();
    for (const part of parts) merged.merge(part.tally());
    assert.deepEqual(merged.shape(), whole.shape());
  });
});
