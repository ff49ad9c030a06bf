/**
 * YAML text with positions, validated by a zod schema: every problem is collected with its
 * line and column before failing. Shared by scripts, files of prompts, load profiles and review
 * files; kept apart from script reading so the readers of those files need not import each other.
 */
import {
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  LineCounter,
  parseDocument,
  visit,
} from "yaml";
import type { z } from "zod";
import { splitFlowMappings } from "./content_checks.ts";
import { AT_KEY, formatPath, ScriptError, type ScriptProblem } from "./errors.ts";
import { readTextFile, TextFileError } from "./text_file.ts";

/**
 * A script's or load profile's text; throws ScriptError when the file cannot be read, is a
 * directory, is empty or is not UTF-8 (at the first bad byte).
 */
export async function readInputText(file: string): Promise<string> {
  try {
    return await readTextFile(file);
  } catch (error) {
    if (!(error instanceof TextFileError)) throw error;
    throw new ScriptError(file, [{
      line: error.line,
      column: error.column,
      field: "",
      message: error.reason,
    }]);
  }
}

/** One problem a check found: its path, what is wrong, and optionally where in a string value. */
export interface ValueProblem {
  path: PropertyKey[];
  message: string;
  /** The part of the string at `path` the problem is about: its index there and its text. */
  within?: { index: number; raw: string };
  /** The problem is about the key that ends `path` (of a mapping): point at the key. */
  key?: boolean;
}

/** Checks a value beyond its schema; answers each problem with its path. */
export type ValueCheck<T> = (value: T) => ValueProblem[];

/**
 * The checks {@link parseYaml} runs besides the schema: `valid` on the validated value when
 * the schema passed, `raw` on the parsed YAML always, so its problems come with the schema's.
 */
export interface YamlChecks<T> {
  valid?: ValueCheck<T>;
  raw?: ValueCheck<unknown>;
}

/**
 * Parses YAML text and validates it with `schema`, then with `check` when the schema passed
 * (or the checks of a {@link YamlChecks}); every problem carries its position, and all of them
 * are thrown together as a ScriptError.
 */
export function parseYaml<T extends z.ZodType>(
  text: string,
  file: string,
  schema: T,
  check?: ValueCheck<z.output<T>> | YamlChecks<z.output<T>>,
): { value: z.output<T>; doc: Document; at: At } {
  const checks: YamlChecks<z.output<T>> = typeof check === "function"
    ? { valid: check }
    : check ?? {};
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => {
    const pos = lines.linePos(offset);
    return { line: pos.line, column: pos.col };
  };
  if (doc.errors.length > 0) {
    throw new ScriptError(
      file,
      doc.errors.map((error) => {
        const place = at(error.pos[0]);
        const line = text.split("\n")[place.line - 1] ?? "";
        // A template at the start of a plain value parses as a YAML flow mapping.
        const hint = /:\s+\{\{/.test(line) ? ' (quote a value that starts with "{{")' : "";
        return {
          ...place,
          field: "",
          message: `is not valid YAML: ${error.message.split("\n")[0]}${hint}`,
        };
      }),
    );
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    if (!(error instanceof ReferenceError)) throw error;
    // An alias before its anchor: yaml resolves aliases only to anchors defined earlier.
    const early = /^Unresolved alias[^:]*: (.+)$/.exec(error.message)?.[1];
    if (early !== undefined) {
      throw new ScriptError(file, [{
        ...at(firstAliasOffset(doc, early)),
        field: "",
        message: `uses the alias *${early} before its anchor &${early}; ` +
          "YAML needs the anchor first",
      }]);
    }
    // yaml refuses aliases of aliases that would expand exponentially (a "billion laughs").
    throw new ScriptError(file, [{
      ...at(firstAliasOffset(doc)),
      field: "",
      message: `uses YAML aliases (*name) that expand to more than ${MAX_ALIAS_COUNT} copies; ` +
        "write the repeated content out or nest aliases less",
    }]);
  }
  // Reported with the schema's problems: a split mapping often explains them.
  const split = splitFlowMappings(doc).map(({ offset, path, message }) => ({
    ...at(offset),
    field: formatPath(path),
    message,
  }));
  const placed = ({ path, message, within, key }: ValueProblem) => ({
    ...at(
      within
        ? offsetWithin(doc, text, path, within)
        : key && typeof path.at(-1) === "string"
        ? keyOffset(doc, path.slice(0, -1), String(path.at(-1)))
        : offsetOf(doc, path),
    ),
    field: formatPath(path),
    message,
  });
  const result = schema.safeParse(data, { reportInput: true });
  const problems = [
    ...(checks.raw?.(data) ?? []).map(placed),
    ...(result.success
      ? (checks.valid?.(result.data) ?? []).map(placed)
      : result.error.issues.flatMap((issue) => toProblems(issue, doc, at))),
  ];
  if (!result.success || split.length > 0 || problems.length > 0) {
    throw new ScriptError(file, sortProblems([...split, ...problems]));
  }
  return { value: result.data, doc, at };
}

type At = (offset: number) => { line: number; column: number };

/** Most alias expansions a document may make (yaml's own default, stated). */
const MAX_ALIAS_COUNT = 100;

/** Where the document's first alias is, as an offset. */
/** Where the document's first alias is (of the anchor `name`, when given). */
function firstAliasOffset(doc: Document, name?: string): number {
  let offset = 0;
  visit(doc, {
    Alias(_key, node) {
      if (name !== undefined && node.source !== name) return;
      if (isAlias(node) && node.range) offset = node.range[0];
      return visit.BREAK;
    },
  });
  return offset;
}

function toProblems(issue: z.core.$ZodIssue, doc: Document, at: At): ScriptProblem[] {
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => ({
      ...at(keyOffset(doc, issue.path, key)),
      field: formatPath([...issue.path, key]),
      message: "is not a known field",
    }));
  }
  // A problem with a mapping's key (an undeclared usage type, a byOutcome outcome) points at it.
  const last = issue.path.at(-1);
  const offset = issue.code === "custom" && issue.params?.[AT_KEY] && typeof last === "string"
    ? keyOffset(doc, issue.path.slice(0, -1), last)
    : offsetOf(doc, issue.path);
  return [{ ...at(offset), field: formatPath(issue.path), message: describe(issue) }];
}

