import { test } from "node:test";
import assert from "node:assert/strict";
import { RateLimiter } from "./rate_limiter.ts";

test("RateLimiter spaces 4 requests a second 250 ms apart", () => {
  const limiter = new RateLimiter(4);
  assert.deepEqual([0, 0, 0, 0].map((now) => limiter.reserve(now)), [0, 250, 500, 750]);
});

test("RateLimiter waits only for what is left of the interval", () => {
  const limiter = new RateLimiter(2);
  assert.equal(limiter.reserve(1_000), 0);
  assert.equal(limiter.reserve(1_200), 300);
  assert.equal(limiter.reserve(5_000), 0);
});

test("RateLimiter with 0, a negative or an infinite rate never waits", () => {
  for (const rate of [0, -1, Infinity]) {
    const limiter = new RateLimiter(rate);
    assert.deepEqual([0, 0, 0].map((now) => limiter.reserve(now)), [0, 0, 0]);
  }
});
