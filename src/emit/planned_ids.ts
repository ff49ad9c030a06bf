/**
 * An IdGenerator that hands out the ids the plan decided, so a seeded run produces the same
 * trace and span ids every time and a re-run overwrites the same traces in Langfuse.
 */
import type { IdGenerator } from "@opentelemetry/sdk-trace";

/** Gives the SDK the next planned ids; the emitter sets them just before starting a span. */
export class PlannedIdGenerator implements IdGenerator {
  #traceId: string | undefined;
  #spanId: string | undefined;

  /** Sets the ids of the span about to start (traceId only for a root span). */
  prepare(spanId: string, traceId?: string): void {
    this.#spanId = spanId;
    this.#traceId = traceId;
  }

  /** The planned trace id; the SDK asks only for root spans. */
  generateTraceId(): string {
    const id = this.#traceId;
    if (id === undefined) throw new Error("no planned trace id: call prepare() before a root span");
    this.#traceId = undefined;
    return id;
  }

  /** The planned span id. */
  generateSpanId(): string {
    const id = this.#spanId;
    if (id === undefined) throw new Error("no planned span id: call prepare() before a span");
    this.#spanId = undefined;
    return id;
  }
}
