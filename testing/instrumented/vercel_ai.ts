/**
 * Test support: the support conversation with the Vercel AI SDK (`ai` 6) and its OpenAI provider
 * (`@ai-sdk/openai`, chat completions) against the fake provider, telemetry on the way a team
 * turns it on: `experimental_telemetry` with a `functionId` and the session, user and tags in
 * `metadata` (Langfuse reads `ai.telemetry.metadata.sessionId`, `userId` and `tags`). The
 * tracer is the provider's tracer named "ai", the scope the SDK uses by default.
 */
import { createOpenAI } from "@ai-sdk/openai";
import { generateText, type ModelMessage, stepCountIs, tool } from "ai";
import { z } from "zod";
import { type DriveOptions, otlpTracerProvider } from "./capture.ts";
import { lookupOrder, SUPPORT } from "./support_turns.ts";

/** Drives the three turns with `generateText`, one call per turn, tool calls included. */
export async function vercelAiConversation(options: DriveOptions): Promise<void> {
  const provider = otlpTracerProvider(options.otlpUrl);
  const openai = createOpenAI({ baseURL: options.providerUrl, apiKey: "sk-fake" });
  const tools = {
    [SUPPORT.tool]: tool({
      description: "Looks an order up in the shop's order service.",
      inputSchema: z.object({ order: z.string() }),
      execute: ({ order }) => lookupOrder(order),
    }),
  };
  const messages: ModelMessage[] = [];
  try {
    for (let turn = 0; turn < SUPPORT.turns; turn++) {
      messages.push({ role: "user", content: SUPPORT.question(turn) });
      const result = await generateText({
        model: openai.chat(SUPPORT.model),
        system: SUPPORT.system,
        messages,
        tools,
        stopWhen: stepCountIs(3),
        experimental_telemetry: {
          isEnabled: true,
          functionId: SUPPORT.functionId,
          metadata: {
            sessionId: SUPPORT.sessionId,
            userId: SUPPORT.userId,
            tags: [...SUPPORT.tags],
          },
          tracer: provider.getTracer("ai"),
        },
      });
      messages.push(...result.response.messages);
    }
  } finally {
    await provider.forceFlush();
    await provider.shutdown();
  }
}
