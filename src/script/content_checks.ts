/**
 * Checks for content that YAML or a fixed id quietly turns into something the author did not
 * mean: a flow mapping split at an unquoted comma (`{ text: Hi, where is my order? }` is
 * `{ text: "Hi", "where is my order?": null }`), content that spells out the script's
 * fixed session or user id, which load mode replaces with drawn ones, and content too large
 * for one span attribute.
 */
import { type Document, isMap, isPair, isScalar, isSeq, Scalar } from "yaml";
import { formatBytes } from "../text/bytes.ts";
import { parseIdFormat } from "./privacy.ts";
import type { ScriptInput } from "./schema.ts";

/** A problem found by these checks: where (a YAML offset), which field, what is wrong. */
export interface ContentProblem {
  offset: number;
  path: PropertyKey[];
  message: string;
}

const SHOWN = 60;

/**
 * Every key of a `{ … }` mapping that has no value: YAML ends an unquoted value at ", " inside
 * braces, so the rest of the text becomes a key of its own with a null value.
 */
export function splitFlowMappings(doc: Document): ContentProblem[] {
  const problems: ContentProblem[] = [];
  const walk = (node: unknown, path: PropertyKey[]) => {
    if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item, [...path, i]));
      return;
    }
    if (!isMap(node)) return;
    let previous: unknown;
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const key = isScalar(pair.key) ? pair.key : undefined;
      const empty = pair.value === null ||
        (isScalar(pair.value) && pair.value.value === null && pair.value.source === "");
      if (node.flow && empty && key?.range) {
        problems.push({ offset: key.range[0], path, message: splitMessage(key, previous) });
      }
      if (key) walk(pair.value, [...path, String(key.value)]);
      previous = pair;
    }
  };
  walk(doc.contents, []);
  return problems;
}

function splitMessage(key: Scalar, previous: unknown): string {
  const text = String(key.value);
  const shown = text.length > SHOWN ? `${text.slice(0, SHOWN)}…` : text;
  let example = "";
  if (
    isPair(previous) && isScalar(previous.key) && isScalar(previous.value) &&
    previous.value.type === Scalar.PLAIN && typeof previous.value.source === "string"
  ) {
    const whole = `${previous.value.source}, ${text}`;
    const quoted = JSON.stringify(whole.length > SHOWN ? `${whole.slice(0, SHOWN)}…` : whole);
    example = `, e.g. ${String(previous.key.value)}: ${quoted}`;
  }
  return `has a key with no value, "${shown}": inside { } an unquoted comma ends the value, ` +
    `so YAML made the rest a key of its own; quote the text${example}`;
}

/** Content (and vars) that names the script's fixed session or user id instead of its template. */
export function fixedIdsInContent(
  script: ScriptInput,
  strings: Iterable<{ path: PropertyKey[]; text: string }>,
): { path: PropertyKey[]; message: string }[] {
  const fixed = [
    { id: script.user.id, what: "user", template: "{{userId}}" },
    { id: script.session.id, what: "session", template: "{{sessionId}}" },
  ].filter(({ id }) => parseIdFormat(id) === undefined);
  const problems: { path: PropertyKey[]; message: string }[] = [];
  for (const { path, text } of strings) {
    for (const { id, what, template } of fixed) {
      if (!text.includes(id)) continue;
      problems.push({
        path,
        message: `names the script's fixed ${what} id "${id}"; write "${template}" instead, ` +
          `because load mode draws other ${what}s and the content would not match them`,
      });
    }
  }
  return problems;
}

/**
 * Most bytes one content field may hold, as the JSON it is sent as: 1 MiB. A turn's output
 * travels twice in its root span (trace and observation output), our exporter splits requests
 * at 4 MiB but cannot split a span, and Langfuse Cloud takes about 5 MB a request.
 */
export const MAX_CONTENT_BYTES = 1024 * 1024;

/** Content fields larger than {@link MAX_CONTENT_BYTES}. */
export function oversizeContent(
  fields: Iterable<{ path: PropertyKey[]; value: unknown }>,
): { path: PropertyKey[]; message: string }[] {
  const problems: { path: PropertyKey[]; message: string }[] = [];
  const encoder = new TextEncoder();
  for (const { path, value } of fields) {
    const text = typeof value === "string" ? value : JSON.stringify(value);
    // A UTF-16 unit is at most 3 UTF-8 bytes: a short text needs no encoding to be measured.
    if (text.length * 3 <= MAX_CONTENT_BYTES) continue;
    const bytes = encoder.encode(text).length;
    if (bytes <= MAX_CONTENT_BYTES) continue;
    problems.push({
      path,
      message: `is ${formatBytes(bytes)}; one content field may hold at most ` +
        `${formatBytes(MAX_CONTENT_BYTES)}, since it is sent as one span attribute ` +
        "(a turn's output twice) and Langfuse Cloud takes about 5 MB a request",
    });
  }
  return problems;
}
