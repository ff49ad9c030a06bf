/**
 * Chat-shaped sessions: a turn's main generation carries the conversation so far, as a chat
 * agent sends it, so Langfuse's session page reads as a conversation and input tokens grow turn
 * by turn. Scripts write each turn once; the planner assembles the history here. Pure.
 */
import type { StepInput, TurnInput } from "../script/schema.ts";
import type { Cost, Json, ObservationPlan } from "./types.ts";

/** A chat message as a generation's input holds it. */
export interface ChatMessage {
  [key: string]: Json;
  role: "system" | "user" | "assistant" | "tool";
  content: Json;
}

/**
 * Tokens a message adds to a prompt, estimated: its content's characters / 4 (rounded up; JSON
 * content counts as its JSON text) plus 4 for the message's framing (role, separators), which
 * is about what OpenAI's chat format costs. Good enough for growth, not a tokenizer.
 */
export function messageTokens(message: ChatMessage): number {
  const text = typeof message.content === "string"
    ? message.content
    : JSON.stringify(message.content);
  return Math.ceil(text.length / 4) + MESSAGE_FRAMING_TOKENS;
}

/** Tokens of a message's framing in `messageTokens`. */
export const MESSAGE_FRAMING_TOKENS = 4;

/**
 * The turn's main generation: the one marked `main: true`, else the turn's last generation in
 * document order (a parent before its children); undefined when the turn has none.
 */
export function mainGeneration(turn: Pick<TurnInput, "steps">): StepInput | undefined {
  let last: StepInput | undefined;
  const visit = (steps: StepInput[]): StepInput | undefined => {
    for (const step of steps) {
      if (step.type === "generation") {
        if (step.main) return step;
        last = step;
      }
      const marked = visit(step.steps ?? []);
      if (marked) return marked;
    }
    return undefined;
  };
  return visit(turn.steps) ?? last;
}

/** The turn's history messages: what the user said and what the agent answered. */
export function turnMessages(input: Json | undefined, output: Json | undefined): ChatMessage[] {
  return [
    { role: "user", content: input ?? null },
    { role: "assistant", content: output ?? null },
  ];
}

/**
 * Puts the conversation so far into a main generation's messages: its system message(s) first,
 * then `history` (earlier turns' user and assistant messages, in order), then its own other
 * messages (this turn's user message, tool messages). Only a generation whose input is its
 * `messages` (a list) changes. The history's estimated tokens (`messageTokens`) are added to
 * the sampled input usage; with a `price` the cost follows the new usage, a fixed `cost` stays
 * as the script gives it.
 */
export function withHistory(
  observation: ObservationPlan,
  step: StepInput,
  history: ChatMessage[],
): void {
  if (history.length === 0 || !step.messages || step.input !== undefined) return;
  if (!Array.isArray(observation.input)) return;
  const own = observation.input;
  const isSystem = (message: Json) =>
    message !== null && typeof message === "object" && !Array.isArray(message) &&
    message.role === "system";
  observation.input = [
    ...own.filter(isSystem),
    ...history,
    ...own.filter((message) => !isSystem(message)),
  ];
  if (!observation.usage) return;
  const extra = history.reduce((sum, message) => sum + messageTokens(message), 0);
  const input = observation.usage.input + extra;
  observation.usage = {
    input,
    output: observation.usage.output,
    total: input + observation.usage.output,
  };
  if (step.price) {
    observation.cost = roundedCost(
      input * step.price.input / 1e6,
      observation.usage.output * step.price.output / 1e6,
    );
  }
}

/** A cost in USD rounded to a nano-dollar, so float noise stays out of payloads and reports. */
export function roundedCost(input: number, output: number): Cost {
  const round = (usd: number) => Math.round(usd * 1e9) / 1e9;
  return { input: round(input), output: round(output), total: round(input + output) };
}
