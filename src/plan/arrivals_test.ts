import { test } from "node:test";
import assert from "node:assert/strict";
import {
  arrivalOffsets,
  arrivalStream,
  expectedArrivals,
  parseRate,
  type Phase,
  phasesFromFlags,
} from "./arrivals.ts";
import { Rng } from "./random.ts";

const EVEN: { name: string; phases: Phase[]; expected: number[] }[] = [
  {
    name: "a constant 2/s over 5 s arrives every 500 ms from 0",
    phases: [{ durationMs: 5_000, rate: 2 }],
    expected: [0, 500, 1_000, 1_500, 2_000, 2_500, 3_000, 3_500, 4_000, 4_500],
  },
  {
    name: "a sequence concatenates and a zero-rate phase pauses",
    phases: [{ durationMs: 2_000, rate: 2 }, { durationMs: 3_000, rate: 0 }, {
      durationMs: 1_000,
      rate: 4,
    }],
    expected: [0, 500, 1_000, 1_500, 5_000, 5_250, 5_500, 5_750],
  },
  {
    name: "a fractional count carries into the next phase",
    phases: [{ durationMs: 1_500, rate: 1 }, { durationMs: 1_000, rate: 1 }],
    expected: [0, 1_000, 2_000],
  },
  {
    name: "a leading zero-rate phase delays the first arrival",
    phases: [{ durationMs: 3_000, rate: 0 }, { durationMs: 1_000, rate: 3 }],
    expected: [3_000, 3_000 + 1_000 / 3, 3_000 + 2_000 / 3],
  },
  {
    name: "no phases, or only empty ones, give no arrivals",
    phases: [{ durationMs: 0, rate: 5 }, { durationMs: 10_000, rate: 0 }],
    expected: [],
  },
];

for (const { name, phases, expected } of EVEN) {
  test(`arrivalOffsets(): ${name}`, () => {
    assert.deepEqual(arrivalOffsets(phases), expected);
  });
}

test("arrivalOffsets() ramps 0 to 10 per second over 10 s at 1000·sqrt(2k) ms", () => {
  const offsets = arrivalOffsets([{ durationMs: 10_000, rate: 0, rampTo: 10 }]);
  assert.equal(offsets.length, 50);
  assert.equal(offsets[0], 0);
  assert.equal(offsets[2], 2_000);
  assert.equal(offsets[8], 4_000);
  assert.equal(offsets[18], 6_000);
  assert.equal(offsets[32], 8_000);
  for (const [k, offset] of offsets.entries()) {
    assert.ok(Math.abs(offset - 1_000 * Math.sqrt(2 * k)) < 1e-9, `arrival ${k} at ${offset}`);
  }
});

test("arrivalOffsets() ramps 10 down to 0 per second over 10 s", () => {
  const offsets = arrivalOffsets([{ durationMs: 10_000, rate: 10, rampTo: 0 }]);
  assert.equal(offsets.length, 50);
  assert.equal(offsets[0], 0);
  assert.equal(offsets[18], 2_000);
  assert.equal(offsets[32], 4_000);
  assert.ok(Math.abs(offsets[49] - 1_000 * (10 - Math.SQRT2)) < 1e-9);
});

test("arrivalOffsets() ramps then holds: a ramp phase followed by a steady one", () => {
  const offsets = arrivalOffsets([
    { durationMs: 2_000, rate: 0, rampTo: 2 },
    { durationMs: 2_000, rate: 2 },
  ]);
  // Λ(2 s) = 2: arrivals 0 and 1 in the ramp (at 0 and sqrt(2) s), then every 500 ms.
  assert.equal(offsets.length, 6);
  assert.ok(Math.abs(offsets[1] - 1_000 * Math.SQRT2) < 1e-9);
  assert.deepEqual([offsets[0], ...offsets.slice(2)], [0, 2_000, 2_500, 3_000, 3_500]);
});

