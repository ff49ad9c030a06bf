/**
 * Same as native: a script replayed with each `--dialect` reads (through the reader, as Langfuse
 * v4.16.0 maps it) exactly as the native replay does, but for the losses docs/dialects.md lists.
 * Each loss is a named rule below; anything else that differs fails.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { LangfuseView, ViewObservation, ViewTrace } from "../langfuse/ingestion/view.ts";
import { replayView } from "../../testing/dialect_replay.ts";

const SCRIPTS = ["conversations/order-status.yaml", "conversations/docs-qa.yaml"];

/** One observation as compared: what Langfuse shows of it. */
interface Obs {
  depth: number;
  name: string;
  type: string;
  level: string;
  model?: string;
  usage?: unknown;
  cost?: number;
  timeToFirstToken: boolean;
  prompt?: unknown;
}

/** One trace as compared; `session` is the session's index (ids are per run). */
interface Trace {
  name?: string;
  session?: number;
  userId?: string;
  tags: string[];
  metadata: Record<string, string>;
  environment: string;
  version?: string;
  release?: string;
  totalTokens: number;
  totalCost: number;
  observations: Obs[];
}

function flat(observations: ViewObservation[], depth = 0): Obs[] {
  return observations.flatMap((o) => [{
    depth,
    name: o.name,
    type: o.type,
    level: o.level,
    ...(o.model === undefined ? {} : { model: o.model }),
    ...(o.usage === undefined ? {} : { usage: o.usage }),
    ...(o.cost === undefined ? {} : { cost: o.cost }),
    timeToFirstToken: o.completionStartMs !== undefined,
    ...(o.prompt === undefined ? {} : { prompt: o.prompt }),
  }, ...flat(o.children, depth + 1)]);
}

function shape(view: LangfuseView): Trace[] {
  assert.deepEqual(view.problems, [], "no contract problem");
  const sessions = view.sessions.map((s) => s.id);
  return view.traces.map((t: ViewTrace) => {
    // Another dialect is another run (docs/dialects.md), so the run id differs by design.
    const { run_id: _runId, ...metadata } = t.metadata;
    return {
      ...(t.name === undefined ? {} : { name: t.name }),
      ...(t.sessionId === undefined ? {} : { session: sessions.indexOf(t.sessionId) }),
      ...(t.userId === undefined ? {} : { userId: t.userId }),
      tags: t.tags,
      metadata,
      environment: t.environment,
      ...(t.version === undefined ? {} : { version: t.version }),
      ...(t.release === undefined ? {} : { release: t.release }),
      totalTokens: t.totalTokens,
      totalCost: Math.round(t.totalCost * 1e9) / 1e9,
      observations: flat(t.observations),
    };
  });
}

/** What a dialect's app reports as its version: the `service.version` Langfuse takes. */
const SERVICE_VERSION = "0.1.0";

/** A documented loss: how the native reading turns into the dialect's. */
type Loss = (trace: Trace) => Trace;
type ObsLoss = (obs: Obs, trace: Trace) => Obs;

const perObservation = (...rules: ObsLoss[]): Loss => (trace) => ({
  ...trace,
  observations: trace.observations.map((obs) => rules.reduce((o, rule) => rule(o, trace), obs)),
});

const without = (key: "model" | "cost" | "prompt" | "timeToFirstToken"): ObsLoss => (obs) => {
  const copy: Obs = { ...obs };
  if (key === "timeToFirstToken") copy.timeToFirstToken = false;
  else delete copy[key];
  return copy;
};

/** Levels but ERROR: only the span status carries a level. */
const levelsButError: ObsLoss = (obs) => ({
  ...obs,
  level: obs.level === "ERROR" ? "ERROR" : "DEFAULT",
});
const typesBecomeSpans = (types: string[]): ObsLoss => (obs) =>
  types.includes(obs.type) ? { ...obs, type: "span" } : obs;
/** The app reports its own version (service.version); the script's version and release are lost. */
const versionFromService: Loss = ({ release: _release, ...trace }) => ({
  ...trace,
  version: SERVICE_VERSION,
});
const noCost: Loss = (trace) => ({
  ...perObservation(without("cost"))(trace),
  totalCost: 0,
});
const noTags: Loss = (trace) => ({ ...trace, tags: [] });
const noMetadata: Loss = (trace) => ({ ...trace, metadata: {} });

/** Each dialect's losses, as docs/dialects.md lists them ("what does not survive"). */
const LOSSES: Record<string, Loss[]> = {
  genai: [
    noTags,
    noMetadata,
    versionFromService,
    noCost,
    perObservation(
      without("prompt"),
      without("timeToFirstToken"),
      levelsButError,
      typesBecomeSpans(["guardrail", "chain", "retriever", "evaluator", "event"]),
      // GenAI names its spans by operation: `chat {model}`, `embeddings {model}`,
      // `invoke_agent {agent}`; Langfuse names tools by the tool name.
      (obs) =>
        obs.type === "generation"
          ? { ...obs, name: `chat ${obs.model}` }
          : obs.type === "embedding"
          ? { ...obs, name: `embeddings ${obs.model}` }
          : obs.type === "agent"
          ? { ...obs, name: `invoke_agent ${obs.name}` }
          : obs,
    ),
  ],
  openinference: [
    noMetadata,
    versionFromService,
    perObservation(
      without("prompt"),
      without("timeToFirstToken"),
      levelsButError,
      typesBecomeSpans(["event"]),
      // `embedding.model_name` is not read by Langfuse.
      (obs, trace) => obs.type === "embedding" ? without("model")(obs, trace) : obs,
    ),
  ],
  vercel: [
    versionFromService,
    noCost,
    perObservation(
      levelsButError,
      typesBecomeSpans(["agent", "chain", "retriever", "guardrail", "evaluator", "event"]),
    ),
    // Names are `functionId:operationId` (tools by tool name), so the trace is the outer call's.
    (trace) => {
      const outer = `${trace.name}:ai.streamText`;
      return {
        ...trace,
        name: outer,
        observations: trace.observations.map((obs) => {
          if (obs.depth === 0) {
            // The outer call: a span; AI SDK spans that are not model calls read usage 0.
            return { ...obs, name: outer, usage: { input: 0, output: 0, total: 0 } };
          }
          if (obs.type === "tool") return { ...obs, usage: { input: 0, output: 0, total: 0 } };
          if (obs.type === "generation") return { ...obs, name: `${outer}.doStream` };
          if (obs.type === "embedding") {
            // doEmbed carries only `ai.usage.tokens`: Langfuse reads it as the total, input 0.
            const total = (obs.usage as { total?: number } | undefined)?.total ?? 0;
            return {
              ...obs,
              name: `${trace.name}:ai.embed.doEmbed`,
              usage: { input: 0, output: 0, total },
            };
          }
          return obs;
        }),
      };
    },
  ],
};

for (const dialect of Object.keys(LOSSES)) {
  test(`order-status and docs-qa replayed with --dialect ${dialect} read as the native replay does, but for ${dialect}'s documented losses`, async () => {
    const [native, other] = await Promise.all([
      replayView(SCRIPTS, "langfuse"),
      replayView(SCRIPTS, dialect),
    ]);
    assert.equal(other.sessions.length, native.sessions.length, "one session per script");
    assert.deepEqual(
      other.sessions.map((s) => [s.userIds, s.traceIds.length]),
      native.sessions.map((s) => [s.userIds, s.traceIds.length]),
    );
    const expected = shape(native).map((trace) =>
      LOSSES[dialect].reduce((t, loss) => loss(t), trace)
    );
    assert.deepEqual(shape(other), expected);
  });
}
