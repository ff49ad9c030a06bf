import { test } from "node:test";
import assert from "node:assert/strict";
import type { RunResources } from "../plan/resources.ts";
import type { ManifestSession, ManifestTrace } from "../report/run_report.ts";
import { compareRun, type FoundTrace, fromV4Observations } from "./verify.ts";
import type { ObservationV2 } from "./api_types.ts";
import { withResourceChecks } from "./verify_resources.ts";

const T1 = "0af7651916cd43dd8448eb211c80319c";
const FIXTURES: RunResources = {
  prompts: [{ name: "router", version: 3, id: "p-3", labels: ["latest"], created: true }],
  scoreConfigs: [{ name: "csat", id: "cfg-1", dataType: "NUMERIC", created: false }],
};

const trace: ManifestTrace = {
  traceId: T1,
  turn: 1,
  kind: "status",
  outcome: "answered",
  name: "t",
  startTime: "2026-11-25T11:50:00.000Z",
  endTime: "2026-11-25T11:50:02.000Z",
  spans: 2,
  metadata: { run_id: "run_1" },
  observations: {
    types: { agent: 1, generation: 1 },
    models: [],
    usage: { input: 0, output: 0, total: 0 },
    costUsd: 0,
  },
  prompts: [{ spanId: "gen1", name: "router", version: 3 }],
};
const session: ManifestSession = {
  script: "s",
  file: "s.yaml",
  sessionId: "conv-1",
  userId: "usr-1",
  traceName: "t",
  version: "local",
  tags: [],
  metadata: { run_id: "run_1" },
  traces: [trace],
  scores: [{
    id: "sc1",
    name: "csat",
    dataType: "NUMERIC",
    value: 4,
    traceId: T1,
    configId: "cfg-1",
  }],
};

function row(id: string, type: string, prompt: Partial<ObservationV2> = {}): ObservationV2 {
  return {
    id,
    traceId: T1,
    type,
    name: id,
    startTime: "2026-11-25T11:50:00.000Z",
    parentObservationId: id === "root" ? null : "root",
    sessionId: "conv-1",
    userId: "usr-1",
    version: "local",
    environment: "default",
    metadata: { run_id: "run_1" },
    traceName: "t",
    ...prompt,
  } as ObservationV2;
}

const found = (gen: Partial<ObservationV2>, configId?: string) => ({
  sessions: [{
    sessionId: "conv-1",
    traces: fromV4Observations([
      row("root", "AGENT"),
      row("gen1", "GENERATION", gen),
    ]) as FoundTrace[],
  }],
  scores: [{
    id: "sc1",
    name: "csat",
    dataType: "NUMERIC",
    value: 4,
    traceId: T1,
    ...(configId ? { configId } : {}),
  }],
});

test("a generation read back linked to the resolved prompt version, and a score under its config, match", () => {
  const result = compareRun(
    [session],
    found({ promptId: "p-3", promptName: "router", promptVersion: 3 }, "cfg-1"),
    { resources: FIXTURES },
  );
  assert.deepEqual(result.traces[0].diffs, []);
  assert.equal(result.ok, true, JSON.stringify(result.scores));
});

test("a generation Langfuse kept unlinked (empty prompt id) is a difference naming the span", () => {
  // Langfuse v4 keeps the name and version of a prompt it did not find, with an empty id.
  const result = compareRun(
    [session],
    found({ promptId: "", promptName: "router", promptVersion: 3 }, "cfg-1"),
    { resources: FIXTURES },
  );
  assert.equal(result.ok, false);
  assert.deepEqual(result.traces[0].diffs, [{
    field: "prompt of gen1",
    sent: '"router" v3 (p-3)',
    found: '"router" v3 (not linked)',
  }]);
});

test("a score read back without its config is a difference", () => {
  const result = compareRun(
    [session],
    found({ promptId: "p-3", promptName: "router", promptVersion: 3 }),
    { resources: FIXTURES },
  );
  assert.equal(result.ok, false);
  assert.deepEqual(result.scores[0].diffs, [{
    field: "configId",
    sent: '"cfg-1"',
    found: "(none)",
  }]);
});

test("a fixture that is gone or archived fails the verification", () => {
  const base = compareRun(
    [session],
    found({ promptId: "p-3", promptName: "router", promptVersion: 3 }, "cfg-1"),
    { resources: FIXTURES },
  );
  const result = withResourceChecks(base, [
    { kind: "prompt", name: "router v3", id: "p-3", status: "matched", diffs: [] },
    {
      kind: "score config",
      name: "csat",
      id: "cfg-1",
      status: "differs",
      diffs: [{ field: "isArchived", sent: "false", found: "true" }],
    },
  ]);
  assert.equal(result.ok, false);
  assert.equal(result.summary.resources, 2);
  assert.equal(result.summary.resourcesMatched, 1);
});
