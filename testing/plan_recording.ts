/**
 * Test support: a planned session as `record` would receive it (a RecordedSession), so tests
 * can record what a shipped script replays without a server. Declared prompt names get
 * version 1, as if Langfuse had resolved them. Test code, not product.
 */
import { type SessionPlan, traceMetadata } from "../src/plan/types.ts";
import type { ObservationPlan } from "../src/plan/types.ts";
import type { RecordedObservation, RecordedSession } from "../src/record/types.ts";
import { perUsageType } from "../src/record/usage_details.ts";

/** The recorded form of a planned observation tree. */
export function recordedObservation(plan: ObservationPlan): RecordedObservation {
  const observation: RecordedObservation = {
    id: plan.spanId,
    type: plan.type,
    name: plan.name,
    startMs: plan.startMs,
    endMs: plan.endMs,
    children: plan.children.map(recordedObservation),
  };
  if (plan.level) observation.level = plan.level;
  if (plan.statusMessage) observation.statusMessage = plan.statusMessage;
  if (plan.input !== undefined) observation.input = plan.input;
  if (plan.output !== undefined) observation.output = plan.output;
  if (plan.metadata) observation.metadata = plan.metadata;
  if (plan.model) observation.model = plan.model;
  if (plan.modelParameters) observation.modelParameters = plan.modelParameters;
  const usage = perUsageType(plan.usage);
  if (usage) observation.usage = usage;
  if (plan.cost) observation.cost = { ...perUsageType(plan.cost), total: plan.cost.total };
  if (plan.completionStartMs !== undefined) {
    observation.completionStartMs = plan.completionStartMs;
  }
  if (plan.prompt) observation.prompt = plan.prompt;
  else if (plan.promptRef) observation.prompt = { name: plan.promptRef, version: 1 };
  return observation;
}

/** The recorded form of a planned session: one trace per turn, its scores attached, the session's scores beside. */
export function recordedSession(plan: SessionPlan, source = "a planned session"): RecordedSession {
  const recorded = (score: SessionPlan["scores"][number]) => ({
    name: score.name,
    dataType: score.dataType,
    value: score.value,
    ...(score.comment ? { comment: score.comment } : {}),
  });
  return {
    sessionId: plan.sessionId,
    userId: plan.userId,
    source,
    traces: plan.turns.map((turn) => ({
      id: turn.traceId,
      name: plan.traceName,
      sessionId: plan.sessionId,
      userId: plan.userId,
      tags: plan.tags,
      metadata: traceMetadata(plan, turn),
      version: plan.version,
      ...(plan.release ? { release: plan.release } : {}),
      ...(plan.environment ? { environment: plan.environment } : {}),
      input: turn.root.input,
      output: turn.root.output,
      startMs: turn.root.startMs,
      endMs: turn.root.endMs,
      root: recordedObservation(turn.root),
      orphans: [],
      scores: plan.scores.filter((score) => score.traceId === turn.traceId).map(recorded),
    })),
    scores: plan.scores.filter((score) => score.sessionId !== undefined).map(recorded),
  };
}
