import { test } from "node:test";
import assert from "node:assert/strict";
import { formatPath } from "../script/errors.ts";
import { arrivalOffsets } from "./arrivals.ts";
import { LoadProfile, toPhases } from "./load_profile.ts";

test("toPhases() converts durations to ms and rates to per second", () => {
  const profile = LoadProfile.parse({
    phases: [
      { duration: "2m", rate: "5/s", rampTo: "20/s" },
      { duration: "10m", rate: "1200/m" },
      { duration: "1.5h", rate: "3600/h", rampTo: "0/s" },
    ],
    poisson: true,
  });
  assert.equal(profile.poisson, true);
  assert.deepEqual(toPhases(profile), [
    { durationMs: 120_000, rate: 5, rampTo: 20 },
    { durationMs: 600_000, rate: 20 },
    { durationMs: 5_400_000, rate: 1, rampTo: 0 },
  ]);
});

test("toPhases() feeds arrivalOffsets(): 10 s at 2/s then 5 s ramping to 4/s", () => {
  const profile = LoadProfile.parse({
    phases: [{ duration: "10s", rate: "2/s" }, { duration: "5s", rate: "2/s", rampTo: "4/s" }],
  });
  const offsets = arrivalOffsets(toPhases(profile));
  assert.equal(offsets.length, 20 + 15);
  assert.equal(offsets[19], 9_500);
  assert.equal(offsets[20], 10_000);
});

const INVALID: { name: string; input: unknown; problems: [string, string][] }[] = [
  {
    name: "a rate without a unit and a zero duration",
    input: { phases: [{ duration: "0s", rate: "20" }] },
    problems: [
      ["phases[0].duration", 'must be a positive duration like "30s", "2m" or "1h"'],
      ["phases[0].rate", 'must be a rate like "20/s", "300/m" or "5000/h"'],
    ],
  },
  {
    name: "a bad rampTo and an unknown field",
    input: { phases: [{ duration: "1m", rate: "1/s", rampTo: "fast", target: 3 }] },
    problems: [
      ["phases[0]", 'Unrecognized key: "target"'],
      ["phases[0].rampTo", 'must be a rate like "20/s", "300/m" or "5000/h"'],
    ],
  },
  {
    name: "no phases",
    input: { phases: [] },
    problems: [["phases", "must list at least one phase"]],
  },
  {
    name: "a number where a rate belongs and a non-boolean poisson",
    input: { phases: [{ duration: "1m", rate: 5 }], poisson: "yes" },
    problems: [
      ["phases[0].rate", 'must be a rate like "20/s", "300/m" or "5000/h"'],
      ["poisson", "Invalid input: expected boolean, received string"],
    ],
  },
];

for (const { name, input, problems } of INVALID) {
  test(`LoadProfile refuses ${name}, reporting every problem`, () => {
    const result = LoadProfile.safeParse(input);
    assert.equal(result.success, false);
    const found = result.error?.issues.map((issue) => [formatPath(issue.path), issue.message]);
    assert.deepEqual(
      found?.sort(([a], [b]) => a.localeCompare(b)),
      problems.sort(([a], [b]) => a.localeCompare(b)),
    );
  });
}

test("a profile's stress section reads sizes like a script's and refuses a bad one at its path", () => {
  const profile = LoadProfile.parse({
    phases: [{ duration: "1m", rate: "1/s" }],
    stress: { payload: { bytes: "256KB", unicode: true }, width: 50 },
  });
  assert.deepEqual(profile.stress, {
    payload: { bytes: 256_000, unicode: true, nestDepth: 1, on: "input" },
    width: 50,
  });
  const bad = LoadProfile.safeParse({
    phases: [{ duration: "1m", rate: "1/s" }],
    stress: { payload: { bytes: "lots" }, depth: 0 },
  });
  assert.ok(!bad.success);
  assert.deepEqual(bad.error.issues.map((issue) => formatPath(issue.path)).sort(), [
    "stress.depth",
    "stress.payload.bytes",
  ]);
});
