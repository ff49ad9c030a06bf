/**
 * Test support: the 3-turn order-status conversation every instrumented library drives, and what
 * each turn carries (session, user, tags), so the tests can compare what Langfuse makes of it.
 * Each turn: the user asks, the model calls `lookup_order`, the tool answers, the model answers.
 */

/** What the conversation carries, for the drivers to send and the tests to expect. */
export const SUPPORT = {
  sessionId: "chat-7731",
  userId: "user-carmen",
  tags: ["support", "order-status"],
  /** The app's name for one turn (Vercel's functionId, the root span's name elsewhere). */
  functionId: "support-turn",
  model: "gpt-4o-mini",
  system: "You are a support agent for an online shop. Look orders up before answering.",
  /** The user's message of turn `t` (from 0). */
  question: (t: number) => `Where is my order ${orderId(t)}?`,
  /** The tool's name, as the model calls it. */
  tool: "lookup_order",
  turns: 3,
} as const;

/** The order a turn asks about. */
export function orderId(turn: number): string {
  return `A-${1041 + turn}`;
}

/** What the shop's order service says about an order. */
export interface OrderStatus {
  order: string;
  status: string;
  eta: string;
}

/**
 * The tool: asks the shop's order service, which takes {@link TOOL_MS}. The wait keeps the
 * observations of a turn at distinct start times, so their order is the order they ran in.
 */
export async function lookupOrder(order: string): Promise<OrderStatus> {
  await new Promise((resolve) => setTimeout(resolve, TOOL_MS));
  return { order, status: "in_transit", eta: "2026-12-10" };
}

/** How long the order service takes, ms. */
export const TOOL_MS = 5;

/** How long the fake provider takes to answer a completion, ms. */
export const COMPLETION_MS = 15;

/** The tool's parameters as a JSON Schema (what the OpenAI API takes). */
export const LOOKUP_ORDER_PARAMETERS = {
  type: "object",
  properties: { order: { type: "string", description: "The order id, e.g. A-1041" } },
  required: ["order"],
  additionalProperties: false,
} as const;

/** The provider's token usage per call: the tool-call answer, then the final answer. */
export const USAGE = {
  toolCall: { prompt: 182, completion: 19, cached: 128, reasoning: 0 },
  answer: { prompt: 231, completion: 27, cached: 128, reasoning: 12 },
} as const;
