/**
 * Test support: an OpenAI-compatible provider on loopback, answering `POST
 * /v1/chat/completions` the way OpenAI does for the support conversation: a call to
 * `lookup_order` when the last message is the user's, the final answer once the tool has
 * answered; usage with cached and reasoning tokens; each answer after COMPLETION_MS. No
 * streaming.
 */
import { createServer } from "node:http";
import { closeServer, listenOnLoopback, readBody } from "../../src/http/loopback.ts";
import { COMPLETION_MS, SUPPORT, USAGE } from "./support_turns.ts";

/** A running fake provider. */
export interface FakeProvider {
  /** The OpenAI base URL, ending in `/v1`. */
  baseUrl: string;
  /** How many chat completions it answered. */
  calls(): number;
  close(): Promise<void>;
}

interface ChatMessage {
  role: string;
  content?: unknown;
}

/** Starts the provider on a free loopback port. */
export async function startFakeProvider(): Promise<FakeProvider> {
  let calls = 0;
  const server = createServer(async (req, res) => {
    const body = new TextDecoder().decode(await readBody(req));
    if (req.method !== "POST" || !req.url?.endsWith("/chat/completions")) {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: `no route for ${req.url}` } }));
      return;
    }
    calls++;
    const request = JSON.parse(body) as { model: string; messages: ChatMessage[] };
    const last = request.messages.at(-1);
    const answer = last?.role === "tool" ? finalAnswer(request, calls) : toolCall(request, calls);
    // A model takes a while; without it the spans of a turn start in the same millisecond.
    await new Promise((resolve) => setTimeout(resolve, COMPLETION_MS));
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(answer));
  });
  const url = await listenOnLoopback(server);
  return { baseUrl: `${url}/v1`, calls: () => calls, close: () => closeServer(server) };
}

function toolCall(request: { model: string; messages: ChatMessage[] }, n: number) {
  const question = String(request.messages.at(-1)?.content ?? "");
  const order = /A-\d+/.exec(question)?.[0] ?? "unknown";
  return completion(request.model, n, {
    message: {
      role: "assistant",
      content: null,
      tool_calls: [{
        id: `call_${n}`,
        type: "function",
        function: { name: SUPPORT.tool, arguments: JSON.stringify({ order }) },
      }],
    },
    finish_reason: "tool_calls",
  }, USAGE.toolCall);
}

function finalAnswer(request: { model: string; messages: ChatMessage[] }, n: number) {
  const result = String(request.messages.at(-1)?.content ?? "");
  const status = /"status":\s*"([^"]+)"/.exec(result)?.[1] ?? "unknown";
  return completion(request.model, n, {
    message: {
      role: "assistant",
      content: `Your order is ${status.replace("_", " ")} and should arrive on 10 December.`,
    },
    finish_reason: "stop",
  }, USAGE.answer);
}

function completion(
  model: string,
  n: number,
  choice: { message: Record<string, unknown>; finish_reason: string },
  usage: { prompt: number; completion: number; cached: number; reasoning: number },
) {
  return {
    id: `chatcmpl-${n}`,
    object: "chat.completion",
    created: 1_765_000_000 + n,
    model: `${model}-2024-07-18`,
    system_fingerprint: "fp_replay",
    choices: [{ index: 0, ...choice, logprobs: null }],
    usage: {
      prompt_tokens: usage.prompt,
      completion_tokens: usage.completion,
      total_tokens: usage.prompt + usage.completion,
      prompt_tokens_details: { cached_tokens: usage.cached, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: usage.reasoning, audio_tokens: 0 },
    },
  };
}
