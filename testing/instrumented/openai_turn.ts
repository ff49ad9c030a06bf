/**
 * Test support: one turn of the support conversation with the `openai` client: the model asks
 * for `lookup_order`, the app runs it, the model answers. Shared by the drivers that instrument
 * the client itself (OpenInference, GenAI semantic conventions, Langfuse's SDK).
 */
import type OpenAI from "openai";
import type { ChatCompletion, ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { LOOKUP_ORDER_PARAMETERS, SUPPORT } from "./support_turns.ts";

/** Options for {@link chatTurn}. */
export interface ChatTurnOptions {
  client: OpenAI;
  /** The conversation so far, ending with the user's message. */
  messages: ChatCompletionMessageParam[];
  /** Runs the tool (possibly inside a span of the app's). */
  lookup: (order: string) => unknown;
  /**
   * Called before each completion with its messages, e.g. to start a generation; the function
   * it answers is called with the completion.
   */
  onRequest?: (request: ChatCompletionMessageParam[]) => (answer: ChatCompletion) => void;
}

/** Runs the turn; answers the messages it added (the tool call, the tool's result, the answer). */
export async function chatTurn(options: ChatTurnOptions): Promise<ChatCompletionMessageParam[]> {
  const added: ChatCompletionMessageParam[] = [];
  for (let step = 0; step < 3; step++) {
    const request = [...options.messages, ...added];
    const done = options.onRequest?.(request);
    const answer = await options.client.chat.completions.create({
      model: SUPPORT.model,
      messages: request,
      temperature: 0.2,
      tools: [{
        type: "function",
        function: {
          name: SUPPORT.tool,
          description: "Looks an order up in the shop's order service.",
          parameters: { ...LOOKUP_ORDER_PARAMETERS },
        },
      }],
    });
    done?.(answer);
    const message = answer.choices[0].message;
    added.push(message);
    const calls = message.tool_calls ?? [];
    if (calls.length === 0) return added;
    for (const call of calls) {
      if (call.type !== "function") continue;
      const { order } = JSON.parse(call.function.arguments) as { order: string };
      const result = await options.lookup(order);
      added.push({ role: "tool", tool_call_id: call.id, content: JSON.stringify(result) });
    }
  }
  return added;
}
