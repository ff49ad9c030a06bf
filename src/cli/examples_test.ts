import { test } from "node:test";
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join, posix } from "node:path";
import { COMMANDS, main } from "../main.ts";
import { captureIo } from "../../testing/io.ts";
import { DEFAULT_RECORD_OUT } from "./record.ts";

/** Flags whose value is a file or directory a command writes. */
const OUTPUT_FLAGS = ["--out", "--report", "--html", "--out-dir", "--manifest-dir"];

/** Every documentation file users read: the Markdown outside dependencies and run output. */
async function docs(dir = "."): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!["node_modules", "out", ".git"].includes(entry.name)) found.push(...await docs(path));
    } else if (entry.name.endsWith(".md")) found.push(path);
  }
  return found;
}

/** Source files whose comments carry `@example` command lines. */
async function sources(dir = "src"): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...await sources(path));
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith("_test.ts")) found.push(path);
  }
  return found;
}

/** Each command line in `text` (continued lines joined), with the command it runs. */
function commandLines(text: string): { command: string; line: string }[] {
  const joined = text.replace(/\\\n\s*/g, " ");
  const out: { command: string; line: string }[] = [];
  for (const line of joined.split("\n")) {
    const match = /(?:deno task|bun run|session-replay)\s+([a-z]+)\b/.exec(line);
    if (match && match[1] in COMMANDS) out.push({ command: match[1], line });
  }
  return out;
}

/** The values of the output flags on a command line (`--out X` or `--out=X`). */
function outputs(line: string): string[] {
  const words = line.split(/\s+/).map((word) => word.replace(/^[`'"(]+|[`'",;)]+$/g, ""));
  const values: string[] = [];
  for (const [i, word] of words.entries()) {
    const [flag, inline] = word.split("=", 2);
    if (!OUTPUT_FLAGS.includes(flag)) continue;
    const value = inline ?? words[i + 1];
    if (value && !/^[A-Z]+(\|[A-Z]+)?$/.test(value)) values.push(value);
  }
  return values;
}

/** Whether `path` lies in conversations/, where `conversations/*.yaml` and editors look. */
function inConversations(path: string): boolean {
  const normal = posix.normalize(path.replace(/^\.\//, ""));
  return normal === "conversations" || normal.startsWith("conversations/");
}

test("no documented command writes into conversations/, where conversations/*.yaml would pick it up", async () => {
  const texts: { where: string; text: string }[] = [];
  for (const file of await docs()) texts.push({ where: file, text: await readFile(file, "utf8") });
  for (const file of await sources()) {
    const text = await readFile(file, "utf8");
    if (text.includes("@example")) texts.push({ where: file, text });
  }
  for (const command of [undefined, ...Object.keys(COMMANDS)]) {
    const io = captureIo();
    await main(command === undefined ? ["--help"] : [command, "--help"], io.io);
    texts.push({ where: `${command ?? "session-replay"} --help`, text: io.out() });
  }
  let records = 0;
  for (const { where, text } of texts) {
    for (const { command, line } of commandLines(text)) {
      const written = outputs(line);
      for (const path of written) {
        assert.ok(!inConversations(path), `${where}: ${line.trim()}`);
      }
      if (command === "record" && written.length === 0) records++;
    }
  }
  assert.ok(records > 0, "the README shows record without --out, writing to the default");
  assert.ok(!inConversations(DEFAULT_RECORD_OUT), "record's default output");
});

test("no message names a runtime's task runner itself: hints go through taskCommand(), which names the one running", async () => {
  const hardcoded: string[] = [];
  for (const file of await sources()) {
    if (file.endsWith("runtime.ts")) continue;
    const lines = (await readFile(file, "utf8")).split("\n");
    for (const [i, line] of lines.entries()) {
      const comment = /^\s*(\/\/|\*|\/\*\*)/.test(line);
      if (!comment && /\b(deno task|bun run)\b/.test(line)) {
        hardcoded.push(`${file}:${i + 1}: ${line.trim()}`);
      }
    }
  }
  assert.deepEqual(hardcoded, []);
});
