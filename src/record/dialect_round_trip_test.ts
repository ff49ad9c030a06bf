/**
 * Record round trip per dialect: spans the real libraries send (fixtures/dialects/, and live from
 * testing/instrumented/ against a loopback fake provider) become, through `record --from-otlp`, scripts that `validate` accepts
 * and that, replayed with the `--dialect` record names, read (through the reader) as the source
 * does: one session, one user, three traces, each with the same name, observation types, models,
 * tool names and usage totals within the recorded ranges.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeTraceRequest } from "../otlp/decode.ts";
import { interpretSpans } from "../langfuse/ingestion/view.ts";
import type { LangfuseView, ViewObservation, ViewTrace } from "../langfuse/ingestion/view.ts";
import { runTask } from "../../testing/tasks.ts";
import { replayView } from "../../testing/dialect_replay.ts";
import { captureSpans } from "../../testing/instrumented/capture.ts";
import { LIBRARIES } from "../../testing/instrumented/libraries.ts";
import { otlpJsonText } from "../../testing/instrumented/otlp_json.ts";

/** Each library's name as the test says it. */
const NAMES: Record<string, string> = {
  "vercel-ai": "the Vercel AI SDK",
  "openinference-openai": "the OpenInference OpenAI instrumentation",
  "opentelemetry-openai": "the OpenTelemetry OpenAI instrumentation",
  "langfuse-sdk": "Langfuse's JS SDK",
};

/** The usage ranges a recording gives (±20%), plus a token for rounding each bound. */
const SPREAD = 0.2;

function flat(observations: ViewObservation[]): ViewObservation[] {
  return observations.flatMap((o) => [o, ...flat(o.children)]);
}

/**
 * What does not survive a round trip, per dialect; anything else that differs fails. A script
 * holds models and usage on model calls only (record's notes say so): under `vercel` the AI
 * SDK's outer call (`ai.generateText`) carries the requested model id (`ai.model.id`) and the
 * turn's summed cached and reasoning tokens, which Langfuse reads onto that span; the replay's
 * outer call carries neither, so there models and usage are compared over model calls.
 */
const MODEL_CALLS_ONLY: Record<string, boolean> = { vercel: true };

/**
 * Under `genai` Langfuse names a trace after its root span, here the instrumented app's agent
 * (`invoke_agent support-turn`); a replay puts a span named by the script at each turn's root,
 * and record keeps no trace name that is not a short token, so the name is not compared there.
 */
const ROOT_NAMED_BY_SCRIPT: Record<string, boolean> = { genai: true };

/** What a trace must keep through record and replay. */
function shapeOf(trace: ViewTrace, dialect: string) {
  const all = flat(trace.observations);
  const priced = MODEL_CALLS_ONLY[dialect]
    ? all.filter((o) => o.type === "generation" || o.type === "embedding")
    : all;
  return {
    // The trace name as Langfuse shows it (under vercel, `<functionId>:<operationId>`).
    ...(ROOT_NAMED_BY_SCRIPT[dialect] ? {} : { name: trace.name }),
    // A replay puts a span at each turn's root (record's notes say when the root was another
    // type), so spans are not counted.
    types: all.map((o) => o.type).filter((t) => t !== "span").sort(),
    models: [...new Set(priced.flatMap((o) => o.model === undefined ? [] : [o.model]))].sort(),
    tools: all.filter((o) => o.type === "tool").map((o) => o.name).sort(),
  };
}

/** Tokens Langfuse counts in a trace, over what a script can hold in `dialect`. */
function tokensOf(trace: ViewTrace, dialect: string): number {
  if (!MODEL_CALLS_ONLY[dialect]) return trace.totalTokens;
  return flat(trace.observations)
    .filter((o) => o.type === "generation" || o.type === "embedding")
    .reduce((sum, o) => sum + (o.usage?.total ?? 0), 0);
}

function sessionShape(view: LangfuseView, dialect: string) {
  assert.deepEqual(view.problems, [], "no contract problem");
  return {
    sessions: view.sessions.length,
    users: view.users.length,
    traces: view.traces.length,
    perTrace: view.traces.map((trace) => shapeOf(trace, dialect)),
  };
}

/**
 * Records `source` through `record --from-otlp`, validates and replays the script in the dialect
 * record names, and checks the replay reads as the source.
 */
async function roundTrip(source: string, dialect: string): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "session-replay-round-trip-"));
  const script = join(dir, "recorded.yaml");
  const record = await runTask("record", ["--from-otlp", source, "--out", script]);
  assert.equal(record.code, 0, record.stderr);
  const flag = `replay with --dialect ${dialect}.`;
  assert.match(record.stdout, new RegExp(`Recorded from ${dialect} spans; ${flag}`));
  assert.match(
    await readFile(script, "utf8"),
    new RegExp(`^# Recorded from ${dialect} spans; ${flag}$`, "m"),
  );
  const validate = await runTask("validate", [script]);
  assert.equal(validate.code, 0, validate.stdout + validate.stderr);

  const before = interpretSpans(decodeTraceRequest(await readFile(source), "application/json"));
  const after = await replayView([script], dialect);
  const expected = sessionShape(before, dialect);
  assert.deepEqual(sessionShape(after, dialect), expected);
  assert.equal(expected.sessions, 1);
  assert.equal(expected.users, 1);
  assert.equal(expected.traces, 3);
  after.traces.forEach((trace, index) => {
    const recorded = tokensOf(before.traces[index], dialect);
    const replayed = tokensOf(trace, dialect);
    assert.ok(
      Math.abs(replayed - recorded) <= recorded * SPREAD + 2,
      `turn ${index + 1}: ${replayed} tokens, recorded ${recorded} (±${SPREAD * 100}%)`,
    );
  });
}

for (const { name, dialect, drive } of LIBRARIES) {
  test(`spans from ${NAMES[name]} (fixture) recorded with record --from-otlp replay with --dialect ${dialect} into the same shape`, async () => {
    await roundTrip(`fixtures/dialects/${name}.otlp.json`, dialect);
  });

  test(`spans ${NAMES[name]} sends live recorded with record --from-otlp replay with --dialect ${dialect} into the same shape`, async () => {
    const dir = await mkdtemp(join(tmpdir(), "session-replay-round-trip-live-"));
    const source = join(dir, `${name}.otlp.json`);
    await writeFile(source, otlpJsonText(await captureSpans(drive)));
    await roundTrip(source, dialect);
  });
}
