/**
 * Writes a recorded script as readable YAML: the editor's schema line and the notes as comments
 * at the top, block style with short mappings (usage, price, cost, model parameters, prompt
 * links, prompt configs) on one line, and a blank line between turns. Pure.
 */
import { Document, isMap, isPair, isScalar, isSeq, visit } from "yaml";

/** Keys whose small mappings read best on one line. */
const FLOW_KEYS = new Set([
  "usage",
  "price",
  "cost",
  "modelParameters",
  "prompt",
  "metadata",
  "config",
]);

/** The longest short mapping (as JSON text) written on one line. */
const MAX_FLOW_CHARS = 72;

/** The YAML text of `script` with `header` lines as comments under the `$schema` line. */
export function scriptYaml(
  script: Record<string, unknown>,
  header: string[],
  schemaPath: string,
): string {
  const doc = new Document(script);
  visit(doc, {
    Pair(_key, pair) {
      if (!isPair(pair) || !isScalar(pair.key) || !isMap(pair.value)) return;
      const key = String(pair.key.value);
      // One line only when it fits one; a long one (usage of many types) reads better as a block.
      if (
        FLOW_KEYS.has(key) && pair.value.items.length <= 6 &&
        JSON.stringify(pair.value.toJSON()).length <= MAX_FLOW_CHARS
      ) pair.value.flow = true;
    },
  });
  const turns = doc.get("turns", true);
  if (isSeq(turns)) {
    for (const item of turns.items.slice(1)) {
      if (isMap(item)) item.spaceBefore = true;
    }
  }
  const lines = [`yaml-language-server: $schema=${schemaPath}`, ""];
  for (const note of header) lines.push(...wrap(note, 96));
  doc.commentBefore = lines.map((line) => (line ? ` ${line}` : "")).join("\n");
  return doc.toString({ lineWidth: 100, minContentWidth: 40 });
}

/** Splits a note into lines of at most `width` characters, continuation lines indented. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = `  ${word}`;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}
