/**
 * Reads a conversation script: YAML with positions, validated by the zod schema, templates
 * checked. Every problem is collected with its line and column before failing.
 */
import { fixedIdsInContent, oversizeContent } from "./content_checks.ts";
import { Script, type ScriptInput } from "./schema.ts";
import { promptProblems } from "./schema_prompts.ts";
import { promptLinkProblems } from "./prompt_links.ts";
import { readPromptsFile } from "./prompts_file.ts";
import { scanTemplate } from "./template.ts";
import { parseYaml, readInputText, type ValueProblem } from "./yaml.ts";

/** A validated script and the file it came from. */
export interface ScriptFile {
  file: string;
  /** Its `prompts:` are the declarations, read from `promptsFile` when it named one. */
  script: ScriptInput;
  /** The file of prompts the script named, as read. */
  promptsFile?: string;
}

/**
 * Reads and validates a script file, and the file of prompts it names (its declarations then
 * replace the path); throws ScriptError listing every problem.
 */
export async function readScriptFile(file: string): Promise<ScriptFile> {
  const text = await readInputText(file);
  const script = parseScript(text, file);
  if (typeof script.prompts !== "string") return { file, script };
  const loaded = await readPromptsFile(script.prompts, file);
  // Generations' prompt names and links are checked against the file, at their place in the
  // script.
  const names = loaded.prompts.map((prompt) => prompt.name);
  parseYaml(text, file, Script, (parsed) => [
    ...promptProblems(parsed, names),
    ...promptLinkProblems(parsed.turns, loaded.prompts),
  ]);
  return { file, script: { ...script, prompts: loaded.prompts }, promptsFile: loaded.file };
}

/**
 * Validates script text; `file` names it in errors. Throws ScriptError. Templates are checked
 * in the same pass as the schema, so every problem shows at once.
 */
export function parseScript(text: string, file: string): ScriptInput {
  return parseYaml(text, file, Script, {
    valid: (script) => [
      ...fixedIdsInContent(script, templatedStrings(script)),
      ...oversizeContent(contentFields(script)),
    ],
    raw: checkTemplates,
  }).value;
}

/**
 * Every templated string in a script, with its path. It also reads a script that failed its
 * schema (skipping what is not where content belongs), so template problems are reported with
 * the schema's.
 */
export function* templatedStrings(
  script: ScriptInput | unknown,
): Generator<{ path: PropertyKey[]; text: string }> {
  for (const { path, value } of contentFields(script)) yield* strings(value, path);
}

/**
 * Every field of a script that becomes content (persona values, vars, finding variants, turn
 * and step inputs and outputs, failure answers, message contents and tool call arguments), with
 * its path; absent fields are left out. It reads a script that failed its schema too, skipping
 * what is not where content belongs.
 */
export function* contentFields(
  script: ScriptInput | unknown,
): Generator<{ path: PropertyKey[]; value: unknown }> {
  const field = (value: unknown, path: PropertyKey[]) =>
    value === undefined ? [] : [{ path, value }];
  const top = record(script);
  for (const [name, text] of Object.entries(record(top?.persona) ?? {})) {
    if (typeof text === "string") yield { path: ["persona", name], value: text };
  }
  for (const [name, text] of Object.entries(record(top?.vars) ?? {})) {
    // A template, or a list of alternatives (each a template).
    if (typeof text === "string" || Array.isArray(text)) {
      yield { path: ["vars", name], value: text };
    }
  }
  for (const [v, item] of list(record(top?.findings)?.variants).entries()) {
    const variant = record(item);
    yield* field(variant?.output, ["findings", "variants", v, "output"]);
    yield* field(variant?.repeatedInput, ["findings", "variants", v, "repeatedInput"]);
    yield* field(variant?.reaction, ["findings", "variants", v, "reaction"]);
  }
  for (const [t, item] of list(top?.turns).entries()) {
    const turn = record(item);
    yield* field(turn?.input, ["turns", t, "input"]);
    yield* field(turn?.output, ["turns", t, "output"]);
    const stack = list(turn?.steps).map((step, s) => ({ step, path: ["turns", t, "steps", s] }));
    while (stack.length > 0) {
      const { step: raw, path } = stack.pop()!;
      const step = record(raw);
      const error = record(step?.error);
      yield* field(step?.input, [...path, "input"]);
      yield* field(step?.output, [...path, "output"]);
      yield* field(step?.promptVariables, [...path, "promptVariables"]);
      yield* field(error?.output, [...path, "error", "output"]);
      yield* field(error?.answer, [...path, "error", "answer"]);
      for (const [v, variant] of list(error?.variants).entries()) {
        yield* field(record(variant)?.answer, [...path, "error", "variants", v, "answer"]);
      }
      for (const [m, item] of list(step?.messages).entries()) {
        const message = record(item);
        yield* field(message?.content, [...path, "messages", m, "content"]);
        for (const [c, call] of list(message?.tool_calls).entries()) {
          yield* field(record(record(call)?.function)?.arguments, [
            ...path,
            "messages",
            m,
            "tool_calls",
            c,
            "function",
            "arguments",
          ]);
        }
      }
      for (const [c, child] of list(step?.steps).entries()) {
        stack.push({ step: child, path: [...path, "steps", c] });
      }
    }
  }
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? value as Record<string, unknown>
    : undefined;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function* strings(
  value: unknown,
  path: PropertyKey[],
): Generator<{ path: PropertyKey[]; text: string }> {
  if (typeof value === "string") yield { path, text: value };
  else if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) yield* strings(item, [...path, i]);
  } else if (value && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) yield* strings(item, [...path, key]);
  }
}

/** Every problem of every template in a script (valid or not): each with its place in its string. */
function checkTemplates(script: unknown): ValueProblem[] {
  const declared = Object.keys(record(record(script)?.vars) ?? {});
  const persona = Object.keys(record(record(script)?.persona) ?? {}).map((name) =>
    `persona.${name}`
  );
  const builtins = ["sessionId", "userId"];
  const problems: ValueProblem[] = [];
  for (const { path, text } of templatedStrings(script)) {
    const scanned = scanTemplate(text);
    for (const { index, raw, message } of scanned.problems) {
      problems.push({ path, message, within: { index, raw } });
    }
    // A var may use the vars declared before it; content may use all of them. A persona value
    // is drawn once per user, before any session, so it uses no var.
    const visible = path[0] === "persona" ? [] : [
      ...builtins,
      ...persona,
      ...(path[0] === "vars" ? declared.slice(0, declared.indexOf(String(path[1]))) : declared),
    ];
    for (const { index, raw, expr } of scanned.spans) {
      if ("kind" in expr && expr.kind === "var" && !visible.includes(expr.name)) {
        problems.push({ path, message: undeclared(expr.name, path[0]), within: { index, raw } });
      }
    }
  }
  return problems;
}

function undeclared(name: string, section: PropertyKey): string {
  if (section === "persona") {
    return `uses {{${name}}}: a persona value is drawn once per user and cannot use vars`;
  }
  if (name.startsWith("persona.")) {
    return `uses {{${name}}}, which is not declared in persona`;
  }
  return `uses {{${name}}}, which is not declared in vars` +
    (section === "vars" ? " before it" : "");
}
