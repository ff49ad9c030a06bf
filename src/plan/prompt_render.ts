/**
 * A linked prompt as the generation sends it, the way Langfuse's SDKs compile one: every
 * `{{variable}}` replaced by its value; a text prompt becomes the system message, a chat prompt
 * its messages, with the generation's own messages at its placeholder (after its messages when
 * it has none). The link then names exactly the text the generation got. Pure.
 */
import type { PromptDeclarationInput } from "../script/schema_prompts.ts";
import type { Json } from "./types.ts";

/** A `{{name}}` of a prompt, spaces inside the braces allowed; the name is captured. */
const VARIABLE = /\{\{\s*([^{}\s]+)\s*\}\}/;

/** `text` with each `{{name}}` replaced by its value; a name without one stays as written. */
export function fillVariables(text: string, variables: Readonly<Record<string, string>>): string {
  return text.replace(
    new RegExp(VARIABLE, "g"),
    (whole, name: string) => Object.hasOwn(variables, name) ? variables[name] : whole,
  );
}

/** The generation's input: the prompt filled in, and `messages` at its placeholder. */
export function promptInput(
  prompt: PromptDeclarationInput,
  variables: Readonly<Record<string, string>>,
  messages: readonly Json[],
): Json[] {
  if (typeof prompt.prompt === "string") {
    return [{ role: "system", content: fillVariables(prompt.prompt, variables) }, ...messages];
  }
  const out: Json[] = [];
  let placed = false;
  for (const message of prompt.prompt) {
    if ("name" in message) {
      // Validation allows one placeholder on a linked prompt.
      if (!placed) out.push(...messages);
      placed = true;
    } else out.push({ role: message.role, content: fillVariables(message.content, variables) });
  }
  if (!placed) out.push(...messages);
  return out;
}

/** A generation's input read back as a prompt's: the variables' values and its own messages. */
export interface PromptMatch {
  variables: Record<string, string>;
  /** The messages at the prompt's placeholder (after its messages when it has none). */
  messages: Json[];
}

/**
 * The inverse of {@link promptInput}: when `input` is `prompt` filled in around other
 * messages, the values of its variables (one per name) and those messages; else undefined.
 */
export function matchPrompt(
  prompt: PromptDeclarationInput,
  input: readonly Json[],
): PromptMatch | undefined {
  const declared = typeof prompt.prompt === "string"
    ? [{ role: "system", content: prompt.prompt }, { type: "placeholder" as const, name: "" }]
    : prompt.prompt;
  const slot = declared.findIndex((message) => "name" in message);
  const before = slot < 0 ? declared : declared.slice(0, slot);
  const after = slot < 0 ? [] : declared.slice(slot + 1);
  if (input.length < before.length + after.length) return undefined;
  const variables: Record<string, string> = {};
  const matches = (expected: (typeof declared)[number], sent: Json): boolean => {
    if ("name" in expected) return false;
    if (sent === null || typeof sent !== "object" || Array.isArray(sent)) return false;
    if (sent.role !== expected.role || typeof sent.content !== "string") return false;
    const values = fillsOf(expected.content, sent.content);
    if (!values) return false;
    for (const [name, value] of values) {
      if (Object.hasOwn(variables, name) && variables[name] !== value) return false;
      variables[name] = value;
    }
    return true;
  };
  const tail = input.length - after.length;
  if (!before.every((message, i) => matches(message, input[i]))) return undefined;
  if (!after.every((message, i) => matches(message, input[tail + i]))) return undefined;
  return { variables, messages: input.slice(before.length, tail) };
}

/** The values that fill `template`'s variables to give `text`, in order; undefined if none do. */
function fillsOf(template: string, text: string): [string, string][] | undefined {
  const names: string[] = [];
  const source = template.split(VARIABLE).map((part, i) => {
    // split() with a capture group interleaves the literal parts and the names.
    if (i % 2 === 1) {
      names.push(part);
      return "([\\s\\S]*?)";
    }
    return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }).join("");
  const match = new RegExp(`^${source}$`).exec(text);
  return match ? names.map((name, i) => [name, match[i + 1]]) : undefined;
}
