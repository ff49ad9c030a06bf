/**
 * Emits a planned session as OpenTelemetry spans: one trace per turn, each turn inside the
 * Langfuse trace context, every span with the start and end times the plan decided.
 */
import {
  type Context,
  context,
  ROOT_CONTEXT,
  SpanStatusCode,
  trace,
  type Tracer,
} from "@opentelemetry/api";
// millisToHrTime is what the SDK does with a Date; an HrTime spares a Date per timestamp.
import { millisToHrTime as hrTime } from "@opentelemetry/core";
import {
  type ObservationPlan,
  type SessionPlan,
  traceMetadata,
  type TurnPlan,
} from "../plan/types.ts";
import { type LangfuseContext, withLangfuseContext } from "./context.ts";
import { observationAttributes } from "./observation_attributes.ts";
import type { PlannedIdGenerator } from "./planned_ids.ts";
import type { DialectWriter, Scope } from "./dialect_parts.ts";
import { writerOf } from "./dialect_writers.ts";

/** What the emitter needs. */
export interface EmitOptions {
  tracer: Tracer;
  /**
   * The tracer of an instrumentation scope, for the dialects whose spans come from a library's
   * tracer (`ai`, an instrumentation package); default `tracer` for every span.
   */
  tracerFor?: (scope: Scope) => Tracer;
  /** The provider's id generator, fed the planned ids span by span. */
  ids: PlannedIdGenerator;
  /** Awaited after each turn, so a full export queue holds the producer back. */
  backpressure?: () => Promise<void>;
  /** Checked before each turn; true stops emitting (delivery failed fatally, or interrupted). */
  stopped?: () => boolean;
}

/** The Langfuse context of one turn of a session. */
export function turnContext(plan: SessionPlan, turn: TurnPlan): LangfuseContext {
  return {
    sessionId: plan.sessionId,
    userId: plan.userId,
    traceName: plan.traceName,
    version: plan.version,
    release: plan.release,
    environment: plan.environment,
    tags: plan.tags,
    metadata: traceMetadata(plan, turn),
  };
}

/** Emits every turn of a session; returns the number of turns emitted. */
export async function emitSession(plan: SessionPlan, options: EmitOptions): Promise<number> {
  let emitted = 0;
  for (const turn of plan.turns) {
    if (options.stopped?.()) break;
    await emitTurn(plan, turn, options);
    emitted++;
  }
  return emitted;
}

/**
 * Emits one turn of a session as its own trace, inside the turn's Langfuse context, then waits
 * for the export queue. The turn's spans are made in one synchronous pass: an `await` per span
 * cost more than making the span, and the queue can only overrun its bound by one turn.
 */
export async function emitTurn(
  plan: SessionPlan,
  turn: TurnPlan,
  options: EmitOptions,
): Promise<void> {
  const writer = writerOf(plan.dialect);
  if (writer) {
    // The dialect sets its trace context on the spans itself: no Langfuse baggage.
    emitWritten(writer, turn.root, ROOT_CONTEXT, { plan, turn, options });
    await options.backpressure?.();
    return;
  }
  withLangfuseContext(
    turnContext(plan, turn),
    // A turn is its own trace: drop any active span but keep the baggage just set.
    () => emitObservation(turn.root, trace.deleteSpan(context.active()), turn.traceId, options),
  );
  await options.backpressure?.();
}

function emitObservation(
  obs: ObservationPlan,
  parent: Context,
  traceId: string | undefined,
  options: EmitOptions,
): void {
  const isRoot = traceId !== undefined;
  options.ids.prepare(obs.spanId, traceId);
  const span = options.tracer.startSpan(obs.name, {
    root: isRoot,
    startTime: hrTime(obs.startMs),
    attributes: observationAttributes(obs, isRoot),
  }, parent);
  if (obs.level === "ERROR") {
    span.setStatus({ code: SpanStatusCode.ERROR, message: obs.statusMessage });
  }
  if (obs.children.length > 0) {
    const inner = trace.setSpan(parent, span);
    for (const child of obs.children) emitObservation(child, inner, undefined, options);
  }
  span.end(hrTime(obs.endMs));
}

/** Emits an observation tree as a dialect writes it, each span from its scope's tracer. */
function emitWritten(
  writer: DialectWriter,
  obs: ObservationPlan,
  parent: Context,
  at: { plan: SessionPlan; turn: TurnPlan; options: EmitOptions },
): void {
  const { plan, turn, options } = at;
  const isRoot = obs === turn.root;
  options.ids.prepare(obs.spanId, isRoot ? turn.traceId : undefined);
  const written = writer.span(obs, { plan, turn, isRoot });
  const tracer = options.tracerFor?.(written.scope) ?? options.tracer;
  const span = tracer.startSpan(written.name, {
    root: isRoot,
    startTime: hrTime(obs.startMs),
    attributes: written.attributes,
  }, parent);
  if (obs.level === "ERROR") {
    span.setStatus({ code: SpanStatusCode.ERROR, message: obs.statusMessage });
  }
  if (obs.children.length > 0) {
    const inner = trace.setSpan(parent, span);
    for (const child of obs.children) emitWritten(writer, child, inner, at);
  }
  span.end(hrTime(obs.endMs));
}
