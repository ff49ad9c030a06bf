/**
 * The script format's prompt pieces: top-level `prompts:` (inline declarations, or the path of
 * a YAML file of them relative to the script) and a generation's `prompt:` (the name of a
 * declared prompt, or `{ name, version }` for a prompt that already exists in Langfuse). The
 * rules are Langfuse's own for `POST /api/public/v2/prompts` (v4.16.0; see
 * `fixtures/langfuse/review/README.md`, rules 1, 2 and 7), so a script Langfuse would refuse
 * fails validation before anything is sent.
 */
import { z } from "zod";

/** Names Langfuse keeps for its own routes (rule 2). */
const RESERVED_NAMES = ["new", "metrics", "prompt-detail"];

/** Langfuse's prompt name rule, as one problem or undefined. */
export function promptNameProblem(name: string): string | undefined {
  if (name.trim() !== name) return "must not start or end with spaces";
  if (name.length === 0) return "must not be empty";
  if (/<[^>]*>/.test(name)) return "must not contain HTML tags";
  if (name.includes("|")) return 'must not contain "|"';
  if (name.startsWith("/") || name.endsWith("/")) return 'must not start or end with "/"';
  if (name.includes("//")) return 'must not contain "//"';
  if (RESERVED_NAMES.includes(name)) return `must not be ${RESERVED_NAMES.join(", ")}`;
  return undefined;
}

/** A prompt name as Langfuse takes it; slashes make folders (`support/answer`). */
export const PromptName = z.string().max(200).superRefine((name, ctx) => {
  const problem = promptNameProblem(name);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
}).describe("A Langfuse prompt name; slashes make folders");

const Label = z.string().regex(/^[a-z0-9_\-.]{1,36}$/, {
  error: "must be 1-36 characters of a-z, 0-9, _, - and .",
});

const PLACEHOLDER = /^[a-zA-Z][a-zA-Z0-9_]*$/;

/** A chat prompt's message: a role and its text, or a placeholder for messages given later. */
const ChatMessage = z.union([
  z.strictObject({ role: z.string().min(1), content: z.string() }),
  z.strictObject({
    type: z.literal("placeholder"),
    name: z.string().regex(PLACEHOLDER, { error: "must be a letter then letters, digits or _" }),
  }),
]).describe("{ role, content } with {{variables}}, or { type: placeholder, name }");

/** A chat prompt message as declared. */
export type ChatMessageInput = z.infer<typeof ChatMessage>;

/** One declared prompt: created in Langfuse before the first span unless a version matches. */
export const PromptDeclaration = z.strictObject({
  name: PromptName,
  type: z.enum(["text", "chat"]).default("text").describe("text (default) or chat"),
  prompt: z.union([z.string().min(1), z.array(ChatMessage).min(1)]).describe(
    "The text (type text) or the messages (type chat); {{variables}} are kept as written",
  ),
  labels: z.array(Label).max(20).default([]).describe(
    "Labels a new version gets (Langfuse adds latest and moves each label off older versions); " +
      "default none, so a run never moves a label such as production",
  ),
  config: z.record(z.string(), z.json()).default({}).describe(
    "The prompt's config, e.g. { model: gpt-4o, temperature: 0.3 }; part of its content",
  ),
  tags: z.array(z.string().min(1).max(100)).max(20).optional().describe(
    "Tags of the prompt (Langfuse puts them on every version) when a version is created",
  ),
  commitMessage: z.string().max(500).optional().describe("Commit message of a new version"),
}).superRefine((prompt, ctx) => {
  const chat = Array.isArray(prompt.prompt);
  if (prompt.type === "chat" && !chat) {
    ctx.addIssue({
      code: "custom",
      path: ["prompt"],
      message: "must be a list of messages for a chat prompt",
    });
  }
  if (prompt.type === "text" && chat) {
    ctx.addIssue({
      code: "custom",
      path: ["prompt"],
      message: "must be text for a text prompt (give type: chat for messages)",
    });
  }
  if (Array.isArray(prompt.prompt)) {
    // Langfuse refuses a {{variable}} named like a placeholder (rule 7).
    const placeholders = new Set(
      prompt.prompt.flatMap((message) => "name" in message ? [message.name] : []),
    );
    const clashes = [
      ...new Set(
        prompt.prompt.flatMap((message) =>
          "content" in message ? variablesOf(message.content) : []
        ),
      ),
    ].filter((name) => placeholders.has(name));
    if (clashes.length > 0) {
      ctx.addIssue({
        code: "custom",
        path: ["prompt"],
        message: `uses ${clashes.join(", ")} both as {{variable}} and as placeholder name`,
      });
    }
  }
});

