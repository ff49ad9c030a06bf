import { linkSession } from "../plan/resources.ts";
import { test } from "node:test";
import assert from "node:assert/strict";
import { emitSession } from "../emit/emit.ts";
import { readScriptFile } from "../script/read.ts";
import { planSession } from "../plan/session.ts";
import type { ObservationPlan, SessionPlan } from "../plan/types.ts";
import { createPipeline, type PipelineOptions } from "./pipeline.ts";
import { type ReceiverOptions, startOtlpReceiver } from "./receiver.ts";
import type { ReceivedSpan } from "../otlp/decode.ts";
import { resolveTarget } from "./target.ts";
import type { Protocol } from "./http_sender.ts";

const END = Date.parse("2026-11-25T12:00:00.000Z");

async function plan(seed = 42): Promise<SessionPlan> {
  const { script, file } = await readScriptFile("conversations/order-status.yaml");
  // Linked as a Langfuse run links them, so every generation carries a prompt link.
  const links = { prompts: { "intent-router": 4, "support-answer": 12 }, scoreConfigs: {} };
  return linkSession(planSession(script, { seed, endMs: END, file }), links);
}

async function replay(
  session: SessionPlan,
  protocol: Protocol,
  receiverOptions: ReceiverOptions = {},
  pipelineOptions: PipelineOptions = {},
) {
  const receiver = await startOtlpReceiver(receiverOptions);
  try {
    const target = resolveTarget({ target: "otlp", protocol }, {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    });
    const pipeline = createPipeline(target, pipelineOptions);
    await emitSession(session, {
      tracer: pipeline.tracer,
      ids: pipeline.ids,
      backpressure: () => pipeline.batcher.ready(),
    });
    await pipeline.close();
    return { stats: pipeline.stats, spans: [...receiver.spans], requests: [...receiver.requests] };
  } finally {
    await receiver.close();
  }
}

function flatten(
  obs: ObservationPlan,
  parentId?: string,
): { obs: ObservationPlan; parentId?: string }[] {
  return [{ obs, parentId }, ...obs.children.flatMap((child) => flatten(child, obs.spanId))];
}

