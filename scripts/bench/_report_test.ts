import { test } from "node:test";
import assert from "node:assert/strict";
import type { BenchMode, WorkerResult } from "./_measure.ts";
import {
  cpuPerSpan,
  type Measurement,
  medianCpuPerSpan,
  medianOutcome,
  type Outcome,
  type Rounds,
  shareOfCeiling,
  table,
  timesSdk,
  verdict,
} from "./_report.ts";

/** An outcome of `delivered` spans in 1 s (so its rate is `delivered`) out of `generated`. */
function outcome(id: string, mode: BenchMode, delivered: number, generated = delivered): Outcome {
  const parts = id.split("-");
  const runtime = parts[0];
  const protocol = parts.length > 2 ? parts.at(-1) : "json";
  const run: Measurement = {
    id,
    runtime: runtime as "deno",
    mode,
    protocol: `http/${protocol}` as "http/json",
    spans: generated,
    workers: mode === "load" ? Number(parts[2]) : 1,
  };
  const result: WorkerResult = {
    runtime,
    mode,
    protocol: run.protocol,
    sessions: 1,
    generated,
    acknowledged: delivered,
    failed: 0,
    seconds: 1,
    cpuSeconds: 1,
    spansPerSecond: delivered,
    peakRssMb: 100,
    hwmMb: 120,
  };
  return { run, result, delivered };
}

function rounds(entries: [string, BenchMode, number[]][]): Rounds {
  return new Map(entries.map(([id, mode, rates]) => [id, rates.map((r) => outcome(id, mode, r))]));
}

const ROUNDS = rounds([
  ["deno-ceiling-json", "ceiling", [100, 200, 100]],
  ["deno-replay-json", "replay", [90, 100, 95]],
  ["deno-sdk", "sdk", [45, 50, 60]],
]);

test("shareOfCeiling() is the median of the ratios within each round", () => {
  // Ratios 0.9, 0.5, 0.95: a slow ceiling round does not move the median.
  assert.equal(shareOfCeiling(ROUNDS, ROUNDS.get("deno-replay-json")![0].run), 0.9);
  assert.equal(shareOfCeiling(ROUNDS, ROUNDS.get("deno-ceiling-json")![0].run), undefined);
});

test("timesSdk() divides by the SDK reference of the same round", () => {
  // Round references 45, 50, 60 -> ratios 2, 2, 1.583…
  assert.equal(timesSdk(ROUNDS, ROUNDS.get("deno-replay-json")![0].run), 2);
  assert.equal(timesSdk(ROUNDS, ROUNDS.get("deno-sdk")![0].run), undefined);
});

test("medianOutcome() picks the middle rate", () => {
  assert.equal(medianOutcome(ROUNDS.get("deno-sdk")!).delivered, 50);
  assert.equal(medianOutcome(ROUNDS.get("deno-ceiling-json")!.slice(0, 2)).delivered, 100);
});

test("verdict() names each target, met or not", () => {
  const lossy = rounds([["deno-ceiling-json", "ceiling", [100]]]);
  lossy.set("deno-replay-json", [outcome("deno-replay-json", "replay", 95, 100)]);
  const million = outcome("deno-replay-protobuf", "replay", 1_000_000);
  const heavy = outcome("bun-replay-protobuf", "replay", 1_000_000);
  heavy.result.hwmMb = 300;
  // Two worker threads in one 400 MB process: 200 MB each.
  const shared = outcome("deno-workers-2-protobuf", "load", 1_000_000);
  shared.result.peakRssMb = 400;
  assert.deepEqual(verdict(lossy, [million, heavy, shared]), [
    "met: at least 90% of the ceiling (lowest 95%, deno-replay-json)",
    "NOT met: zero spans lost (5 lost over 4 session-replay runs)",
    "met: peak memory under 250 MB per worker for a million spans (120 MB, deno-replay-protobuf, 1,000,000 spans/s)",
    "NOT met: peak memory under 250 MB per worker for a million spans (300 MB, bun-replay-protobuf, 1,000,000 spans/s)",
    "met: peak memory under 250 MB per worker for a million spans (400 MB for 2 workers, 200 each, deno-workers-2-protobuf, 1,000,000 spans/s)",
  ]);
});

test("CPU per span is the worker's CPU time over the spans the receiver got, in µs", () => {
  const run = outcome("deno-replay-protobuf", "replay", 200_000);
  run.result.cpuSeconds = 2.5;
  assert.equal(cpuPerSpan(run), 12.5);
  // A run that lost everything has no cost per span, rather than an infinite one.
  assert.equal(cpuPerSpan(outcome("deno-sdk", "sdk", 0, 100)), undefined);
  const slower = outcome("deno-replay-protobuf", "replay", 200_000);
  slower.result.cpuSeconds = 4;
  const slowest = outcome("deno-replay-protobuf", "replay", 100_000);
  slowest.result.cpuSeconds = 4;
  assert.equal(medianCpuPerSpan([run, slower, slowest]), 20);
});

test("verdict() judges the CPU target on Deno with protobuf", () => {
  const fast = outcome("deno-replay-protobuf", "replay", 200_000);
  fast.result.cpuSeconds = 2.8;
  const slow = outcome("deno-replay-protobuf", "replay", 200_000);
  slow.result.cpuSeconds = 4;
  const lines = (o: Outcome) => verdict(new Map([["deno-replay-protobuf", [o]]]));
  assert.ok(
    lines(fast).includes(
      "met: at most 15 µs CPU per delivered span on Deno with protobuf (14 µs, deno-replay-protobuf)",
    ),
  );
  assert.ok(
    lines(slow).includes(
      "NOT met: at most 15 µs CPU per delivered span on Deno with protobuf (20 µs, deno-replay-protobuf)",
    ),
  );
});

test("the table shows how many worker threads made each run's spans", () => {
  const withLoad = rounds([
    ["deno-replay-json", "replay", [100]],
    ["deno-workers-2-json", "load", [150]],
    ["deno-sdk", "sdk", [50]],
  ]);
  const lines = table(withLoad).split("\n");
  assert.match(lines[0], /^\| runtime \| mode \| workers \| protocol \|/);
  assert.equal(
    lines.find((line) => line.includes("session-replay load")),
    "| deno | session-replay load | 2 | json | 150 | 150 | 0 | 150 | 6666.7 |  | 3× | 120 |",
  );
  assert.ok(lines.some((line) => line.startsWith("| deno | session-replay | 1 | json |")));
  assert.ok(lines.some((line) => line.startsWith("| deno | Langfuse SDK | 1 | json |")));
});

test("load runs with workers count against the SDK and for spans lost, not against the one-thread ceiling", () => {
  const mixed = rounds([
    ["deno-ceiling-json", "ceiling", [100]],
    ["deno-replay-json", "replay", [95]],
    ["deno-sdk", "sdk", [50]],
  ]);
  mixed.set("deno-workers-2-json", [outcome("deno-workers-2-json", "load", 80, 90)]);
  assert.equal(timesSdk(mixed, mixed.get("deno-workers-2-json")![0].run), 1.6);
  assert.deepEqual(verdict(mixed), [
    "met: at least 90% of the ceiling (lowest 95%, deno-replay-json)",
    "NOT met: at least twice the SDK's delivered rate (lowest 1.6×, deno-workers-2-json)",
    "NOT met: zero spans lost (10 lost over 2 session-replay runs)",
  ]);
});
