import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "./random.ts";
import {
  HISTOGRAM_MIN_MS,
  HISTOGRAM_RELATIVE_ERROR,
  LatencyHistogram,
  percentile,
} from "./stats.ts";

const TEN_TO_FIFTY = [10, 20, 30, 40, 50];

const PERCENTILES: [readonly number[], number, number | undefined][] = [
  [TEN_TO_FIFTY, 0, 10],
  [TEN_TO_FIFTY, 20, 10],
  [TEN_TO_FIFTY, 21, 20],
  [TEN_TO_FIFTY, 50, 30],
  [TEN_TO_FIFTY, 80, 40],
  [TEN_TO_FIFTY, 95, 50],
  [TEN_TO_FIFTY, 100, 50],
  [[7], 99, 7],
  [[], 50, undefined],
  // 7% of 100 is rank 7 even though 0.07 · 100 is 7.000000000000001 in floating point.
  [Array.from({ length: 100 }, (_, i) => i + 1), 7, 7],
  [Array.from({ length: 100 }, (_, i) => i + 1), 99.5, 100],
];

for (const [values, p, expected] of PERCENTILES) {
  test(`percentile() of [${values.length > 5 ? "1..100" : values}] at p${p} is ${expected}`, () => {
    assert.equal(percentile(values, p), expected);
  });
}

test("percentile() refuses p outside 0..100", () => {
  assert.throws(() => percentile([1], 101), {
    name: "RangeError",
    message: "Cannot compute percentile 101: use a value between 0 and 100",
  });
  assert.throws(() => percentile([1], NaN), RangeError);
});

test("LatencyHistogram is empty before any record", () => {
  const histogram = new LatencyHistogram();
  assert.equal(histogram.count, 0);
  assert.equal(histogram.quantile(0.5), undefined);
  assert.equal(histogram.min, undefined);
  assert.equal(histogram.mean, undefined);
});

test("LatencyHistogram counts, and knows min, max and mean exactly", () => {
  const histogram = new LatencyHistogram();
  for (const ms of [0, 12.5, 250, 3_000, 1e9]) histogram.record(ms);
  assert.equal(histogram.count, 5);
  assert.equal(histogram.min, 0);
  assert.equal(histogram.max, 1e9);
  assert.equal(histogram.mean, (0 + 12.5 + 250 + 3_000 + 1e9) / 5);
  assert.equal(histogram.quantile(0), 0);
  assert.equal(histogram.quantile(1), 1e9);
});

test("LatencyHistogram of one repeated value returns it exactly", () => {
  const histogram = new LatencyHistogram();
  for (let i = 0; i < 100; i++) histogram.record(123.456);
  for (const q of [0, 0.5, 0.99, 1]) assert.equal(histogram.quantile(q), 123.456);
});

const DATASETS: { name: string; draw: (rng: Rng) => number }[] = [
  { name: "log-uniform 0.1 ms to 100 s", draw: (rng) => 10 ** (rng.next() * 6 - 1) },
  { name: "skewed 50 ms to 5 s", draw: (rng) => rng.skewed(50, 5_000) },
  { name: "integer ms 0 to 20", draw: (rng) => rng.int(0, 20) },
  {
    name: "bimodal: fast cache hits and slow model calls",
    draw: (rng) => (rng.next() < 0.7 ? rng.skewed(1, 20) : rng.skewed(800, 30_000)),
  },
];

const QUANTILES = [0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1];

for (const { name, draw } of DATASETS) {
  test(`LatencyHistogram quantiles are within 1% of the exact percentile: ${name}`, () => {
    const rng = new Rng(11, name);
    const histogram = new LatencyHistogram();
    const values: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const ms = draw(rng);
      values.push(ms);
      histogram.record(ms);
    }
    values.sort((a, b) => a - b);
    for (const q of QUANTILES) {
      const exact = percentile(values, q * 100) as number;
      const approx = histogram.quantile(q) as number;
      const tolerance = exact <= HISTOGRAM_MIN_MS
        ? HISTOGRAM_MIN_MS
        : exact * (HISTOGRAM_RELATIVE_ERROR + 1e-12);
      assert.ok(Math.abs(approx - exact) <= tolerance, `q${q}: ${approx} vs ${exact}`);
    }
  });
}

test("LatencyHistogram refuses negative, infinite and NaN latencies and bad quantiles", () => {
  const histogram = new LatencyHistogram();
  assert.throws(() => histogram.record(-1), {
    name: "RangeError",
    message: "Cannot record latency -1: use a finite number of ms >= 0",
  });
  assert.throws(() => histogram.record(Infinity), RangeError);
  assert.throws(() => histogram.record(NaN), RangeError);
  assert.throws(() => histogram.quantile(95), {
    name: "RangeError",
    message: "Cannot compute quantile 95: use a value between 0 and 1",
  });
});

test("histograms merged from their states give the quantiles of one histogram of every value", () => {
  const whole = new LatencyHistogram();
  const parts = [new LatencyHistogram(), new LatencyHistogram(), new LatencyHistogram()];
  for (let i = 0; i < 3000; i++) {
    const ms = ((i * 7919) % 1000) / 3 + (i % 17 === 0 ? 900 : 0);
    whole.record(ms);
    parts[i % 3].record(ms);
  }
  const merged = new LatencyHistogram();
  for (const part of parts) merged.merge(JSON.parse(JSON.stringify(part.state())));
  for (const q of [0, 0.5, 0.95, 0.99, 1]) assert.equal(merged.quantile(q), whole.quantile(q));
  assert.equal(merged.count, whole.count);
  assert.ok(Math.abs(merged.mean! - whole.mean!) < 1e-9, "the mean, to float round-off");
});
