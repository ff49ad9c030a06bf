import { test } from "node:test";
import assert from "node:assert/strict";
import type { ManifestScore, ManifestSession, ManifestTrace } from "../report/run_report.ts";
import type {
  ObservationV1,
  ObservationV2,
  ScoreV2,
  ScoreV3,
  TraceWithDetails,
} from "./api_types.ts";
import {
  compareRun,
  type FoundData,
  type FoundScore,
  type FoundTrace,
  fromV2Scores,
  fromV3Scores,
  fromV3Traces,
  fromV4Observations,
} from "./verify.ts";

const RUN = "run_0a1b2c3d4e5f";
const T1 = "0af7651916cd43dd8448eb211c80319c";
const T2 = "b7ad6b7169203331a5b5e6f2cb41c6a0";

function manifestTrace(traceId: string, turn: number, kind: string): ManifestTrace {
  return {
    traceId,
    turn,
    kind,
    outcome: "answered",
    name: "order-status-turn",
    startTime: `2026-11-25T11:5${turn}:00.000Z`,
    endTime: `2026-11-25T11:5${turn}:02.000Z`,
    spans: 2,
    metadata: { workflow: "order-status", run_id: RUN, turn_kind: kind, outcome: "answered" },
    observations: {
      types: { agent: 1, generation: 1 },
      models: ["gpt-4o"],
      usage: { input: 400, output: 40, total: 440 },
      costUsd: 0.0001,
    },
  };
}

const SCORES: ManifestScore[] = [
  { id: "sc-t1", name: "user_feedback", dataType: "BOOLEAN", value: 1, traceId: T1 },
  {
    id: "sc-s",
    name: "resolution",
    dataType: "CATEGORICAL",
    value: "escalated",
    comment: "Customer asked for a human",
    sessionId: "conv-1",
  },
];

function session(overrides: Partial<ManifestSession> = {}): ManifestSession {
  return {
    script: "order-status",
    file: "conversations/order-status.yaml",
    sessionId: "conv-1",
    userId: "usr-1",
    traceName: "order-status-turn",
    version: "local",
    environment: "development",
    tags: ["order-status", "synthetic"],
    metadata: { workflow: "order-status", run_id: RUN },
    traces: [manifestTrace(T1, 1, "status"), manifestTrace(T2, 2, "delay")],
    scores: SCORES,
    ...overrides,
  };
}

/** What Langfuse shows for a manifest trace when everything arrived. */
function foundTrace(trace: ManifestTrace, overrides: Partial<FoundTrace> = {}): FoundTrace {
  return {
    id: trace.traceId,
    name: trace.name,
    userId: "usr-1",
    sessionId: "conv-1",
    tags: ["synthetic", "order-status"],
    metadata: { ...trace.metadata, extra: "Langfuse may add keys" },
    version: "local",
    environment: "development",
    observationCount: 2,
    observations: [
      { id: "a", type: "agent", usage: { input: 0, output: 0, total: 0 } },
      {
        id: "b",
        type: "generation",
        model: "gpt-4o",
        usage: { input: 400, output: 40, total: 440 },
      },
    ],
    ...overrides,
  };
}

const FOUND_SCORES: FoundScore[] = [
  { id: "sc-t1", name: "user_feedback", dataType: "BOOLEAN", value: 1, traceId: T1 },
  {
    id: "sc-s",
    name: "resolution",
    dataType: "CATEGORICAL",
    value: "escalated",
    comment: "Customer asked for a human",
    sessionId: "conv-1",
  },
];

function found(traces: FoundTrace[], scores: FoundScore[] = FOUND_SCORES): FoundData {
  return { sessions: [{ sessionId: "conv-1", traces }], scores };
}

const [M1, M2] = session().traces;

test("compareRun() matches a run whose every trace and score arrived as sent", () => {
  const result = compareRun([session()], found([foundTrace(M1), foundTrace(M2)]));
  assert.equal(result.ok, true);
  assert.deepEqual(result.traces.map((t) => [t.turn, t.kind, t.status]), [
    [1, "status", "matched"],
    [2, "delay", "matched"],
  ]);
  assert.deepEqual(result.scores.map((s) => [s.name, s.status, s.turn]), [
    ["user_feedback", "matched", 1],
    ["resolution", "matched", undefined],
  ]);
  assert.deepEqual(result.summary, {
    traces: 2,
    matched: 2,
    missing: 0,
    differs: 0,
    sameRunExtras: 0,
    otherRunTraces: 0,
    scores: 2,
    scoresMatched: 2,
  });
});

