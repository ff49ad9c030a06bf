/** Test helpers that derive scripts from the shipped conversations. */
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import assert from "node:assert/strict";
import { parse, stringify } from "yaml";
import { ScriptError } from "../src/script/errors.ts";
import { parseScript } from "../src/script/read.ts";

/**
 * A copy of `file` without prompts, scores and review layer (so a run makes no fixture or
 * review request and goes straight to sending spans), written to a new temporary directory;
 * answers its path.
 */
export async function withoutResources(file: string): Promise<string> {
  const strip = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(strip);
    if (value === null || typeof value !== "object") return value;
    return Object.fromEntries(
      Object.entries(value).filter(([key]) =>
        !["prompts", "prompt", "promptVariables", "scores", "review"].includes(key)
      )
        .map(([key, item]) => [key, strip(item)]),
    );
  };
  const dir = await mkdtemp(join(tmpdir(), "script-"));
  const out = join(dir, basename(file));
  await writeFile(out, stringify(strip(parse(await readFile(file, "utf8")))));
  return out;
}

/**
 * A valid script of one status turn whose steps are `steps` (YAML list lines, indented here):
 * the first step is on line 11, for schema tests that assert positions.
 */
export function oneTurnScript(steps: string): string {
  return `name: demo
session: { id: conv_82d9535867844b4c8cdff }
user: { id: usr_pseudo_7f31c2 }
trace: { name: demo-turn, version: local }
turns:
  - kind: status
    input: Where is my order?
    output: On its way.
    outcome: answered
    steps:
${steps.trim().split("\n").map((line) => `      ${line}`).join("\n")}
`;
}

/** The problems `parseScript` finds in `text`, as "line:column field message"; [] when valid. */
export function scriptProblems(text: string): string[] {
  try {
    parseScript(text, "x.yaml");
    return [];
  } catch (error) {
    if (!(error instanceof ScriptError)) throw error;
    return error.problems.map((p) => `${p.line}:${p.column} ${p.field} ${p.message}`);
  }
}

/** The problems of script text as printed (one `file:line:col: …` line each); fails when valid. */
export function scriptErrors(text: string): string[] {
  try {
    parseScript(text, "x.yaml");
  } catch (error) {
    assert.ok(error instanceof ScriptError);
    return error.message.split("\n");
  }
  assert.fail("expected a ScriptError");
}
