/**
 * Test helper: a support conversation made with Langfuse's own JS SDK (`@langfuse/tracing` and
 * `@langfuse/otel` 5), the way a team instrumented with it sends spans: trace attributes through
 * `propagateAttributes` (the SDK writes the user and session as `user.id` and `session.id`),
 * the root observation's input the app's request, the user's message and the answer on the
 * trace with `setTraceIO` (what Langfuse v3 and trace evaluators read as the trace's input), the
 * trace made public, a generation and a tool under the root. Exported by the SDK's
 * `LangfuseSpanProcessor` over HTTP to `{baseUrl}/api/public/otel/v1/traces`.
 */
import { context } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { LangfuseSpanProcessor } from "@langfuse/otel";
import {
  propagateAttributes,
  setLangfuseTracerProvider,
  startObservation,
} from "@langfuse/tracing";

/** Options for {@link langfuseSdkConversation}. */
export interface LangfuseSdkConversationOptions {
  /** Where the SDK sends, e.g. an OTLP receiver's base URL; required. */
  baseUrl: string;
  /** Default 2. */
  turns?: number;
}

/** What each turn of the conversation carries, for tests to compare with. */
export const LANGFUSE_SDK_TURN = {
  sessionId: "chat-5120",
  userId: "user-bruno",
  traceName: "support-chat",
  tags: ["support", "sdk"],
  metadata: { tier: "gold", channel: "web" },
  version: "2.3.0",
  environment: "staging",
  /** The user's message of turn `t` (from 0), set with setTraceIO. */
  question: (t: number) => `Where is order ${4411 + t}?`,
  answer: "It left the warehouse this morning.",
  /** The app's own request, the root observation's input. */
  request: (t: number) => ({ route: "/chat", turn: t + 1 }),
} as const;

/** Emits the conversation with the Langfuse SDK, flushes and shuts its provider down. */
export async function langfuseSdkConversation(
  options: LangfuseSdkConversationOptions,
): Promise<void> {
  // The SDK propagates attributes through the OpenTelemetry context; a second registration is
  // refused, which is fine: the pipeline registers the same kind of manager.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const processor = new LangfuseSpanProcessor({
    publicKey: "pk-lf-sdk-test",
    secretKey: "sk-lf-sdk-test",
    baseUrl: options.baseUrl,
    environment: LANGFUSE_SDK_TURN.environment,
    mediaUploadEnabled: false,
  });
  const provider = new NodeTracerProvider({ spanProcessors: [processor] });
  setLangfuseTracerProvider(provider);
  const t = LANGFUSE_SDK_TURN;
  try {
    for (let turn = 0; turn < (options.turns ?? 2); turn++) {
      propagateAttributes({
        sessionId: t.sessionId,
        userId: t.userId,
        traceName: t.traceName,
        tags: [...t.tags],
        metadata: { ...t.metadata },
        version: t.version,
      }, () => {
        const root = startObservation("handle-message", { input: t.request(turn) });
        root.setTraceIO({ input: t.question(turn), output: t.answer });
        root.setTraceAsPublic();
        root.startObservation("lookup-order", {
          input: { order: 4411 + turn },
          output: { status: "in_transit" },
        }, { asType: "tool" }).end();
        root.startObservation("answer", {
          model: "gpt-4o-mini",
          input: [{ role: "user", content: t.question(turn) }],
          output: { role: "assistant", content: t.answer },
          usageDetails: { input: 210, output: 14 },
        }, { asType: "generation" }).end();
        root.update({ output: { status: 200 } });
        root.end();
      });
    }
    await processor.forceFlush();
  } finally {
    setLangfuseTracerProvider(null);
    await provider.shutdown();
  }
}
