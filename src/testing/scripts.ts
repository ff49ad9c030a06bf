/** Test helpers that derive scripts from the shipped conversations. */
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { parse, stringify } from "yaml";

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
