/**
 * What a generation linked to a declared prompt must agree with: the planner renders that
 * prompt (its `{{variables}}` filled from the step's `promptVariables`) as the head of the
 * generation's input, so the link never points at text the generation did not get. A step
 * that also writes a system or developer message, leaves a variable out, gives one the
 * prompt does not have, or replaces its messages with `input` is refused at its place.
 */
import type { PathProblem } from "./errors.ts";
import { type PromptDeclarationInput, variablesOf } from "./schema_prompts.ts";

/** The fields of a step the checks read. */
interface LinkedStep {
  type: string;
  prompt?: string | { name: string; version: number };
  promptVariables?: Record<string, unknown>;
  messages?: readonly { role: string }[];
  input?: unknown;
  steps?: readonly LinkedStep[];
}

/** The `{{variables}}` a declared prompt uses, each once, in order of first use. */
export function promptVariableNames(prompt: PromptDeclarationInput): string[] {
  const texts = typeof prompt.prompt === "string"
    ? [prompt.prompt]
    : prompt.prompt.flatMap((message) => "content" in message ? [message.content] : []);
  return [...new Set(texts.flatMap(variablesOf))];
}

/** The placeholder names of a chat prompt, in order; none for a text prompt. */
export function placeholderNames(prompt: PromptDeclarationInput): string[] {
  return typeof prompt.prompt === "string"
    ? []
    : prompt.prompt.flatMap((message) => "name" in message ? [message.name] : []);
}

/**
 * Problems of the generations linked to `declared` prompts (by name), with paths from the
 * script's root; `promptVariables` on a step that links no declared prompt is one too.
 */
export function promptLinkProblems(
  turns: readonly { steps: readonly LinkedStep[] }[],
  declared: readonly PromptDeclarationInput[],
): PathProblem[] {
  const byName = new Map(declared.map((prompt) => [prompt.name, prompt]));
  const problems: PathProblem[] = [];
  for (const [t, turn] of turns.entries()) {
    const stack = turn.steps.map((step, s) => ({ step, path: ["turns", t, "steps", s] }));
    while (stack.length > 0) {
      const { step, path } = stack.pop()!;
      const prompt = typeof step.prompt === "string" ? byName.get(step.prompt) : undefined;
      if (prompt) problems.push(...linkProblems(step, prompt, path));
      else if (step.promptVariables !== undefined && typeof step.prompt !== "string") {
        problems.push({
          path: [...path, "promptVariables"],
          message: "fill the variables of a declared prompt: link one with prompt: <name>",
        });
      }
      for (const [c, child] of (step.steps ?? []).entries()) {
        stack.push({ step: child, path: [...path, "steps", c] });
      }
    }
  }
  return problems;
}

function linkProblems(
  step: LinkedStep,
  prompt: PromptDeclarationInput,
  path: PropertyKey[],
): PathProblem[] {
  const problems: PathProblem[] = [];
  const name = `"${prompt.name}"`;
  for (const [m, message] of (step.messages ?? []).entries()) {
    if (message.role !== "system" && message.role !== "developer") continue;
    problems.push({
      path: [...path, "messages", m],
      message: `duplicates the linked prompt ${name}; remove it (the prompt's text is the ` +
        "generation's instructions)",
    });
  }
  if (step.input !== undefined) {
    problems.push({
      path: [...path, "input"],
      message: `replaces the linked prompt ${name} and its messages; write messages instead ` +
        "(they follow the prompt's)",
    });
  }
  const variables = promptVariableNames(prompt);
  const given = Object.keys(step.promptVariables ?? {});
  const missing = variables.filter((variable) => !given.includes(variable));
  if (missing.length > 0) {
    problems.push({
      path: [...path, "prompt"],
      message: `links prompt ${name}, which uses ${
        missing.map((variable) => `{{${variable}}}`).join(", ")
      }; give ${missing.length === 1 ? "it" : "them"} under promptVariables`,
    });
  }
  for (const key of given.filter((variable) => !variables.includes(variable))) {
    problems.push({
      path: [...path, "promptVariables", key],
      key: true,
      message: `is not a variable of prompt ${name} (${
        variables.length > 0 ? `it has ${variables.join(", ")}` : "it has none"
      })`,
    });
  }
  const placeholders = placeholderNames(prompt);
  if (placeholders.length > 1) {
    problems.push({
      path: [...path, "prompt"],
      message: `links chat prompt ${name}, which has ${placeholders.length} placeholders ` +
        `(${placeholders.join(", ")}); the generation's messages fill one, so declare one`,
    });
  }
  return problems;
}
