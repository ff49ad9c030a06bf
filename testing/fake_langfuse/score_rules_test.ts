import { test } from "node:test";
import assert from "node:assert/strict";
import { callFake, langfuseFixture } from "../langfuse.ts";
import { withFakeLangfuse } from "../servers.ts";
import type { FakeLangfuse } from "./server.ts";

const CONFIGS = "/api/public/score-configs";
const SCORES = "/api/public/scores";
const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
type Row = Record<string, unknown>;

async function configs(fake: FakeLangfuse): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  const bodies: Row[] = [
    { name: "helpfulness", dataType: "NUMERIC", minValue: 1, maxValue: 5 },
    await langfuseFixture("review/score_config_create_request.json") as Row,
    { name: "policy_compliant", dataType: "BOOLEAN" },
    { name: "note", dataType: "TEXT" },
    { name: "retired", dataType: "NUMERIC" },
  ];
  for (const body of bodies) {
    const answer = await callFake(fake, "POST", CONFIGS, body);
    ids[body.name as string] = (answer.body as Row).id as string;
  }
  await callFake(fake, "PATCH", `${CONFIGS}/${ids.retired}`, { isArchived: true });
  return ids;
}

test("a score that does not fit its config is answered 200 but dropped, and counted", async () => {
  await withFakeLangfuse({}, async (fake) => {
    const ids = await configs(fake);
    const misfits: Row[] = [
      { configId: "no-such-config", value: 1 },
      { configId: ids.retired, value: 1 },
      { configId: ids.helpfulness, value: 7 },
      { configId: ids.helpfulness, value: 0 },
      { configId: ids.helpfulness, value: "4" },
      { configId: ids.helpfulness, value: 3, dataType: "BOOLEAN" },
      { configId: ids.resolution, value: "maybe" },
      { configId: ids.resolution, value: 1 },
      { configId: ids.policy_compliant, value: 2 },
      { configId: ids.note, value: "" },
    ];
    for (const misfit of misfits) {
      const answer = await callFake(fake, "POST", SCORES, { traceId: TRACE, name: "x", ...misfit });
      assert.equal(answer.status, 200, JSON.stringify(misfit));
      assert.equal(typeof (answer.body as Row).id, "string");
    }
    assert.deepEqual(fake.scores, []);
    assert.equal(fake.droppedScores, misfits.length);
    const fits = await callFake(fake, "POST", SCORES, {
      traceId: TRACE,
      name: "x",
      configId: ids.helpfulness,
      value: 5,
    });
    assert.equal(fits.status, 200);
    assert.equal(fake.scores.length, 1);
    assert.equal(fake.droppedScores, misfits.length);
  });
});

test("a fitting score takes its config's name, and a categorical one stores the category's number", async () => {
  await withFakeLangfuse({}, async (fake) => {
    const ids = await configs(fake);
    await callFake(fake, "POST", SCORES, {
      id: "s1",
      traceId: TRACE,
      name: "outcome",
      configId: ids.resolution,
      value: "escalated",
    });
    await callFake(fake, "POST", SCORES, {
      id: "s2",
      traceId: TRACE,
      name: "policy",
      configId: ids.policy_compliant,
      value: 1,
    });
    assert.deepEqual(
      fake.scores.map((s) => [s.name, s.dataType, s.value, s.stringValue]),
      [["resolution", "CATEGORICAL", 0, "escalated"], ["policy_compliant", "BOOLEAN", 1, "True"]],
    );
    const v3 = await callFake(fake, "GET", "/api/public/v3/scores?fields=details");
    const rows = (v3.body as { data: Row[] }).data;
    const categorical = rows.find((r) => r.id === "s1")!;
    assert.equal(categorical.value, "escalated");
    assert.equal(categorical.configId, ids.resolution);
  });
});

