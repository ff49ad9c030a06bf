import { test } from "node:test";
import assert from "node:assert/strict";
import { decide, parseRetryAfter } from "./retry.ts";

test("decide() retries 429 and 5xx, honouring Retry-After exactly", () => {
  assert.deepEqual(decide({ kind: "http", status: 503, retryAfterMs: 2000, body: "" }, 1, 0), {
    action: "retry",
    delayMs: 2000,
  });
  assert.deepEqual(decide({ kind: "http", status: 429, body: "" }, 1, 0, {}, 0.5), {
    action: "retry",
    delayMs: 500,
  });
  assert.deepEqual(decide({ kind: "http", status: 502, body: "" }, 3, 0, {}, 0.5), {
    action: "retry",
    delayMs: 2000,
  });
  assert.deepEqual(decide({ kind: "network", message: "connection refused" }, 1, 0, {}, 0), {
    action: "retry",
    delayMs: 400,
  });
});

test("decide() caps the backoff and gives up at the deadline with the reason", () => {
  assert.deepEqual(
    decide({ kind: "timeout", afterMs: 10_000 }, 10, 0, { maxBackoffMs: 15_000 }, 0.5),
    {
      action: "retry",
      delayMs: 15_000,
    },
  );
  assert.deepEqual(decide({ kind: "http", status: 503, body: "busy" }, 4, 59_000, {}, 0.5), {
    action: "fail",
    reason: "HTTP 503: busy, gave up after 4 attempts (retry deadline 60s)",
    fatal: false,
  });
});

test("decide() fails at once when Retry-After is longer than the deadline, and says so", () => {
  assert.deepEqual(
    decide({ kind: "http", status: 429, retryAfterMs: 120_000, body: "" }, 1, 0, {
      deadlineMs: 60_000,
    }),
    {
      action: "fail",
      reason: "HTTP 429, Retry-After 120s is longer than the 60s retry deadline",
      fatal: false,
    },
  );
  assert.match(
    (decide({ kind: "http", status: 503, retryAfterMs: 30_000, body: "" }, 2, 40_000) as {
      reason: string;
    }).reason,
    /^HTTP 503, Retry-After 30s is longer than the 20s left of the 60s retry deadline$/,
  );
});

test("decide() fails 4xx at once and marks 401/403 fatal", () => {
  assert.deepEqual(decide({ kind: "http", status: 413, body: "too large" }, 1, 0), {
    action: "fail",
    reason: "HTTP 413: too large",
    fatal: false,
  });
  assert.deepEqual(decide({ kind: "http", status: 401, body: "" }, 1, 0), {
    action: "fail",
    reason: "HTTP 401",
    fatal: true,
  });
  assert.deepEqual(decide({ kind: "http", status: 403, body: "" }, 1, 0), {
    action: "fail",
    reason: "HTTP 403",
    fatal: true,
  });
  assert.deepEqual(decide({ kind: "ok", rejected: 0 }, 1, 0), { action: "done" });
});

test("parseRetryAfter() reads seconds and HTTP dates", () => {
  const now = Date.parse("2026-11-25T12:00:00Z");
  assert.equal(parseRetryAfter("3", now), 3000);
  assert.equal(parseRetryAfter("Wed, 25 Nov 2026 12:00:05 GMT", now), 5000);
  assert.equal(parseRetryAfter("Wed, 25 Nov 2026 11:00:00 GMT", now), 0);
  assert.equal(parseRetryAfter(null, now), undefined);
  assert.equal(parseRetryAfter("soon", now), undefined);
});

test("decide() fails a 200 that is not an OTLP answer at once, not fatal, with what it was", () => {
  assert.deepEqual(
    decide({ kind: "unreadable", status: 200, reason: "an HTML page, not an OTLP response" }, 1, 0),
    { action: "fail", reason: "HTTP 200 with an HTML page, not an OTLP response", fatal: false },
  );
});
