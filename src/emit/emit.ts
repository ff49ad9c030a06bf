/**
 * Emits a planned session as OpenTelemetry spans: one trace per turn, each turn inside the
 * Langfuse trace context, every span with the start and end times the plan decided.
 */
import {
  type Attributes,
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
 * Emits one turn of a session as its own trace, inside the turn's Langfuse context (or, in
 * another dialect, with the trace context its writer puts on each span), then waits for the
 * export queue. The turn's spans are made in one synchronous pass: an `await` per span cost
 * more than making the span, and the queue can only overrun its bound by one turn.
 */
export async function emitTurn(
  plan: SessionPlan,
  turn: TurnPlan,
  options: EmitOptions,
): Promise<void> {
  const writer = writerOf(plan.dialect);
  if (writer) {
    // The dialect sets its trace context on the spans itself: no Langfuse baggage.
    emitTree(turn.root, ROOT_CONTEXT, { turn, options, spanOf: dialectSpan(writer, plan, turn) });
  } else {
    withLangfuseContext(
      turnContext(plan, turn),
      // A turn is its own trace: drop any active span but keep the baggage just set.
      () =>
        emitTree(turn.root, trace.deleteSpan(context.active()), { turn, options, spanOf: native }),
    );
  }
  await options.backpressure?.();
}

/** How one observation becomes a span: its tracer, name and attributes. */
type SpanOf = (
  obs: ObservationPlan,
  isRoot: boolean,
  options: EmitOptions,
) => { tracer: Tracer; name: string; attributes: Attributes };

/** Langfuse's own attributes, from the run's tracer. */
const native: SpanOf = (obs, isRoot, options) => ({
  tracer: options.tracer,
  name: obs.name,
  attributes: observationAttributes(obs, isRoot),
});

/** A dialect's span, from its scope's tracer. */
function dialectSpan(writer: DialectWriter, plan: SessionPlan, turn: TurnPlan): SpanOf {
  return (obs, isRoot, options) => {
    const { scope, name, attributes } = writer.span(obs, { plan, turn, isRoot });
    return { tracer: options.tracerFor?.(scope) ?? options.tracer, name, attributes };
  };
}

function emitTree(
  obs: ObservationPlan,
  parent: Context,
  at: { turn: TurnPlan; options: EmitOptions; spanOf: SpanOf },
): void {
  const isRoot = obs === at.turn.root;
  at.options.ids.prepare(obs.spanId, isRoot ? at.turn.traceId : undefined);
  const { tracer, name, attributes } = at.spanOf(obs, isRoot, at.options);
  const span = tracer.startSpan(name, {
    root: isRoot,
    startTime: hrTime(obs.startMs),
    attributes,
  }, parent);
  if (obs.level === "ERROR") {
    span.setStatus({ code: SpanStatusCode.ERROR, message: obs.statusMessage });
  }
  if (obs.children.length > 0) {
    const inner = trace.setSpan(parent, span);
    for (const child of obs.children) emitTree(child, inner, at);
  }
  span.end(hrTime(obs.endMs));
}