test("compareRun() names a missing trace by its turn, kind and script", () => {
  const result = compareRun([session()], found([foundTrace(M1)]));
  assert.equal(result.ok, false);
  assert.deepEqual(result.traces[1], {
    traceId: T2,
    sessionId: "conv-1",
    script: "order-status",
    turn: 2,
    kind: "delay",
    status: "missing",
    diffs: [],
  });
});

test("compareRun() reports each differing field with what was sent and what was found", () => {
  const cases: [Partial<FoundTrace>, { field: string; sent: string; found: string }[]][] = [
    [{ tags: ["changed"] }, [{
      field: "tags",
      sent: "[order-status, synthetic]",
      found: "[changed]",
    }]],
    [{ metadata: { ...M1.metadata, outcome: "failed" } }, [{
      field: "metadata.outcome",
      sent: '"answered"',
      found: '"failed"',
    }]],
    [{ userId: undefined, version: "v2" }, [
      { field: "userId", sent: '"usr-1"', found: "(none)" },
      { field: "version", sent: '"local"', found: '"v2"' },
    ]],
    [{ environment: "default", release: "r1" }, [
      { field: "environment", sent: '"development"', found: '"default"' },
      { field: "release", sent: "(none)", found: '"r1"' },
    ]],
    [{
      observations: [{
        id: "b",
        type: "generation",
        model: "gpt-4o-mini",
        usage: { input: 400, output: 41, total: 441 },
      }],
    }, [
      { field: "observations.agent", sent: "1", found: "0" },
      { field: "models", sent: "[gpt-4o]", found: "[gpt-4o-mini]" },
      { field: "usage.output", sent: "40", found: "41" },
      { field: "usage.total", sent: "440", found: "441" },
    ]],
    [{ observations: undefined, observationCount: 1 }, [
      { field: "observations", sent: "2", found: "1" },
    ]],
  ];
  for (const [change, diffs] of cases) {
    const result = compareRun([session()], found([foundTrace(M1, change), foundTrace(M2)]));
    assert.equal(result.traces[0].status, "differs", JSON.stringify(change));
    assert.deepEqual(result.traces[0].diffs, diffs, JSON.stringify(change));
    assert.equal(result.traces[1].status, "matched");
  }
});

test("compareRun() accepts metadata values Langfuse cut to 200 characters", () => {
  const long = "x".repeat(250);
  const trace = { ...M1, metadata: { ...M1.metadata, note: long } };
  const result = compareRun(
    [session({ traces: [trace] })],
    found([foundTrace(trace, { metadata: { ...trace.metadata, note: long.slice(0, 200) } })]),
  );
  assert.equal(result.traces[0].status, "matched");
});

test("compareRun() takes the session's metadata when a manifest has none per trace", () => {
  const { metadata: _, ...old } = M1;
  const trace = old as ManifestTrace;
  const result = compareRun(
    [session({ traces: [trace], scores: undefined as unknown as ManifestScore[] })],
    found([foundTrace(M1, { metadata: { workflow: "order-status", run_id: RUN } })], []),
  );
  assert.equal(result.ok, true);
});

test("compareRun() lists other runs' traces as information and this run's extras as mismatches", () => {
  const other = foundTrace(M1, { id: "1".repeat(32), metadata: { run_id: "run_other" } });
  const none = foundTrace(M1, { id: "2".repeat(32), metadata: {} });
  const infoOnly = compareRun([session()], found([foundTrace(M1), foundTrace(M2), other, none]));
  assert.equal(infoOnly.ok, true);
  assert.deepEqual(infoOnly.extras.map((e) => [e.traceId, e.runId, e.sameRun]), [
    ["1".repeat(32), "run_other", false],
    ["2".repeat(32), undefined, false],
  ]);
  assert.equal(infoOnly.summary.otherRunTraces, 2);

  const ours = foundTrace(M1, { id: "3".repeat(32), metadata: { run_id: RUN } });
  const mismatch = compareRun([session()], found([foundTrace(M1), foundTrace(M2), ours]));
  assert.equal(mismatch.ok, false);
  assert.equal(mismatch.summary.sameRunExtras, 1);
  assert.deepEqual(mismatch.extras[0], {
    traceId: "3".repeat(32),
    sessionId: "conv-1",
    name: "order-status-turn",
    runId: RUN,
    sameRun: true,
  });
});

