/**
 * Test support: the support conversation with Langfuse's own JS SDK (`@langfuse/tracing` and
 * `@langfuse/otel` 5) around the plain `openai` client: trace attributes through
 * `propagateAttributes` (session, user, tags, trace name), an agent observation per turn with a
 * generation per completion (model, parameters, usage details as OpenAI reports them: cached
 * input and reasoning output apart) and a tool observation. Exported by the SDK's
 * `LangfuseSpanProcessor` to `{otlpUrl}/api/public/otel/v1/traces`.
 */
import OpenAI from "openai";
import type { ChatCompletion, ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { LangfuseSpanProcessor } from "@langfuse/otel";
import {
  type LangfuseAgent,
  propagateAttributes,
  setLangfuseTracerProvider,
  startObservation,
} from "@langfuse/tracing";
import type { DriveOptions } from "./capture.ts";
import { chatTurn } from "./openai_turn.ts";
import { lookupOrder, SUPPORT } from "./support_turns.ts";

/** Drives the three turns, one agent observation per turn. */
export async function langfuseSdkConversation(options: DriveOptions): Promise<void> {
  const processor = new LangfuseSpanProcessor({
    publicKey: "pk-lf-dialects",
    secretKey: "sk-lf-dialects",
    baseUrl: options.otlpUrl,
    mediaUploadEnabled: false,
  });
  const provider = new NodeTracerProvider({ spanProcessors: [processor] });
  setLangfuseTracerProvider(provider);
  const client = new OpenAI({ baseURL: options.providerUrl, apiKey: "sk-fake" });
  const messages: ChatCompletionMessageParam[] = [{ role: "system", content: SUPPORT.system }];
  try {
    for (let turn = 0; turn < SUPPORT.turns; turn++) {
      const question = SUPPORT.question(turn);
      messages.push({ role: "user", content: question });
      const added = await propagateAttributes({
        sessionId: SUPPORT.sessionId,
        userId: SUPPORT.userId,
        tags: [...SUPPORT.tags],
        traceName: SUPPORT.functionId,
      }, async () => {
        const root = startObservation(SUPPORT.functionId, { input: question }, { asType: "agent" });
        const added = await chatTurn({
          client,
          messages: [...messages],
          lookup: async (order) => {
            const tool = root.startObservation(SUPPORT.tool, { input: { order } }, {
              asType: "tool",
            });
            const result = await lookupOrder(order);
            tool.update({ output: result }).end();
            return result;
          },
          onRequest: (request) => startGeneration(root, request),
        });
        root.update({ output: added.at(-1)?.content ?? null }).end();
        return added;
      });
      messages.push(...added);
    }
    await processor.forceFlush();
  } finally {
    setLangfuseTracerProvider(null);
    await provider.shutdown();
  }
}

/**
 * A generation started before the completion and ended with it, its usage the way Langfuse's
 * OpenAI integration records it: cached input and reasoning output apart from the rest.
 */
function startGeneration(
  root: LangfuseAgent,
  request: ChatCompletionMessageParam[],
): (answer: ChatCompletion) => void {
  const generation = root.startObservation(`chat ${SUPPORT.model}`, {
    model: SUPPORT.model,
    modelParameters: { temperature: 0.2 },
    input: request,
  }, { asType: "generation" });
  return (answer) => {
    const usage = answer.usage;
    const cached = usage?.prompt_tokens_details?.cached_tokens ?? 0;
    const reasoning = usage?.completion_tokens_details?.reasoning_tokens ?? 0;
    generation.update({
      model: answer.model,
      output: answer.choices[0].message,
      usageDetails: usage
        ? {
          input: usage.prompt_tokens - cached,
          input_cached_tokens: cached,
          output: usage.completion_tokens - reasoning,
          output_reasoning_tokens: reasoning,
          total: usage.total_tokens,
        }
        : undefined,
    }).end();
  };
}