function describe(issue: z.core.$ZodIssue): string {
  // With reportInput, an absent input means the field is missing, whatever the check was.
  if (issue.code !== "custom" && "input" in issue && issue.input === undefined) {
    return "is required";
  }
  // A message the schema wrote itself says more than zod's generic one.
  const generic = /^(Invalid|Too (small|big)|Unrecognized)/.test(issue.message);
  if (issue.code !== "custom" && issue.code !== "invalid_union" && !generic) return issue.message;
  switch (issue.code) {
    case "invalid_value":
      return `must be one of ${issue.values.map(String).join(", ")}`;
    case "invalid_type":
      return issue.input === undefined ? "is required" : `must be ${article(issue.expected)}`;
    case "too_small":
      if (issue.origin === "array") return `must have at least ${issue.minimum} item(s)`;
      if (issue.origin === "string") return `must have at least ${issue.minimum} character(s)`;
      return `must be at least ${issue.minimum}`;
    case "too_big":
      if (issue.origin === "array") return `must have at most ${issue.maximum} item(s)`;
      if (issue.origin === "string") return `must have at most ${issue.maximum} character(s)`;
      return `must be at most ${issue.maximum}`;
    case "invalid_union": {
      // Report the branch that matched the value's type, if any, else name the choices.
      const inner = issue.errors.flat().find((sub) => sub.code !== "invalid_type");
      if (inner) return describe(inner);
      const expected = issue.errors.flat().map((sub) =>
        sub.code === "invalid_type" ? sub.expected : ""
      ).filter(Boolean);
      return `must be ${[...new Set(expected)].map(article).join(" or ")}`;
    }
    default:
      return issue.message;
  }
}

function article(expected: string): string {
  if (expected === "int") return "a whole number";
  if (expected === "array") return "a list";
  if (expected === "object" || expected === "record") return "a mapping";
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

/** The offset of the deepest node on `path` that exists in the document. */
function offsetOf(doc: Document, path: readonly PropertyKey[]): number {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = doc.getIn(path.slice(0, depth) as unknown[], true);
    if (node && typeof node === "object" && "range" in node && Array.isArray(node.range)) {
      return node.range[0] as number;
    }
  }
  return 0;
}

/**
 * The offset of `within.raw` inside the string at `path`, found in the scalar's source (so
 * quotes, escapes and folded lines before it are counted); the scalar's start if not found.
 */
function offsetWithin(
  doc: Document,
  text: string,
  path: readonly PropertyKey[],
  within: { index: number; raw: string },
): number {
  const node = doc.getIn(path as unknown[], true);
  if (!isScalar(node) || !node.range || typeof node.value !== "string") return offsetOf(doc, path);
  const before = node.value.slice(0, within.index).split(within.raw).length - 1;
  const source = text.slice(node.range[0], node.range[1]);
  let found = -1;
  for (let n = 0; n <= before; n++) {
    found = source.indexOf(within.raw, found + 1);
    if (found < 0) return node.range[0];
  }
  return node.range[0] + found;
}

function keyOffset(doc: Document, path: readonly PropertyKey[], key: string): number {
  const map = path.length === 0 ? doc.contents : doc.getIn(path as unknown[], true);
  if (isMap(map)) {
    for (const pair of map.items) {
      if (isPair(pair) && isScalar(pair.key) && pair.key.value === key && pair.key.range) {
        return pair.key.range[0];
      }
    }
  }
  return offsetOf(doc, path);
}

function sortProblems(problems: ScriptProblem[]): ScriptProblem[] {
  return problems.sort((a, b) => a.line - b.line || a.column - b.column);
}