test("compareRun() finds each score once, on the right trace or session, with its value", () => {
  const traces = [foundTrace(M1), foundTrace(M2)];
  const cases: [FoundScore[], string[], { field: string; sent: string; found: string }[][]][] = [
    [[FOUND_SCORES[1]], ["missing", "matched"], [[], []]],
    [
      [{ ...FOUND_SCORES[0], traceId: T2 }, FOUND_SCORES[1]],
      ["differs", "matched"],
      [[{ field: "linked to", sent: `"trace ${T1}"`, found: `"trace ${T2}"` }], []],
    ],
    [
      [FOUND_SCORES[0], { ...FOUND_SCORES[1], id: "sc-s-dup" }, FOUND_SCORES[1]],
      ["matched", "duplicated"],
      [[], [{ field: "count", sent: "1", found: "2" }]],
    ],
    [
      [{ ...FOUND_SCORES[0], value: 0 }, { ...FOUND_SCORES[1], id: "random-id" }],
      ["differs", "differs"],
      [
        [{ field: "value", sent: "1", found: "0" }],
        [{ field: "id", sent: '"sc-s"', found: "[random-id]" }],
      ],
    ],
    [
      [FOUND_SCORES[0], { ...FOUND_SCORES[1], comment: undefined, value: "resolved" }],
      ["matched", "differs"],
      [[], [
        { field: "value", sent: '"escalated"', found: '"resolved"' },
        { field: "comment", sent: '"Customer asked for a human"', found: "(none)" },
      ]],
    ],
  ];
  for (const [scores, statuses, diffs] of cases) {
    const result = compareRun([session()], found(traces, scores));
    assert.deepEqual(result.scores.map((s) => s.status), statuses, JSON.stringify(scores));
    assert.deepEqual(result.scores.map((s) => s.diffs), diffs, JSON.stringify(scores));
    assert.equal(result.ok, false);
  }
});

test("compareRun() finds a trace that landed in another session and says so", () => {
  const moved = foundTrace(M2, { sessionId: "conv-2" });
  const result = compareRun([session()], {
    sessions: [
      { sessionId: "conv-1", traces: [foundTrace(M1)] },
      { sessionId: "conv-2", traces: [moved] },
    ],
    scores: FOUND_SCORES,
  });
  assert.deepEqual(result.traces[1].diffs, [
    { field: "sessionId", sent: '"conv-1"', found: '"conv-2"' },
  ]);
  assert.deepEqual(result.extras, [], "conv-2 is not one of the run's sessions");
});

function v4Row(overrides: Partial<ObservationV2>): ObservationV2 {
  return {
    id: "o",
    traceId: T1,
    startTime: "2026-11-25T11:51:00.000Z",
    endTime: "2026-11-25T11:51:02.000Z",
    projectId: "p",
    parentObservationId: null,
    type: "AGENT",
    name: "support-agent",
    version: "local",
    environment: "development",
    userId: "usr-1",
    sessionId: "conv-1",
    metadata: { workflow: "order-status", run_id: RUN },
    model: null,
    usageDetails: {},
    traceName: "order-status-turn",
    tags: ["order-status", "synthetic"],
    release: null,
    modelId: null,
    inputPrice: null,
    outputPrice: null,
    totalPrice: null,
    ...overrides,
  };
}

test("fromV4Observations() builds traces: name and metadata from the root, the rest from the latest row", () => {
  const traces = fromV4Observations([
    v4Row({ id: "root" }),
    v4Row({
      id: "gen",
      parentObservationId: "root",
      type: "GENERATION",
      startTime: "2026-11-25T11:51:01.000Z",
      model: "gpt-4o",
      usageDetails: { input: 400, output: 40 },
      metadata: { run_id: "from-a-child", step: "compose" },
      tags: ["latest"],
      version: "v9",
    }),
    v4Row({ id: "other", traceId: T2, traceName: null, name: "root-span-name" }),
    v4Row({ id: "orphan", traceId: null }),
  ]);
  assert.deepEqual(traces, [
    {
      id: T1,
      name: "order-status-turn",
      userId: "usr-1",
      sessionId: "conv-1",
      tags: ["latest"],
      metadata: { workflow: "order-status", run_id: RUN },
      version: "v9",
      environment: "development",
      observationCount: 2,
      observations: [
        { id: "root", type: "agent", usage: { input: 0, output: 0, total: 0 } },
        {
          id: "gen",
          type: "generation",
          model: "gpt-4o",
          usage: { input: 400, output: 40, total: 440 },
        },
      ],
    },
    {
      id: T2,
      name: "root-span-name",
      userId: "usr-1",
      sessionId: "conv-1",
      tags: ["order-status", "synthetic"],
      metadata: { workflow: "order-status", run_id: RUN },
      version: "local",
      environment: "development",
      observationCount: 1,
      observations: [{ id: "other", type: "agent", usage: { input: 0, output: 0, total: 0 } }],
    },
  ]);
});

