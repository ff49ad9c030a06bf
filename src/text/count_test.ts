import { test } from "node:test";
import assert from "node:assert/strict";
import { count, noun } from "./count.ts";

test("count() says 1 turn, 0 turns and 3 turns, and takes an irregular plural", () => {
  assert.deepEqual([0, 1, 3].map((n) => count(n, "turn")), ["0 turns", "1 turn", "3 turns"]);
  assert.equal(count(1, "entry", "entries"), "1 entry");
  assert.equal(count(2, "entry", "entries"), "2 entries");
  assert.equal(noun(1, "span"), "span");
  assert.equal(noun(7, "span"), "spans");
});
