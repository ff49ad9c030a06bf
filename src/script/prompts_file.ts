/**
 * Reads the YAML file of prompts a script names with `prompts: <path>` (relative to the
 * script), validated like a script: every problem with that file's line and column.
 */
import { dirname, isAbsolute, join } from "node:path";
import { parseYaml, readInputText } from "./yaml.ts";
import { type PromptDeclarationInput, PromptsFile } from "./schema_prompts.ts";

/** The prompts of the file `path` names, relative to `scriptFile`; throws ScriptError. */
export async function readPromptsFile(
  path: string,
  scriptFile: string,
): Promise<{ file: string; prompts: PromptDeclarationInput[] }> {
  const file = scriptFile === "-" || isAbsolute(path) ? path : join(dirname(scriptFile), path);
  const text = await readInputText(file);
  const { value } = parseYaml(text, file, PromptsFile, (parsed) => {
    const seen = new Set<string>();
    return parsed.prompts.flatMap((prompt, i) => {
      const twice = seen.has(prompt.name);
      seen.add(prompt.name);
      return twice
        ? [{ path: ["prompts", i, "name"], message: `declares "${prompt.name}" twice` }]
        : [];
    });
  });
  return { file, prompts: value.prompts };
}