test("arrivalStream() yields the same offsets as arrivalOffsets()", () => {
  const phases: Phase[] = [
    { durationMs: 3_000, rate: 1, rampTo: 7 },
    { durationMs: 2_500, rate: 7 },
    { durationMs: 4_000, rate: 7, rampTo: 0.5 },
  ];
  assert.deepEqual([...arrivalStream(phases)], arrivalOffsets(phases));
  const poisson = { poisson: true, rng: new Rng(5, "poisson") };
  assert.deepEqual(
    [...arrivalStream(phases, { poisson: true, rng: new Rng(5, "poisson") })],
    arrivalOffsets(phases, poisson),
  );
});

test("arrivalStream() is lazy: the first arrivals of a huge run come without building it", () => {
  // 10^12 s at 1000/s would be 10^15 arrivals; only three are computed.
  const stream = arrivalStream([{ durationMs: 1e15, rate: 1_000 }]);
  assert.deepEqual([stream.next().value, stream.next().value, stream.next().value], [0, 1, 2]);
});

test("arrivalOffsets() with poisson is reproducible per seed and differs across seeds", () => {
  const phases: Phase[] = [{ durationMs: 60_000, rate: 5 }];
  const a = arrivalOffsets(phases, { poisson: true, rng: new Rng(42, "arrivals") });
  const b = arrivalOffsets(phases, { poisson: true, rng: new Rng(42, "arrivals") });
  const c = arrivalOffsets(phases, { poisson: true, rng: new Rng(43, "arrivals") });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.ok(a.every((t, i) => t >= 0 && t < 60_000 && (i === 0 || t >= a[i - 1])));
});

const POISSON: { name: string; phases: Phase[]; expected: number }[] = [
  {
    name: "a constant 10/s over 100 s",
    phases: [{ durationMs: 100_000, rate: 10 }],
    expected: 1000,
  },
  {
    name: "a ramp 0 to 20/s over 100 s",
    phases: [{ durationMs: 100_000, rate: 0, rampTo: 20 }],
    expected: 1000,
  },
  {
    name: "a ramp, a hold and a fall",
    phases: [
      { durationMs: 30_000, rate: 0, rampTo: 10 },
      { durationMs: 60_000, rate: 10 },
      { durationMs: 30_000, rate: 10, rampTo: 2 },
    ],
    expected: 150 + 600 + 180,
  },
];

for (const { name, phases, expected } of POISSON) {
  test(`arrivalOffsets() with poisson: ${name} counts within 3 sigma of ${expected}`, () => {
    for (let seed = 1; seed <= 20; seed++) {
      const count = arrivalOffsets(phases, { poisson: true, rng: new Rng(seed, "arrivals") })
        .length;
      assert.ok(Math.abs(count - expected) <= 3 * Math.sqrt(expected), `seed ${seed}: ${count}`);
    }
  });
}

test("arrivalOffsets() with poisson follows a ramp: a quarter of 0→20/s arrivals in the first half", () => {
  const offsets = arrivalOffsets([{ durationMs: 100_000, rate: 0, rampTo: 20 }], {
    poisson: true,
    rng: new Rng(7, "ramp"),
  });
  const firstHalf = offsets.filter((t) => t < 50_000).length;
  assert.ok(Math.abs(firstHalf / offsets.length - 0.25) < 0.05, `${firstHalf}/${offsets.length}`);
});

test("arrivalOffsets() with poisson has exponential gaps: mean and spread both 1/rate", () => {
  const offsets = arrivalOffsets([{ durationMs: 1_000_000, rate: 10 }], {
    poisson: true,
    rng: new Rng(3, "gaps"),
  });
  const gaps = offsets.slice(1).map((t, i) => t - offsets[i]);
  const mean = gaps.reduce((sum, gap) => sum + gap, 0) / gaps.length;
  const sd = Math.sqrt(gaps.reduce((sum, gap) => sum + (gap - mean) ** 2, 0) / gaps.length);
  assert.ok(Math.abs(mean - 100) < 3, `mean ${mean}`);
  assert.ok(Math.abs(sd - 100) < 5, `sd ${sd}`);
});