function checkLandedAsPlanned(session: SessionPlan, spans: ReceivedSpan[]) {
  const byId = new Map(spans.map((span) => [span.spanId, span]));
  let expectedCount = 0;
  for (const turn of session.turns) {
    for (const { obs, parentId } of flatten(turn.root)) {
      expectedCount++;
      const span = byId.get(obs.spanId);
      assert.ok(span, `span ${obs.name} arrived`);
      assert.equal(span.traceId, turn.traceId);
      assert.equal(span.parentSpanId, parentId);
      assert.equal(span.name, obs.name);
      assert.equal(span.startTimeUnixNano, BigInt(obs.startMs) * 1_000_000n);
      assert.equal(span.endTimeUnixNano, BigInt(obs.endMs) * 1_000_000n);
      const a = span.attributes;
      assert.equal(a["langfuse.session.id"], "conv_82d9535867844b4c8cdff");
      assert.equal(a["langfuse.user.id"], "usr_pseudo_7f31c2");
      assert.equal(a["langfuse.trace.name"], "order-status-turn");
      assert.equal(a["langfuse.version"], "local");
      assert.equal(a["langfuse.environment"], "development");
      assert.deepEqual(a["langfuse.trace.tags"], ["order-status", "langgraph"]);
      assert.equal(a["langfuse.trace.metadata.environment"], "development");
      assert.equal(a["langfuse.trace.metadata.workflow"], "order-status");
      assert.equal(a["langfuse.trace.metadata.region"], "eu");
      assert.equal(a["langfuse.trace.metadata.turn_kind"], turn.kind);
      assert.equal(a["langfuse.trace.metadata.outcome"], turn.outcome);
      assert.equal(a["langfuse.observation.type"], obs.type);
      assert.equal(a["langfuse.observation.level"], obs.level);
      assert.equal(a["langfuse.observation.status_message"], obs.statusMessage);
      if (obs.input !== undefined) {
        assert.deepEqual(JSON.parse(String(a["langfuse.observation.input"])), obs.input);
      }
      if (obs.output !== undefined) {
        assert.deepEqual(JSON.parse(String(a["langfuse.observation.output"])), obs.output);
      }
      if (obs === turn.root) {
        assert.equal(a["langfuse.trace.input"], a["langfuse.observation.input"]);
        assert.equal(a["langfuse.trace.output"], a["langfuse.observation.output"]);
      } else {
        assert.equal(a["langfuse.trace.input"], undefined);
      }
      if (obs.type === "generation") {
        assert.equal(a["langfuse.observation.model.name"], obs.model);
        assert.deepEqual(JSON.parse(String(a["langfuse.observation.usage_details"])), obs.usage);
        assert.deepEqual(JSON.parse(String(a["langfuse.observation.cost_details"])), obs.cost);
        assert.deepEqual(
          JSON.parse(String(a["langfuse.observation.model.parameters"])),
          obs.modelParameters,
        );
        assert.equal(
          a["langfuse.observation.completion_start_time"],
          new Date(obs.completionStartMs!).toISOString(),
        );
        assert.equal(a["langfuse.observation.prompt.name"], obs.prompt!.name);
        assert.equal(a["langfuse.observation.prompt.version"], obs.prompt!.version);
        assert.equal(span.attributeTypes["langfuse.observation.prompt.version"], "int");
      }
      assert.equal(span.status.code, obs.level === "ERROR" ? 2 : 0);
      assert.equal(span.resource["service.name"], "session-replay");
      assert.equal(span.scope.name, "session-replay");
    }
  }
  assert.equal(spans.length, expectedCount, "nothing extra, nothing twice");
}

for (const protocol of ["http/json", "http/protobuf"] as const) {
  test(`a replay over ${protocol} lands every span with its ids, parentage, times and Langfuse attributes`, async () => {
    const session = await plan();
    const { stats, spans, requests } = await replay(session, protocol);
    checkLandedAsPlanned(session, spans);
    assert.equal(stats.generated, spans.length);
    assert.equal(stats.acknowledged, spans.length);
    assert.equal(stats.failed, 0);
    assert.equal(
      requests[0].contentType,
      protocol === "http/json" ? "application/json" : "application/x-protobuf",
    );
  });
}

test("nothing is lost when the receiver is slow: the producer waits instead of dropping", async () => {
  const session = await plan(7);
  const { stats, spans, requests } = await replay(
    session,
    "http/protobuf",
    { respond: () => ({ delayMs: 60 }) },
    { maxBatchSpans: 2, maxInFlight: 1, maxQueuedBatches: 1 },
  );
  checkLandedAsPlanned(session, spans);
  assert.ok(requests.length >= spans.length / 2);
  assert.equal(stats.acknowledged, stats.generated);
  assert.equal(stats.pending, 0);
});

test("every span is acknowledged or failed with its reason when the receiver misbehaves", async () => {
  const session = await plan(9);
  const { stats, spans } = await replay(
    session,
    "http/json",
    {
      respond: ({ index }) => {
        if (index === 1) return { status: 400, body: "bad batch" };
        if (index === 2) return { rejectSpans: { count: 1, message: "invalid span" } };
        if (index === 3) return { status: 503, headers: { "retry-after": "0" } };
        return undefined;
      },
    },
    { maxBatchSpans: 4, maxInFlight: 1 },
  );
  assert.equal(stats.generated, stats.acknowledged + stats.failed);
  assert.equal(stats.acknowledged, spans.length, "acknowledged means the receiver kept it");
  assert.deepEqual(Object.fromEntries(stats.failures), {
    "HTTP 400: bad batch": 4,
    "rejected by the target: invalid span": 1,
  });
});