test("fromV3Traces() takes trace rows, with observations matched by trace id or only counted", () => {
  const trace = {
    id: T1,
    timestamp: "2026-11-25T11:51:00.000Z",
    name: "order-status-turn",
    sessionId: "conv-1",
    release: null,
    version: "local",
    userId: "usr-1",
    metadata: { workflow: "order-status", attempt: 2 },
    tags: ["order-status"],
    public: false,
    environment: "development",
    htmlPath: "/x",
    observations: ["a", "b"],
  } as TraceWithDetails;
  const gen = {
    id: "b",
    traceId: T1,
    type: "GENERATION",
    model: "gpt-4o",
    usageDetails: { input: 1, output: 2, total: 3 },
  } as unknown as ObservationV1;
  const elsewhere = { ...gen, id: "z", traceId: T2 } as ObservationV1;
  const base = {
    id: T1,
    name: "order-status-turn",
    userId: "usr-1",
    sessionId: "conv-1",
    tags: ["order-status"],
    metadata: { workflow: "order-status", attempt: "2" },
    version: "local",
    environment: "development",
    observationCount: 2,
  };
  assert.deepEqual(fromV3Traces([trace]), [base]);
  assert.deepEqual(fromV3Traces([trace], [gen, elsewhere]), [{
    ...base,
    observations: [{
      id: "b",
      type: "generation",
      model: "gpt-4o",
      usage: { input: 1, output: 2, total: 3 },
    }],
  }]);
});

test("fromV3Scores() and fromV2Scores() give booleans as 1/0 and categories as strings", () => {
  const v3 = [
    { id: "a", name: "fb", dataType: "BOOLEAN", value: true, subject: { kind: "trace", id: T1 } },
    {
      id: "b",
      name: "res",
      dataType: "CATEGORICAL",
      value: "escalated",
      comment: "why",
      subject: { kind: "session", id: "conv-1" },
    },
    { id: "c", name: "n", dataType: "NUMERIC", value: 0.5, comment: null },
  ] as ScoreV3[];
  const v2 = [
    { id: "a", name: "fb", dataType: "BOOLEAN", value: 1, stringValue: "True", traceId: T1 },
    {
      id: "b",
      name: "res",
      dataType: "CATEGORICAL",
      value: 0,
      stringValue: "escalated",
      comment: "why",
      traceId: null,
      sessionId: "conv-1",
    },
    { id: "c", name: "n", dataType: "NUMERIC", value: 0.5, comment: null },
  ] as ScoreV2[];
  const expected = [
    { id: "a", name: "fb", dataType: "BOOLEAN", value: 1, traceId: T1 },
    {
      id: "b",
      name: "res",
      dataType: "CATEGORICAL",
      value: "escalated",
      comment: "why",
      sessionId: "conv-1",
    },
    { id: "c", name: "n", dataType: "NUMERIC", value: 0.5 },
  ];
  assert.deepEqual(fromV3Scores(v3), expected);
  assert.deepEqual(fromV2Scores(v2), expected);
});

test("compareRun() names an observation id found twice, from v4 rows or v3 observations alike", () => {
  const [agent, generation] = foundTrace(M1).observations!;
  const twice = foundTrace(M1, { observations: [agent, generation, generation] });
  const result = compareRun([session()], found([twice, foundTrace(M2)]));
  assert.equal(result.ok, false);
  const check = result.traces[0];
  assert.deepEqual([check.turn, check.kind, check.script, check.status], [
    1,
    "status",
    "order-status",
    "differs",
  ]);
  assert.deepEqual(check.diffs.find((d) => d.field === "observations.duplicated"), {
    field: "observations.duplicated",
    sent: "[]",
    found: "[b ×2]",
  });
  // A v3 server's observations reach the comparison as served, duplicates included.
  const v1 = { id: "b", traceId: T1, type: "GENERATION" } as unknown as ObservationV1;
  const trace = {
    id: T1,
    tags: [],
    metadata: {},
    observations: ["b", "b"],
  } as unknown as TraceWithDetails;
  assert.deepEqual(fromV3Traces([trace], [v1, v1])[0].observations?.map((o) => o.id), ["b", "b"]);
});
