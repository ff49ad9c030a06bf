/**
 * Compares the shape of a JSON answer with a recorded one: the same keys at every level, the
 * same JSON types, null only where the recording has null, and strings in the recording's
 * format (ISO timestamps with milliseconds and Z, UUIDs, cuids, trace and span ids, decimal
 * strings). Every difference is reported with its JSON path, so one run shows them all.
 *
 * The recording is read as a set of examples per field: `$.data[].value` may be a number in one
 * row and a string in another, and an object matches when its keys are those of one of the
 * recording's objects at that place (the closest one is named in the report).
 *
 * @example
 * ```ts
 * shapeDiff({ id: 1, extra: true }, { id: "a" });
 * // ["$.id: number where the recording has string", "$.extra: not in the recording"]
 * ```
 */

/** How {@link shapeDiff} reads the recording. */
export interface ShapeOptions {
  /**
   * Names of fields typed as string-keyed maps (`metadata`, `usageDetails`): their keys vary,
   * their values must have a JSON type the recorded map's values have (any when it is empty).
   * Default none.
   */
  maps?: ReadonlySet<string>;
  /** Names of fields holding any JSON (`input`, `output`): not compared. Default none. */
  free?: ReadonlySet<string>;
  /**
   * Normalised paths (`$.data[].retentionDays`: array indexes as `[]`) of keys the recording's
   * source documents as left out at times; they may be missing. Default none.
   */
  optional?: ReadonlySet<string>;
  /**
   * Normalised paths of fields documented as nullable that the recording shows set; besides
   * these, a value may be null only where the recording has null at that place. Default none.
   */
  nullable?: ReadonlySet<string>;
}

type Kind = "null" | "array" | "object" | "string" | "number" | "boolean";

/** String formats the recordings use, most specific first. */
const FORMATS: readonly [string, RegExp][] = [
  ["an ISO timestamp with milliseconds and Z", /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/],
  ["a UUID v4", /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/],
  ["a trace id (32 hex digits)", /^[0-9a-f]{32}$/],
  ["a span id (16 hex digits)", /^[0-9a-f]{16}$/],
  ["a cuid", /^c[0-9a-z]{24}$/],
  ["a decimal string", /^-?\d+\.\d+$/],
];

/** Every difference between the shape of `actual` and of the recording `expected`, by path. */
export function shapeDiff(
  actual: unknown,
  expected: unknown,
  options: ShapeOptions = {},
): string[] {
  const examples = new Map<string, unknown[]>();
  collect(expected, "$", examples);
  const out: string[] = [];
  walk({ value: actual, path: "$", norm: "$" }, { examples, options, out });
  return out;
}

/** The format of a string, if it has one of the recordings' formats. */
export function formatOf(text: string): string | undefined {
  return FORMATS.find(([, pattern]) => pattern.test(text))?.[0];
}

interface Place {
  value: unknown;
  /** Path with indexes, for the report. */
  path: string;
  /** Path with `[]` for every index, to find the recording's examples. */
  norm: string;
}

interface Context {
  examples: Map<string, unknown[]>;
  options: ShapeOptions;
  out: string[];
}

function kindOf(value: unknown): Kind {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value as Kind;
}

function nameOf(norm: string): string {
  return norm.replace(/(\[\])+$/, "").split(".").at(-1) ?? "";
}

function collect(value: unknown, norm: string, into: Map<string, unknown[]>): void {
  into.set(norm, [...(into.get(norm) ?? []), value]);
  if (Array.isArray(value)) {
    for (const item of value) collect(item, `${norm}[]`, into);
  } else if (kindOf(value) === "object") {
    for (const [key, item] of Object.entries(value as object)) {
      collect(item, `${norm}.${key}`, into);
    }
  }
}

function walk(at: Place, cx: Context): void {
  const { options, out } = cx;
  const name = nameOf(at.norm);
  if (options.free?.has(name)) return;
  const examples = cx.examples.get(at.norm) ?? [];
  // Nothing recorded here (an empty recorded array): nothing to hold the value to.
  if (examples.length === 0) return;
  const kinds = new Set(examples.map(kindOf));
  const kind = kindOf(at.value);
  if (kind === "null") {
    if (!kinds.has("null") && !options.nullable?.has(at.norm)) {
      out.push(`${at.path}: null where the recording has ${[...kinds].join(" or ")}`);
    }
    return;
  }
  kinds.delete("null");
  // Recorded only as null: its type is unknown.
  if (kinds.size === 0) return;
  if (!kinds.has(kind)) {
    out.push(`${at.path}: ${kind} where the recording has ${[...kinds].join(" or ")}`);
    return;
  }
  const same = examples.filter((e) => kindOf(e) === kind);
  if (kind === "string") checkFormat(at, same as string[], out);
  else if (kind === "array") {
    (at.value as unknown[]).forEach((item, i) =>
      walk({ value: item, path: `${at.path}[${i}]`, norm: `${at.norm}[]` }, cx)
    );
  } else if (kind === "object") {
    if (options.maps?.has(name)) checkMap(at, same as Record<string, unknown>[], out);
    else checkObject(at, same as Record<string, unknown>[], cx);
  }
}

function checkFormat(at: Place, examples: string[], out: string[]): void {
  const formats = new Set(examples.map(formatOf));
  const [format] = formats;
  if (formats.size !== 1 || format === undefined) return;
  if (formatOf(at.value as string) !== format) {
    out.push(
      `${at.path}: ${JSON.stringify(at.value)} is not ${format} like ${
        JSON.stringify(examples[0])
      }`,
    );
  }
}

function checkMap(at: Place, examples: Record<string, unknown>[], out: string[]): void {
  const kinds = new Set(examples.flatMap((e) => Object.values(e).map(kindOf)));
  if (kinds.size === 0) return;
  for (const [key, value] of Object.entries(at.value as object)) {
    if (!kinds.has(kindOf(value))) {
      out.push(
        `${at.path}.${key}: ${kindOf(value)} where the recording has ${[...kinds].join(" or ")}`,
      );
    }
  }
}

function checkObject(at: Place, examples: Record<string, unknown>[], cx: Context): void {
  const actual = at.value as Record<string, unknown>;
  const optional = (key: string) => cx.options.optional?.has(`${at.norm}.${key}`) ?? false;
  const differences = (example: Record<string, unknown>) => {
    const missing = Object.keys(example).filter((k) => !(k in actual) && !optional(k));
    const extra = Object.keys(actual).filter((k) => !(k in example));
    return { missing, extra };
  };
  const closest = examples
    .map(differences)
    .reduce((a, b) =>
      a.missing.length + a.extra.length <= b.missing.length + b.extra.length ? a : b
    );
  for (const key of closest.missing) cx.out.push(`${at.path}.${key}: missing`);
  for (const key of closest.extra) cx.out.push(`${at.path}.${key}: not in the recording`);
  for (const [key, value] of Object.entries(actual)) {
    if (closest.extra.includes(key)) continue;
    walk({ value, path: `${at.path}.${key}`, norm: `${at.norm}.${key}` }, cx);
  }
}
