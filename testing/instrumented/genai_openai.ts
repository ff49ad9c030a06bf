/**
 * Test support: the support conversation with the `openai` client instrumented by
 * `@opentelemetry/instrumentation-openai` (OpenTelemetry GenAI semantic conventions: a CLIENT
 * span "chat {model}" per completion with `gen_ai.*` attributes; message content goes to log
 * events, not spans). The instrumentation makes no agent or tool spans, so the app makes them
 * as the conventions describe: a root "invoke_agent" span carrying `gen_ai.conversation.id` (the
 * session) and `user.id`, and an "execute_tool" span. The conventions have no tags.
 *
 * ES modules cannot be patched on import under Deno and Bun, so the client module is patched
 * through the instrumentation's own module definition, and unpatched after.
 */
import { context, SpanKind, SpanStatusCode } from "@opentelemetry/api";
import * as openaiModule from "openai";
import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { OpenAIInstrumentation } from "@opentelemetry/instrumentation-openai";
import { type DriveOptions, otlpTracerProvider, SERVICE_NAME } from "./capture.ts";
import { chatTurn } from "./openai_turn.ts";
import { lookupOrder, SUPPORT } from "./support_turns.ts";

/** Drives the three turns, one agent span per turn with the client's chat spans and a tool span. */
export async function genAiConversation(options: DriveOptions): Promise<void> {
  const provider = otlpTracerProvider(options.otlpUrl);
  // Enabled (its spans are made only then); its import hooks find nothing under Deno or Bun.
  const instrumentation = new OpenAIInstrumentation({ captureMessageContent: true });
  instrumentation.setTracerProvider(provider);
  const [definition] = instrumentation.getModuleDefinitions();
  definition.patch?.(openaiModule);
  const client = new openaiModule.OpenAI({ baseURL: options.providerUrl, apiKey: "sk-fake" });
  const tracer = provider.getTracer(SERVICE_NAME);
  const lookup = (order: string) =>
    tracer.startActiveSpan(`execute_tool ${SUPPORT.tool}`, {
      kind: SpanKind.INTERNAL,
      attributes: {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": SUPPORT.tool,
        "gen_ai.tool.type": "function",
        "gen_ai.tool.call.arguments": JSON.stringify({ order }),
      },
    }, async (span) => {
      const result = await lookupOrder(order);
      span.setAttribute("gen_ai.tool.call.result", JSON.stringify(result));
      span.end();
      return result;
    });
  const messages: ChatCompletionMessageParam[] = [{ role: "system", content: SUPPORT.system }];
  try {
    for (let turn = 0; turn < SUPPORT.turns; turn++) {
      messages.push({ role: "user", content: SUPPORT.question(turn) });
      const added = await tracer.startActiveSpan(
        `invoke_agent ${SUPPORT.functionId}`,
        {
          kind: SpanKind.INTERNAL,
          attributes: {
            "gen_ai.operation.name": "invoke_agent",
            "gen_ai.agent.name": SUPPORT.functionId,
            "gen_ai.provider.name": "openai",
            "gen_ai.conversation.id": SUPPORT.sessionId,
            "user.id": SUPPORT.userId,
          },
        },
        context.active(),
        async (span) => {
          try {
            return await chatTurn({ client, messages: [...messages], lookup });
          } catch (error) {
            span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
            throw error;
          } finally {
            span.end();
          }
        },
      );
      messages.push(...added);
    }
  } finally {
    definition.unpatch?.(openaiModule);
    instrumentation.disable();
    await provider.forceFlush();
    await provider.shutdown();
  }
}
