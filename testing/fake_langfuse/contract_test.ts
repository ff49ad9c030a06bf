/**
 * The fake Langfuse held to the answers of real Langfuse recorded in fixtures/langfuse/: for
 * every endpoint with a recording, the fake is driven over HTTP after the tool put data in it,
 * and its answer must have the recording's status, keys, JSON types, nulls, id and time formats
 * (see ./contract.ts). Each test lists every difference at once.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { replayWithScores } from "../langfuse.ts";
import { Contract } from "./contract.ts";
import { withFakeLangfuse } from "../servers.ts";
import { OBSERVATION_FIELD_GROUPS } from "../../src/langfuse/api_types.ts";
import type { FakeLangfuse } from "./server.ts";

/** A traced/observed replay: two scripts with generations, tool calls and scores. */
const SCRIPTS = ["conversations/order-status.yaml", "conversations/refund.yaml"];

type Row = Record<string, unknown>;

async function replayed(fake: FakeLangfuse): Promise<string[]> {
  const { manifest } = await replayWithScores(fake, 21, SCRIPTS);
  return manifest.sessions.map((session) => session.sessionId);
}

test("the v3 fake answers traces, sessions, v1 observations, v2 scores, deletes and 404s like Langfuse", async () => {
  await withFakeLangfuse({ mode: "v3" }, async (fake) => {
    const [sessionId] = await replayed(fake);
    const contract = new Contract(fake);
    const get = (fixture: string, path: string) =>
      contract.call({ fixture, status: 200, method: "GET", path });
    const traces = await get("traces_v3.json", `/api/public/traces?sessionId=${sessionId}`);
    await get("session_v3.json", `/api/public/sessions/${sessionId}`);
    const traceIds = (traces.data as Row[]).map((trace) => trace.id as string);
    await get("observations_v1.json", `/api/public/observations?traceId=${traceIds[0]}`);
    await get("scores_v2.json", `/api/public/v2/scores?traceId=${traceIds[0]}`);
    await contract.call({
      fixture: "error_not_found.json",
      status: 404,
      method: "GET",
      path: "/api/public/sessions/nope",
    });
    await contract.call({
      fixture: "traces_deleted.json",
      status: 200,
      method: "DELETE",
      path: "/api/public/traces",
      body: { traceIds },
    });
    assert.deepEqual(contract.differences, []);
  });
});

test("the v4 fake answers v2 observations, v3 scores, score posts and deletes and ingestion batches like Langfuse", async () => {
  await withFakeLangfuse({ mode: "v4" }, async (fake) => {
    const [sessionId] = await replayed(fake);
    const contract = new Contract(fake);
    const fields = OBSERVATION_FIELD_GROUPS.join(",");
    const observations = await contract.call({
      fixture: "observations_v2.json",
      status: 200,
      method: "GET",
      path: `/api/public/v2/observations?sessionId=${sessionId}&limit=5&fields=${fields}`,
    });
    const traceId = (observations.data as Row[])[0].traceId as string;
    await contract.call({
      fixture: "score_created.json",
      status: 200,
      method: "POST",
      path: "/api/public/scores",
      body: { traceId, name: "resolution", value: "escalated", dataType: "CATEGORICAL" },
    });
    // The recording is a CATEGORICAL score; in v3 the type of `value` follows `dataType`.
    await contract.call({
      fixture: "scores_v3.json",
      status: 200,
      method: "GET",
      path: `/api/public/v3/scores?traceId=${traceId}&dataType=CATEGORICAL&fields=details,subject`,
    });
    await contract.call({
      fixture: "score_deleted.json",
      status: 202,
      method: "DELETE",
      path: "/api/public/scores/never-sent",
    });
    await contract.call({
      fixture: "error_events_only.json",
      status: 404,
      method: "GET",
      path: "/api/public/traces",
    });
    const timestamp = new Date().toISOString();
    const batch = [
      { type: "score-create", body: { id: "s-1", traceId, name: "quality", value: 1 } },
      { type: "score-create", body: { id: "s-2", name: "quality", value: 1 } },
      { type: "trace-create", body: { id: traceId } },
    ].map((event, n) => ({ id: `e-${n + 1}`, timestamp, ...event }));
    await contract.call({
      fixture: "ingestion_207.json",
      status: 207,
      method: "POST",
      path: "/api/public/ingestion",
      body: { batch },
    });
    assert.deepEqual(contract.differences, []);
  });
});
