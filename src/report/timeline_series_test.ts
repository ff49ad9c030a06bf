import { test } from "node:test";
import assert from "node:assert/strict";
import { SERIES_RELATIVE_ERROR, TimelineRecorder } from "./timeline_series.ts";
import { percentile } from "../plan/stats.ts";

const T0 = Date.UTC(2026, 10, 25, 12);

test("counts land in the one-second bucket of their time, empty seconds included", () => {
  const recorder = new TimelineRecorder(T0);
  recorder.add(T0 + 200, { generated: 10, acknowledged: 8, statuses: { "200": 2 } });
  recorder.add(T0 + 900, { generated: 5, failed: 2, retried: 1, statuses: { "503": 1 } });
  recorder.add(T0 + 2500, { sessions: 3, acknowledged: 7, requests: 1 });
  const series = recorder.series();
  assert.equal(series.bucketMs, 1000);
  assert.deepEqual(series.points.map((p) => p.t), [0, 1000, 2000]);
  assert.deepEqual(series.points[0], {
    t: 0,
    sessions: 0,
    generated: 15,
    acknowledged: 8,
    failed: 2,
    requests: 0,
    retried: 1,
    dropped: 0,
    statuses: { "200": 2, "503": 1 },
  });
  assert.equal(series.points[1].generated, 0, "a quiet second is a zero, not a gap");
  assert.equal(series.points[2].sessions, 3);
});

test("each bucket's p50, p95 and p99 are within 5% of the exact nearest-rank values", () => {
  const recorder = new TimelineRecorder(T0);
  const latencies = Array.from({ length: 1000 }, (_, i) => 5 + ((i * 7919) % 1000) * 1.37);
  for (const ms of latencies) recorder.latency(T0 + 100, ms);
  recorder.latency(T0 + 1500, 42);
  const [first, second] = recorder.series().points;
  const sorted = [...latencies].sort((a, b) => a - b);
  for (const [q, p] of [["p50", 50], ["p95", 95], ["p99", 99]] as const) {
    const exact = percentile(sorted, p)!;
    const got = first.latency![q];
    assert.ok(
      Math.abs(got - exact) <= exact * SERIES_RELATIVE_ERROR,
      `${q} ${got} is within 5% of ${exact}`,
    );
  }
  assert.equal(first.latency!.count, 1000);
  assert.equal(first.latency!.max, Math.max(...latencies));
  assert.deepEqual(second.latency, { count: 1, p50: 42, p95: 42, p99: 42, max: 42 });
});

test("past maxBuckets the width doubles and neighbours merge, counts and latencies kept", () => {
  const recorder = new TimelineRecorder(T0, { maxBuckets: 4 });
  for (let s = 0; s < 4; s++) {
    recorder.add(T0 + s * 1000, { acknowledged: s + 1, statuses: { "200": 1 } });
    recorder.latency(T0 + s * 1000, 10 * (s + 1));
  }
  assert.equal(recorder.bucketMs, 1000);
  recorder.add(T0 + 4000, { acknowledged: 100 });
  const series = recorder.series();
  assert.equal(series.bucketMs, 2000);
  assert.deepEqual(series.points.map((p) => [p.t, p.acknowledged]), [[0, 3], [2000, 7], [
    4000,
    100,
  ]]);
  assert.deepEqual(series.points[1].statuses, { "200": 2 });
  assert.deepEqual(series.points[1].latency, { count: 2, p50: 30, p95: 40, p99: 40, max: 40 });
});

test("a week of per-second events stays within 720 buckets with every span counted", () => {
  const recorder = new TimelineRecorder(T0);
  const week = 7 * 24 * 3600;
  let acknowledged = 0;
  for (let s = 0; s < week; s += 7) {
    recorder.add(T0 + s * 1000, { acknowledged: 3 });
    recorder.latency(T0 + s * 1000, 20 + (s % 50));
    acknowledged += 3;
    assert.ok(recorder.size <= 720);
  }
  const series = recorder.series();
  assert.ok(series.points.length <= 720, `${series.points.length} buckets`);
  assert.equal(series.bucketMs, 1024_000, "a week fits in 17-minute buckets");
  assert.equal(series.points.reduce((sum, p) => sum + p.acknowledged, 0), acknowledged);
  assert.equal(
    series.points.reduce((sum, p) => sum + (p.latency?.count ?? 0), 0),
    Math.ceil(week / 7),
  );
});

test("times before the start go to the first bucket and bad latencies are ignored", () => {
  const recorder = new TimelineRecorder(T0);
  recorder.add(T0 - 5000, { generated: 1 });
  recorder.latency(T0, Number.NaN);
  recorder.latency(T0, -1);
  assert.deepEqual(recorder.series().points.map((p) => [p.generated, p.latency]), [[
    1,
    undefined,
  ]]);
});
