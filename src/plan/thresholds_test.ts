import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  firstMissed,
  formatCheck,
  judgeThresholds,
  parseThreshold,
  type ThresholdObservations,
} from "./thresholds.ts";

describe("parseThreshold()", () => {
  const cases: [string, { metric: string; op: string; value: number }][] = [
    ["export_p95<1ms", { metric: "export_p95", op: "<", value: 1 }],
    ["export_p99<2s", { metric: "export_p99", op: "<", value: 2000 }],
    ["export_p50<=1.5s", { metric: "export_p50", op: "<=", value: 1500 }],
    ["export_p90 < 1m", { metric: "export_p90", op: "<", value: 60_000 }],
    ["export_max<250ms", { metric: "export_max", op: "<", value: 250 }],
    ["failed_rate<0.1%", { metric: "failed_rate", op: "<", value: 0.001 }],
    ["failed_rate<=0.01", { metric: "failed_rate", op: "<=", value: 0.01 }],
    ["dropped_rate<5%", { metric: "dropped_rate", op: "<", value: 0.05 }],
    ["spans_per_s>=500", { metric: "spans_per_s", op: ">=", value: 500 }],
    ["spans_per_s>20/s", { metric: "spans_per_s", op: ">", value: 20 }],
    ["visible_p95<60s", { metric: "visible_p95", op: "<", value: 60_000 }],
    ["visible_p99<=10m", { metric: "visible_p99", op: "<=", value: 600_000 }],
    ["never_visible<1", { metric: "never_visible", op: "<", value: 1 }],
  ];
  for (const [text, expected] of cases) {
    test(`reads "${text}" as ${expected.metric} ${expected.op} ${expected.value}`, () => {
      const { metric, op, value } = parseThreshold(text);
      assert.deepEqual({ metric, op, value }, expected);
    });
  }

  const bad: [string, RegExp][] = [
    ["export_p95", /"export_p95": must look like export_p95<2s/],
    ["export_p95=2s", /must look like/],
    // An operator with its value missing is not an operator and a value.
    ["never_visible<=", /"never_visible<=": must look like/],
    ["export_p95<<2s", /"export_p95<<2s": must look like/],
    ["latency_p95<2s", /unknown metric "latency_p95"; use one of export_p50, .*spans_per_s/],
    ["export_p95<2", /export_p95 needs a duration in ms, s or m, like 500ms or 2s, not "2"/],
    ["export_p95<2h", /needs a duration/],
    ["failed_rate<5", /failed_rate needs a percent like 0.1% or a fraction from 0 to 1/],
    ["failed_rate<150%", /needs a percent/],
    ["spans_per_s>5/m", /spans_per_s needs spans per second, like 500 or 500\/s/],
    ["visible_p50<60", /visible_p50 needs a duration in ms, s or m/],
    ["never_visible<1%", /never_visible needs a whole number of traces, like 1, not "1%"/],
  ];
  for (const [text, message] of bad) {
    test(`refuses "${text}", naming the expression and what is wrong`, () => {
      assert.throws(() => parseThreshold(text), {
        name: "ThresholdError",
        expression: text,
        message,
      });
    });
  }
});

const run: ThresholdObservations = {
  exportLatencyMs: { p50: 8, p90: 30, p95: 42.5, p99: 1800, max: 2500 },
  failedRate: 0.002,
  droppedRate: 0,
  spansPerSecond: 120,
};

describe("judgeThresholds()", () => {
  test("says met or missed for each threshold with the value observed", () => {
    const checks = judgeThresholds(
      ["export_p95<50ms", "export_p99<1s", "failed_rate<0.1%", "spans_per_s>=100"].map(
        parseThreshold,
      ),
      run,
    );
    assert.deepEqual(checks, [
      { expression: "export_p95<50ms", observed: 42.5, met: true },
      { expression: "export_p99<1s", observed: 1800, met: false },
      { expression: "failed_rate<0.1%", observed: 0.002, met: false },
      { expression: "spans_per_s>=100", observed: 120, met: true },
    ]);
  });

  test("judges time to visible and never-visible traces, and misses them when none was probed", () => {
    const thresholds = ["visible_p95<2s", "never_visible<1"].map(parseThreshold);
    assert.deepEqual(
      judgeThresholds(thresholds, { ...run, visibleMs: { p95: 1500 }, neverVisible: 2 }),
      [
        { expression: "visible_p95<2s", observed: 1500, met: true },
        { expression: "never_visible<1", observed: 2, met: false },
      ],
    );
    assert.deepEqual(judgeThresholds(thresholds, run), [
      { expression: "visible_p95<2s", met: false },
      { expression: "never_visible<1", met: false },
    ]);
  });

  test("--abort-on-fail never judges time to visible while the run goes", () => {
    const thresholds = ["visible_p95<1ms", "never_visible<1"].map(parseThreshold);
    const observed = { ...run, visibleMs: { p95: 1500 }, neverVisible: 2 };
    assert.equal(firstMissed(thresholds, observed), undefined);
  });

  test("says a never-visible count in traces", () => {
    assert.equal(
      formatCheck({ expression: "never_visible<1", observed: 2, met: false }),
      "never_visible<1: 2 traces",
    );
  });

  test("misses a latency threshold when no export finished", () => {
    const [check] = judgeThresholds([parseThreshold("export_p95<2s")], {
      exportLatencyMs: {},
      spansPerSecond: 0,
    });
    assert.deepEqual(check, { expression: "export_p95<2s", met: false });
    assert.equal(formatCheck(check), "export_p95<2s: nothing measured");
  });

  test("formats the observed value in the metric's unit", () => {
    const checks = judgeThresholds(
      ["export_p99<1s", "failed_rate<0.1%", "spans_per_s>=100"].map(parseThreshold),
      run,
    );
    assert.deepEqual(checks.map(formatCheck), [
      "export_p99<1s: 1.8s",
      "failed_rate<0.1%: 0.2%",
      "spans_per_s>=100: 120 spans/s",
    ]);
  });
});

describe("firstMissed()", () => {
  test("finds the first latency or rate threshold missed so far", () => {
    const missed = firstMissed(["export_p95<50ms", "failed_rate<0.1%"].map(parseThreshold), run);
    assert.deepEqual(missed, { expression: "failed_rate<0.1%", observed: 0.002, met: false });
  });

  test("does not judge spans per second, nor latencies before an export finished", () => {
    const missed = firstMissed(["spans_per_s>=1000", "export_p95<1ms"].map(parseThreshold), {
      exportLatencyMs: {},
      spansPerSecond: 0,
    });
    assert.equal(missed, undefined);
  });
});
