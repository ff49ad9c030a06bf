import { test } from "node:test";
import assert from "node:assert/strict";
import { EventQueue } from "./event_queue.ts";

test("events come out earliest first, and those at the same time in the order pushed", () => {
  const queue = new EventQueue<string>();
  const times = [50, 10, 30, 10, 90, 30, 0, 10];
  times.forEach((t, i) => queue.push(t, `${t}#${i}`));
  assert.equal(queue.size, times.length);
  assert.deepEqual(queue.peek(), { atMs: 0, value: "0#6" });
  assert.deepEqual(queue.drain(), ["0#6", "10#1", "10#3", "10#7", "30#2", "30#5", "50#0", "90#4"]);
  assert.equal(queue.pop(), undefined);
  assert.equal(queue.peek(), undefined);
});
