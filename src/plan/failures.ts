/**
 * Injected failures and what follows them. In load mode a step with `error:` fails at its rate,
 * and the failure has consequences: the step is ERROR with its error result, a retry may follow
 * it, the next generation sees the error result in its tool messages, and the turn takes the
 * failure's answer and outcome (and the conversation may end there). Pure.
 */
import type { FailureConsequenceInput, StepErrorInput } from "../script/schema.ts";
import type { Rng } from "./random.ts";
import { type Json, type ObservationPlan, preOrder } from "./types.ts";

/** What follows a step's failure in one session. */
export type Consequence = FailureConsequenceInput;

/**
 * Whether the step fails in this session, drawn at its rate from `rng`, and if so the
 * consequence: the inline one, or one of `variants` picked by weight (a second draw).
 */
export function drawFailure(error: StepErrorInput, rng: Rng): Consequence | undefined {
  if (rng.next() >= error.rate) return undefined;
  const variants = error.variants;
  if (!variants) return error;
  let draw = rng.next() * variants.reduce((sum, variant) => sum + variant.weight, 0);
  return variants.find((variant) => (draw -= variant.weight) < 0) ?? variants.at(-1)!;
}

/** The turn's outcome after a failure: as declared, else recovered by a retry, else failed. */
export function failureOutcome(consequence: Consequence): string {
  return consequence.outcome ?? (consequence.retry ? "recovered" : "failed");
}

/** A failed step as planned: its ERROR observation, and its second attempt when retried. */
export interface PlannedFailure {
  failed: ObservationPlan;
  retry?: ObservationPlan;
}

/**
 * Shows each failure to the first generation after it in the turn (document order): the tool
 * messages of that generation named after the failed step carry the error result (the step's
 * output as JSON text) instead, followed by the message of the result after a retry. A
 * generation with no such message gets the error result (and the retried one) after its last
 * tool message, or last of all. A failure no generation follows changes nothing.
 */
export function showFailures(root: ObservationPlan, failures: readonly PlannedFailure[]): void {
  if (failures.length === 0) return;
  const order = preOrder(root);
  for (const failure of failures) {
    const at = order.indexOf(failure.failed);
    const generation = order.slice(at + 1).find((obs) => obs.type === "generation");
    if (generation && Array.isArray(generation.input)) {
      generation.input = withFailure(generation.input, failure);
    }
  }
}

/** The messages with the failure's error result in place of (or before) the step's result. */
function withFailure(messages: Json[], failure: PlannedFailure): Json[] {
  const name = failure.failed.name;
  const result = (obs: ObservationPlan): Json => ({
    role: "tool",
    name,
    content: JSON.stringify(obs.output ?? null),
  });
  const named = (message: Json) =>
    message !== null && typeof message === "object" && !Array.isArray(message) &&
    message.role === "tool" && message.name === name;
  if (messages.some(named)) {
    return messages.flatMap((message) => {
      if (!named(message)) return [message];
      if (failure.retry) return [result(failure.failed), message];
      // The error result answers the same call, so the assistant's tool call stays answered.
      const id = (message as { tool_call_id?: Json }).tool_call_id;
      const failed = result(failure.failed) as Record<string, Json>;
      return [id === undefined ? failed : { role: "tool", tool_call_id: id, ...failed }];
    });
  }
  const added = [result(failure.failed), ...(failure.retry ? [result(failure.retry)] : [])];
  const lastTool = messages.findLastIndex((message) =>
    message !== null && typeof message === "object" && !Array.isArray(message) &&
    message.role === "tool"
  );
  const cut = lastTool < 0 ? messages.length : lastTool + 1;
  return [...messages.slice(0, cut), ...added, ...messages.slice(cut)];
}
