/**
 * Chat-shaped sessions: a turn's main generation carries the conversation so far, as a chat
 * agent sends it, so Langfuse's session page reads as a conversation and input tokens grow turn
 * by turn. Scripts write each turn once; the planner assembles the history here. Pure.
 */
import type { StepInput, TurnInput } from "../script/schema.ts";
import type { Json, ObservationPlan } from "./types.ts";

/** A chat message as a generation's input holds it. */
export interface ChatMessage {
  [key: string]: Json;
  role: "system" | "developer" | "user" | "assistant" | "tool";
  content: Json;
}

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

/** Whether a message gives the model its instructions: a system or developer message. */
export function isInstruction(message: Json): boolean {
  return message !== null && typeof message === "object" && !Array.isArray(message) &&
    (message.role === "system" || message.role === "developer");
}

/**
 * Puts the conversation so far into a main generation's messages: its system and developer
 * message(s) first (its linked prompt's, or its own), then `history` (earlier turns' user and
 * assistant messages, in order), then its other messages (this turn's user message, tool
 * messages). Only a generation whose input is a list of messages changes. Returns the messages
 * put in (none when nothing changed): a counted input counts them with the rest, a fixed
 * `usage.input` gets their tokens.
 */
export function withHistory(
  observation: ObservationPlan,
  step: StepInput,
  history: ChatMessage[],
): ChatMessage[] {
  if (history.length === 0 || step.input !== undefined) return [];
  if (!Array.isArray(observation.input)) return [];
  const own = observation.input;
  observation.input = [
    ...own.filter(isInstruction),
    ...history,
    ...own.filter((message) => !isInstruction(message)),
  ];
  return history.slice();
}