test("arrivalStream() refuses poisson without an rng and invalid phases, eagerly", () => {
  assert.throws(() => arrivalStream([{ durationMs: 1_000, rate: 1 }], { poisson: true }), {
    name: "RangeError",
    message: "Cannot draw Poisson arrivals without a seeded rng: pass options.rng",
  });
  assert.throws(
    () => arrivalStream([{ durationMs: 1_000, rate: 1 }, { durationMs: 1, rate: -1 }]),
    {
      name: "RangeError",
      message: "Cannot schedule phases[1]: rate must be a finite number >= 0, got -1",
    },
  );
  assert.throws(() => arrivalStream([{ durationMs: Infinity, rate: 1 }]), RangeError);
  assert.throws(() => arrivalStream([{ durationMs: 1, rate: 1, rampTo: NaN }]), RangeError);
});

const RATES: [string, number][] = [
  ["20/s", 20],
  ["300/m", 5],
  ["5000/h", 5000 / 3600],
  ["0.5/s", 0.5],
  [" 12 / m ", 0.2],
  ["0/s", 0],
];

for (const [text, expected] of RATES) {
  test(`parseRate() reads "${text}" as ${expected} per second`, () => {
    assert.equal(parseRate(text), expected);
  });
}

for (const text of ["20", "20/x", "-1/s", "/s", "abc", "20/sec", "1e3/s", ""]) {
  test(`parseRate() refuses "${text}"`, () => {
    assert.throws(() => parseRate(text), {
      name: "RangeError",
      message: `Cannot read rate "${text}": use sessions per second, minute or hour, ` +
        `like "20/s", "300/m" or "5000/h"`,
    });
  });
}

const FLAGS: { name: string; options: Parameters<typeof phasesFromFlags>[0]; expected: Phase[] }[] =
  [
    {
      name: "steady without a ramp",
      options: { durationMs: 600_000, rate: 20 },
      expected: [{ durationMs: 600_000, rate: 20 }],
    },
    {
      name: "a ramp then the rest steady",
      options: { durationMs: 600_000, rate: 20, rampMs: 120_000 },
      expected: [{ durationMs: 120_000, rate: 0, rampTo: 20 }, { durationMs: 480_000, rate: 20 }],
    },
    {
      name: "only a ramp when it fills the duration",
      options: { durationMs: 60_000, rate: 5, rampMs: 60_000 },
      expected: [{ durationMs: 60_000, rate: 0, rampTo: 5 }],
    },
  ];

for (const { name, options, expected } of FLAGS) {
  test(`phasesFromFlags() builds ${name}`, () => {
    assert.deepEqual(phasesFromFlags(options), expected);
  });
}

test("phasesFromFlags() with a 2 m ramp to 1/s over 10 m gives 60 + 480 arrivals", () => {
  const offsets = arrivalOffsets(
    phasesFromFlags({ durationMs: 600_000, rate: 1, rampMs: 120_000 }),
  );
  assert.equal(offsets.length, 540);
  assert.equal(offsets[60], 120_000);
  assert.equal(offsets.at(-1), 599_000);
});

test("phasesFromFlags() refuses a ramp longer than the run and a negative rate", () => {
  assert.throws(() => phasesFromFlags({ durationMs: 60_000, rate: 5, rampMs: 120_000 }), {
    name: "RangeError",
    message: "Cannot ramp for 120000ms in a run of 60000ms: the ramp is part of the duration",
  });
  assert.throws(() => phasesFromFlags({ durationMs: 60_000, rate: -5 }), RangeError);
});

test("expectedArrivals() is the area under the rate: what a schedule asks for", () => {
  assert.equal(expectedArrivals([{ durationMs: 600_000, rate: 20 }]), 12_000);
  assert.equal(
    expectedArrivals(phasesFromFlags({ durationMs: 600_000, rate: 1, rampMs: 120_000 })),
    540,
  );
  assert.equal(expectedArrivals([{ durationMs: 1_000, rate: 1 / 3_600 }]) < 1, true, "1/h for 1 s");
  assert.equal(expectedArrivals([{ durationMs: 60_000, rate: 0 }]), 0);
  // Even spacing starts ceil(Λ) sessions.
  assert.equal(arrivalOffsets([{ durationMs: 2_500, rate: 2 }]).length, Math.ceil(5));
  assert.equal(arrivalOffsets([{ durationMs: 2_250, rate: 2 }]).length, Math.ceil(4.5));
});
