import { test } from "node:test";
import assert from "node:assert/strict";
import { backfillTimes, DEFAULT_RHYTHM } from "./backfill.ts";
import { Rng } from "./random.ts";

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
// 2026-03-14T09:26:53.589Z: not on an hour boundary, so the window has partial hours.
const END = Date.UTC(2026, 2, 14, 9, 26, 53, 589);

function hourCounts(times: readonly number[]): number[] {
  const counts = new Array<number>(24).fill(0);
  for (const t of times) counts[new Date(t).getUTCHours()]++;
  return counts;
}

const sum = (values: readonly number[]) => values.reduce((total, v) => total + v, 0);

test("DEFAULT_RHYTHM has 24 weights: quiet nights, busiest 13-17", () => {
  assert.equal(DEFAULT_RHYTHM.length, 24);
  const peak = Math.max(...DEFAULT_RHYTHM);
  assert.ok(DEFAULT_RHYTHM.slice(13, 18).every((w) => w >= 28 && w <= peak));
  assert.ok(DEFAULT_RHYTHM.slice(0, 6).every((w) => w <= 4));
});

const WINDOWS: { name: string; spreadMs: number }[] = [
  { name: "14 days", spreadMs: 14 * DAY_MS },
  { name: "90 minutes", spreadMs: 90 * 60_000 },
  { name: "one millisecond", spreadMs: 1 },
];

for (const { name, spreadMs } of WINDOWS) {
  test(`backfillTimes() over ${name} keeps every time inside the window, ascending`, () => {
    const times = backfillTimes(5_000, { endMs: END, spreadMs, rng: new Rng(1, "backfill") });
    assert.equal(times.length, 5_000);
    assert.ok(times.every((t) => Number.isInteger(t) && t >= END - spreadMs && t <= END));
    assert.ok(times.every((t, i) => i === 0 || times[i - 1] <= t));
  });
}

test("backfillTimes() is deterministic per seed", () => {
  const options = { endMs: END, spreadMs: 7 * DAY_MS };
  const a = backfillTimes(1_000, { ...options, rng: new Rng(8, "backfill") });
  const b = backfillTimes(1_000, { ...options, rng: new Rng(8, "backfill") });
  const c = backfillTimes(1_000, { ...options, rng: new Rng(9, "backfill") });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

test("backfillTimes() puts far fewer sessions in night hours (00-05) than afternoons (13-17)", () => {
  const times = backfillTimes(20_000, { endMs: END, spreadMs: 14 * DAY_MS, rng: new Rng(2, "bf") });
  const counts = hourCounts(times);
  const night = sum(counts.slice(0, 6)) / 6;
  const afternoon = sum(counts.slice(13, 18)) / 5;
  // Weights per hour: night 16/6 ≈ 2.7, afternoon 146/5 = 29.2, a ratio near 11.
  assert.ok(afternoon > 5 * night, `night ${night}/h, afternoon ${afternoon}/h`);
});

test("backfillTimes() follows the rhythm's shares over whole days", () => {
  const times = backfillTimes(100_000, {
    endMs: Date.UTC(2026, 0, 29),
    spreadMs: 28 * DAY_MS,
    rng: new Rng(4, "bf"),
  });
  const counts = hourCounts(times);
  const totalWeight = sum(DEFAULT_RHYTHM);
  for (const [hour, weight] of DEFAULT_RHYTHM.entries()) {
    const expected = (100_000 * weight) / totalWeight;
    assert.ok(Math.abs(counts[hour] - expected) < 4 * Math.sqrt(expected), `hour ${hour}`);
  }
});

test("backfillTimes() leaves zero-weight hours empty with a custom rhythm", () => {
  const officeHours = Array.from({ length: 24 }, (_, h) => (h >= 9 && h < 17 ? 1 : 0));
  const times = backfillTimes(2_000, {
    endMs: END,
    spreadMs: 3 * DAY_MS,
    rng: new Rng(5, "bf"),
    rhythm: officeHours,
  });
  const counts = hourCounts(times);
  assert.equal(sum(counts.slice(9, 17)), 2_000);
});

test("backfillTimes() of zero sessions is empty", () => {
  assert.deepEqual(backfillTimes(0, { endMs: END, spreadMs: DAY_MS, rng: new Rng(1, "bf") }), []);
});

test("backfillTimes() refuses bad counts, windows and rhythms", () => {
  const rng = new Rng(1, "bf");
  assert.throws(() => backfillTimes(-1, { endMs: END, spreadMs: DAY_MS, rng }), {
    name: "RangeError",
    message: "Cannot place -1 sessions: use a whole number >= 0",
  });
  assert.throws(() => backfillTimes(10, { endMs: END, spreadMs: 0, rng }), {
    name: "RangeError",
    message: "Cannot spread sessions over 0ms: use a duration > 0",
  });
  assert.throws(() => backfillTimes(10, { endMs: END, spreadMs: DAY_MS, rng, rhythm: [1, 2] }), {
    name: "RangeError",
    message: "Cannot use the rhythm [1, 2]: give 24 hourly weights, each >= 0",
  });
  const nightsOnly = Array.from({ length: 24 }, (_, h) => (h < 6 ? 1 : 0));
  // 09:26 back to 07:26 has no night hour.
  assert.throws(
    () => backfillTimes(10, { endMs: END, spreadMs: 2 * HOUR_MS, rng, rhythm: nightsOnly }),
    {
      name: "RangeError",
      message:
        "Cannot place backfilled sessions: the rhythm gives every hour in the window weight 0",
    },
  );
});
