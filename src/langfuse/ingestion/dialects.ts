/**
 * Which dialect a span speaks: the attribute vocabulary its instrumentation writes. Langfuse
 * has no single "dialect" switch; it decides per field, by instrumentation scope (`langfuse-sdk*`
 * marks its own SDK's spans, `ai` turns on the Vercel AI SDK's input and output) and by the
 * attribute keys present (`openinference.span.kind`, `gen_ai.operation.name`, `traceloop.*`,
 * `ai.operationId`). This module names the result so the view can phrase contract problems in
 * the words of the library that sent the span. Facts and sources: fixtures/langfuse/dialects.md.
 */
import type { ReceivedSpan } from "../../otlp/decode.ts";

/** The dialects the view tells apart; `otel` is a span that speaks none of them. */
export const DIALECTS = [
  "langfuse",
  "genai",
  "openinference",
  "vercel",
  "traceloop",
  "otel",
] as const;

export type Dialect = typeof DIALECTS[number];

/** The scope Langfuse's own SDKs name their tracer with (a prefix: `langfuse-sdk`, …). */
export const LANGFUSE_SDK_SCOPE = "langfuse-sdk";

/** The scope the Vercel AI SDK names its tracer with; Langfuse reads `ai.*` I/O only under it. */
export const VERCEL_SCOPE = "ai";

/** For each dialect, the attribute keys it carries a trace's session and user under. */
export const TRACE_KEYS: Record<Dialect, { session: string; user: string; tags: string }> = {
  langfuse: { session: "session.id", user: "user.id", tags: "langfuse.trace.tags" },
  genai: { session: "gen_ai.conversation.id", user: "user.id", tags: "langfuse.trace.tags" },
  openinference: { session: "session.id", user: "user.id", tags: "tag.tags" },
  vercel: {
    session: "ai.telemetry.metadata.sessionId",
    user: "ai.telemetry.metadata.userId",
    tags: "ai.telemetry.metadata.tags",
  },
  traceloop: { session: "session.id", user: "user.id", tags: "langfuse.trace.tags" },
  otel: { session: "session.id", user: "user.id", tags: "langfuse.trace.tags" },
};

/**
 * The dialect of one span: the scope decides first (Langfuse's SDK, the Vercel AI SDK), then the
 * most specific keys: OpenInference's span kind, Traceloop's entity keys, Langfuse's own
 * `langfuse.*` keys, the Vercel operation id, any `gen_ai.*` key; else `otel`.
 */
export function dialectOf(span: Pick<ReceivedSpan, "scope" | "attributes">): Dialect {
  const scope = span.scope.name;
  if (scope.startsWith(LANGFUSE_SDK_SCOPE)) return "langfuse";
  if (scope === VERCEL_SCOPE) return "vercel";
  const keys = Object.keys(span.attributes);
  if (keys.includes("openinference.span.kind")) return "openinference";
  if (keys.some((key) => key.startsWith("traceloop."))) return "traceloop";
  if (keys.some((key) => key.startsWith("langfuse."))) return "langfuse";
  if (keys.includes("ai.operationId")) return "vercel";
  if (keys.some((key) => key.startsWith("gen_ai."))) return "genai";
  return "otel";
}

/** The dialects of a set of spans, in DIALECTS order, each once. */
export function dialectsOf(spans: Pick<ReceivedSpan, "scope" | "attributes">[]): Dialect[] {
  const seen = new Set(spans.map(dialectOf));
  return DIALECTS.filter((dialect) => seen.has(dialect));
}
