/**
 * Test support: the support conversation with the `openai` client instrumented by OpenInference
 * (`@arizeai/openinference-instrumentation-openai`), the app's own agent and tool spans made with
 * OpenInference's helpers (`traceAgent`, `traceTool`), and the session, user and tags set the
 * OpenInference way: `setSession`, `setUser` and `setTags` on the context, which its tracer
 * writes as `session.id`, `user.id` and `tag.tags` on every span below.
 *
 * ES modules cannot be patched on import under Deno and Bun (nor without a loader under
 * Node), so the client is instrumented with `manuallyInstrument`, as OpenInference documents
 * for ESM, and unpatched after.
 */
import { context } from "@opentelemetry/api";
import OpenAI from "openai";
import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { OpenAIInstrumentation } from "@arizeai/openinference-instrumentation-openai";
import { setSession, setTags, setUser, traceAgent, traceTool } from "@arizeai/openinference-core";
import { type DriveOptions, otlpTracerProvider, SERVICE_NAME } from "./capture.ts";
import { chatTurn } from "./openai_turn.ts";
import { lookupOrder, SUPPORT } from "./support_turns.ts";

/** Drives the three turns, one agent span per turn with the client's LLM spans and a tool span. */
export async function openInferenceConversation(options: DriveOptions): Promise<void> {
  const provider = otlpTracerProvider(options.otlpUrl);
  const instrumentation = new OpenAIInstrumentation({
    instrumentationConfig: { enabled: false },
    tracerProvider: provider,
  });
  instrumentation.manuallyInstrument(OpenAI);
  const client = new OpenAI({ baseURL: options.providerUrl, apiKey: "sk-fake" });
  const tracer = provider.getTracer(SERVICE_NAME);
  const lookup = traceTool((order: string) => lookupOrder(order), { name: SUPPORT.tool, tracer });
  const agent = traceAgent(
    (messages: ChatCompletionMessageParam[]) => chatTurn({ client, messages, lookup }),
    { name: SUPPORT.functionId, tracer },
  );
  const messages: ChatCompletionMessageParam[] = [{ role: "system", content: SUPPORT.system }];
  try {
    for (let turn = 0; turn < SUPPORT.turns; turn++) {
      messages.push({ role: "user", content: SUPPORT.question(turn) });
      let ctx = setSession(context.active(), { sessionId: SUPPORT.sessionId });
      ctx = setUser(ctx, { userId: SUPPORT.userId });
      ctx = setTags(ctx, [...SUPPORT.tags]);
      messages.push(...await context.with(ctx, () => agent([...messages])));
    }
  } finally {
    instrumentation.disable();
    await provider.forceFlush();
    await provider.shutdown();
  }
}
