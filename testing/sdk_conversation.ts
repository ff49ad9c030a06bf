/**
 * Test helper: a support conversation emitted with the plain OpenTelemetry SDK (not this tool's
 * emitter), the way a team instruments its own agent by hand: Langfuse attributes set on each
 * span, optionally with the classic mistakes (a span without the session id, tags as a comma
 * string, a prompt version as a string, a nested metadata object).
 */
import { context, trace } from "@opentelemetry/api";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { type ReadableSpan, type SpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";

/** Options for {@link sdkConversation}. */
export interface SdkConversationOptions {
  /** Default "chat-8841". */
  sessionId?: string;
  /** Default "user-alice". */
  userId?: string;
  /** Default 3. */
  turns?: number;
  /** First turn start, epoch ms; default 2026-11-20T10:00:00Z. */
  startMs?: number;
  /** Make the classic mistakes; default false. */
  mistakes?: boolean;
}

/** 2026-11-20T10:00:00Z. */
export const SDK_T0 = Date.UTC(2026, 10, 20, 10, 0, 0);

/**
 * Emits the conversation through `processors` (e.g. a SimpleSpanProcessor with an OTLP
 * exporter), flushes and shuts the provider down. Per turn: a root span "support-turn" with
 * a generation "answer" (prompt "support-answer" v3) and a tool "lookup-order" under it.
 */
export async function sdkConversation(
  processors: SpanProcessor[],
  options: SdkConversationOptions = {},
): Promise<void> {
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ "service.name": "support-bot" }),
    spanProcessors: processors,
  });
  const tracer = provider.getTracer("support-bot");
  const sessionId = options.sessionId ?? "chat-8841";
  const userId = options.userId ?? "user-alice";
  const mistakes = options.mistakes ?? false;
  const start = options.startMs ?? SDK_T0;
  for (let turn = 0; turn < (options.turns ?? 3); turn++) {
    const at = start + turn * 45_000;
    const common = {
      "langfuse.session.id": sessionId,
      "langfuse.user.id": userId,
      "langfuse.trace.name": "support-turn",
    };
    const tags = mistakes ? { "langfuse.trace.tags": "support,vip" } : {
      "langfuse.trace.tags": ["support", "vip"],
    };
    const metadata = mistakes && turn === 0
      ? { "langfuse.trace.metadata.customer": JSON.stringify({ tier: "gold", region: "eu" }) }
      : { "langfuse.trace.metadata.tier": "gold" };
    const root = tracer.startSpan("support-turn", {
      startTime: at,
      attributes: {
        ...common,
        ...tags,
        ...metadata,
        "langfuse.observation.input": JSON.stringify({ text: `Where is order ${turn + 1}?` }),
        "langfuse.observation.output": JSON.stringify({ text: "It ships today." }),
      },
    });
    const ctx = trace.setSpan(context.active(), root);
    tracer.startSpan("answer", {
      startTime: at + 100,
      attributes: {
        ...common,
        ...tags,
        "langfuse.observation.type": "generation",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.usage.input_tokens": 320 + turn,
        "gen_ai.usage.output_tokens": 41,
        "langfuse.observation.prompt.name": "support-answer",
        "langfuse.observation.prompt.version": mistakes && turn === 0 ? "3" : 3,
        "langfuse.observation.model.parameters": JSON.stringify({ temperature: 0.2 }),
      },
    }, ctx).end(at + 900);
    const toolCommon = mistakes && turn === 1
      ? { "langfuse.user.id": userId, "langfuse.trace.name": "support-turn" }
      : common;
    tracer.startSpan("lookup-order", {
      startTime: at + 950,
      attributes: {
        ...toolCommon,
        ...tags,
        "langfuse.observation.type": "tool",
        "langfuse.observation.input": JSON.stringify({ order: turn + 1 }),
        "langfuse.observation.output": JSON.stringify({ status: "in_transit" }),
      },
    }, ctx).end(at + 1_200);
    root.end(at + 1_500);
  }
  await provider.forceFlush();
  await provider.shutdown();
}

/** The conversation's spans as ended, for serialising them by hand. */
export async function sdkConversationSpans(
  options: SdkConversationOptions = {},
): Promise<ReadableSpan[]> {
  const ended: ReadableSpan[] = [];
  await sdkConversation([{
    onStart() {},
    onEnd: (span: ReadableSpan) => void ended.push(span),
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  }], options);
  return ended;
}