test("scores sent through the ingestion API are checked against their config the same way", async () => {
  await withFakeLangfuse({}, async (fake) => {
    const ids = await configs(fake);
    const event = (id: string, body: Row) => ({
      id,
      timestamp: new Date().toISOString(),
      type: "score-create",
      body,
    });
    const answer = await callFake(fake, "POST", "/api/public/ingestion", {
      batch: [
        event("e1", {
          id: "ok",
          traceId: TRACE,
          name: "helpfulness",
          configId: ids.helpfulness,
          value: 4,
        }),
        event("e2", {
          id: "high",
          traceId: TRACE,
          name: "helpfulness",
          configId: ids.helpfulness,
          value: 9,
        }),
        event("e3", {
          id: "label",
          traceId: TRACE,
          name: "resolution",
          configId: ids.resolution,
          value: "gone",
        }),
      ],
    });
    assert.equal(answer.status, 207);
    // The endpoint accepts all three: the worker drops the misfits later, silently.
    assert.deepEqual((answer.body as { successes: Row[] }).successes.map((s) => s.id), [
      "e1",
      "e2",
      "e3",
    ]);
    assert.deepEqual(fake.scores.map((s) => s.id), ["ok"]);
    assert.equal(fake.droppedScores, 2);
  });
});

test("an ANNOTATION score without a configId is refused with 400, and EVAL is no public source", async () => {
  await withFakeLangfuse({}, async (fake) => {
    const request = await langfuseFixture("review/score_annotation_create_request.json") as Row;
    const { configId: _configId, ...withoutConfig } = request;
    const refused = await callFake(fake, "POST", SCORES, withoutConfig);
    assert.equal(refused.status, 400);
    assert.deepEqual(
      refused.body,
      await langfuseFixture("review/score_annotation_missing_config.json"),
    );
    const evalSource = await callFake(fake, "POST", SCORES, {
      traceId: TRACE,
      name: "x",
      value: 1,
      source: "EVAL",
    });
    assert.equal(evalSource.status, 400);
    const ids = await configs(fake);
    const accepted = await callFake(fake, "POST", SCORES, { ...request, configId: ids.resolution });
    assert.equal(accepted.status, 200);
    assert.deepEqual(fake.scores.map((s) => s.name), ["resolution"]);
    const batch = await callFake(fake, "POST", "/api/public/ingestion", {
      batch: [{
        id: "e1",
        timestamp: new Date().toISOString(),
        type: "score-create",
        body: withoutConfig,
      }],
    });
    const errors = (batch.body as { errors: Row[] }).errors;
    assert.deepEqual(errors.map((e) => [e.id, e.status]), [["e1", 400]]);
  });
});

test("a score posted without exactly one of traceId, sessionId and datasetRunId is refused with 400", async () => {
  await withFakeLangfuse({}, async (fake) => {
    const score = { name: "resolution", value: 1 };
    const refused = [
      score,
      { ...score, traceId: TRACE, sessionId: "s-1" },
      { ...score, sessionId: "s-1", observationId: "a3ce929d0e0e4736" },
      { ...score, observationId: "a3ce929d0e0e4736" },
    ];
    for (const body of refused) {
      const answer = await callFake(fake, "POST", SCORES, body);
      assert.equal(answer.status, 400, JSON.stringify(body));
      assert.deepEqual(answer.body, {
        message: "Invalid request data",
        error: [{
          code: "custom",
          path: ["traceId", "sessionId", "datasetRunId", "observationId"],
          message: "Provide exactly one of the following: traceId (with optional observationId), " +
            "sessionId or datasetRunId. ObservationId requires traceId.",
        }],
      });
    }
    const accepted = [
      { ...score, traceId: TRACE },
      { ...score, traceId: TRACE, observationId: "a3ce929d0e0e4736" },
      { ...score, sessionId: "s-1" },
      { ...score, datasetRunId: "run-1" },
    ];
    for (const body of accepted) {
      assert.equal((await callFake(fake, "POST", SCORES, body)).status, 200, JSON.stringify(body));
    }
    assert.equal(fake.scores.length, 4);
  });
});
