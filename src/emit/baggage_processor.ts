/**
 * A span processor that copies the Langfuse baggage entries onto every span at start, so each
 * span of a turn carries the full set of trace-level attributes (Langfuse v4 reads them from
 * the latest row; v3 lets a span without them erase the root's values).
 */
import { type Attributes, type Baggage, type Context, propagation } from "@opentelemetry/api";
import type { ReadableSpan, Span, SpanProcessor } from "@opentelemetry/sdk-trace";
import { TAGS_BAGGAGE_KEY, TRACE, TRACE_METADATA_PREFIX } from "./attributes.ts";

const COPIED = new Set<string>([
  TRACE.sessionId,
  TRACE.userId,
  TRACE.name,
  TRACE.version,
  TRACE.release,
  TRACE.environment,
]);

/** Copies `langfuse.*` baggage onto spans; exports nothing itself. */
export class LangfuseBaggageSpanProcessor implements SpanProcessor {
  // Every span of a turn starts under the same baggage object: map it to attributes once.
  readonly #attributes = new WeakMap<Baggage, Attributes>();

  /** Stamps the span with the baggage of the context it starts in. */
  onStart(span: Span, parentContext: Context): void {
    const baggage = propagation.getBaggage(parentContext);
    if (!baggage) return;
    let attributes = this.#attributes.get(baggage);
    if (attributes === undefined) {
      attributes = baggageAttributes(baggage);
      this.#attributes.set(baggage, attributes);
    }
    span.setAttributes(attributes);
  }

  /** Nothing to do at end: the attributes were set at start. */
  onEnd(_span: ReadableSpan): void {}

  /** Nothing is buffered here. */
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  /** Nothing to release. */
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** The span attributes a baggage carries: Langfuse entries as they are, tags as an array. */
function baggageAttributes(baggage: Baggage): Attributes {
  const attributes: Attributes = {};
  for (const [key, entry] of baggage.getAllEntries()) {
    if (COPIED.has(key) || key.startsWith(TRACE_METADATA_PREFIX)) {
      attributes[key] = entry.value;
    } else if (key === TAGS_BAGGAGE_KEY) {
      attributes[TRACE.tags] = entry.value.split(",").filter((tag) => tag !== "");
    }
  }
  return attributes;
}