/** A validated prompt declaration. */
export type PromptDeclarationInput = z.infer<typeof PromptDeclaration>;

/** The `{{name}}` variables of a prompt text. */
export function variablesOf(text: string): string[] {
  return [...text.matchAll(/\{\{\s*([^{}\s]+)\s*\}\}/g)].map((match) => match[1]);
}

/** Top-level `prompts:`: inline declarations, or a YAML file of them relative to the script. */
export const Prompts = z.union([
  z.array(PromptDeclaration),
  z.string().regex(/\.ya?ml$/, { error: "must be the path of a .yaml file of prompts" }),
]).describe(
  "Prompts the generations use, created in Langfuse before the first span when missing: a " +
    "list, or the path of a YAML file with a prompts: list (relative to this script)",
);

/** A file of prompts that scripts share: `prompts: [...]`. */
export const PromptsFile = z.strictObject({ prompts: z.array(PromptDeclaration).min(1) });

/** A generation's prompt: a declared prompt's name, or `{ name, version }` already in Langfuse. */
export const PromptRef = z.union([
  PromptName,
  z.strictObject({ name: PromptName, version: z.int().positive() }),
]).describe(
  "The name of a prompt declared under prompts: (its version is resolved in Langfuse), or " +
    "{ name, version } of a prompt that already exists there",
);

/** A generation's prompt reference as declared. */
export type PromptRefInput = z.infer<typeof PromptRef>;

interface StepLike {
  prompt?: PromptRefInput;
  steps?: StepLike[];
}

/** Every generation's prompt given by name, with its path in the script. */
export function* promptNameRefs(
  turns: readonly { steps: readonly StepLike[] }[],
): Generator<{ name: string; path: PropertyKey[] }> {
  for (const [t, turn] of turns.entries()) {
    const stack = turn.steps.map((step, s) => ({ step, path: ["turns", t, "steps", s] }));
    while (stack.length > 0) {
      const { step, path } = stack.pop()!;
      if (typeof step.prompt === "string") yield { name: step.prompt, path: [...path, "prompt"] };
      for (const [c, child] of (step.steps ?? []).entries()) {
        stack.push({ step: child, path: [...path, "steps", c] });
      }
    }
  }
}

/**
 * Problems with the prompts of a script: a name declared twice, and a generation naming a
 * prompt that is not declared. `declared` defaults to the inline declarations (a path is
 * checked by the loader once the file is read).
 */
export function promptProblems(
  script: { prompts?: PromptDeclarationInput[] | string; turns: { steps: StepLike[] }[] },
  declared?: readonly string[],
): { path: PropertyKey[]; message: string }[] {
  const problems: { path: PropertyKey[]; message: string }[] = [];
  if (Array.isArray(script.prompts)) {
    const seen = new Set<string>();
    for (const [i, prompt] of script.prompts.entries()) {
      if (seen.has(prompt.name)) {
        problems.push({ path: ["prompts", i, "name"], message: `declares "${prompt.name}" twice` });
      }
      seen.add(prompt.name);
    }
  } else if (declared === undefined) return problems;
  const names = new Set(
    declared ?? (script.prompts as PromptDeclarationInput[] | undefined ?? [])
      .map((p) => p.name),
  );
  for (const { name, path } of promptNameRefs(script.turns)) {
    if (names.has(name)) continue;
    problems.push({
      path,
      message: `names prompt "${name}", which is not declared under prompts:` +
        " (declare it, or give { name, version } of a prompt that exists in Langfuse)",
    });
  }
  return problems;
}
