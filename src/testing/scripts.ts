/** Test helpers that derive scripts from the shipped conversations. */
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import assert from "node:assert/strict";
import { parse, stringify } from "yaml";
import { ScriptError } from "../script/errors.ts";
import { parseScript } from "../script/load.ts";

/**
 * A copy of `file` without prompts, scores and review layer (so a run makes no fixture or
 * review request and goes straight to sending spans), written to a new temporary directory;
 * answers its path.
 */
export async function withoutFixtures(file: string): Promise<string> {
  const strip = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(strip);
    if (value === null || typeof value !== "object") return value;
    return Object.fromEntries(
      Object.entries(value).filter(([key]) =>
        !["prompts", "prompt", "scores", "review"].includes(key)
      )
        .map(([key, item]) => [key, strip(item)]),
    );
  };
  const dir = await mkdtemp(join(tmpdir(), "script-"));
  const out = join(dir, basename(file));
  await writeFile(out, stringify(strip(parse(await readFile(file, "utf8")))));
  return out;
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
