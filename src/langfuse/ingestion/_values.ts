/**
 * Small value helpers for the view: reading attribute values as text, numbers or JSON as
 * Langfuse does, and the arithmetic, ordering and quoting the view and its messages share.
 * Pure and span-agnostic. Private to the folder.
 */
import type { AttrValue } from "../../otlp/decode.ts";
import type { Json } from "../../plan/types.ts";

/** Epoch nanoseconds to whole milliseconds, the precision Langfuse keeps. */
export function msOf(nanos: bigint): number {
  return Number(nanos / 1_000_000n);
}

/** Code-unit string order: the same on every runtime and locale, unlike localeCompare. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The sum of `values`; 0 when empty. */
export function sum(values: number[]): number {
  return values.reduce((acc, value) => acc + value, 0);
}

/** Sums USD amounts, rounded to 1e-12 so float noise (0.30000000000000004) does not show. */
export function sumCost(values: number[]): number {
  return Math.round(sum(values) * 1e12) / 1e12;
}

/** `count` and `noun`, with an "s" unless the count is 1; for problem messages. */
export { count as plural } from "../../text/count.ts";

/** `value` as a JSON string literal, so empty or odd names stay visible in messages. */
export function quote(value: string): string {
  return JSON.stringify(value);
}

/** Not null, not empty string, not an empty array or object (Langfuse's "meaningful"). */
export function meaningful(value: AttrValue | undefined): boolean {
  if (value === undefined || value === null || value === "") return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === "object" && !(value instanceof Uint8Array)) {
    return Object.keys(value).length > 0;
  }
  return true;
}

/** A value as Langfuse turns an id into a string: falsy is absent, non-strings become JSON. */
export function text(value: AttrValue | undefined): string | undefined {
  if (!value) return undefined;
  return typeof value === "string" ? value : show(value);
}

/** The text of the first key that has one; Langfuse reads some fields from several keys. */
export function firstText(
  attrs: Record<string, AttrValue>,
  keys: readonly string[],
): string | undefined {
  for (const key of keys) {
    const value = text(attrs[key]);
    if (value !== undefined) return value;
  }
  return undefined;
}

/** A number, or a numeric string read as one, as Langfuse reads token counts and costs. */
export function number(value: AttrValue | undefined): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "string" && value.trim() !== "" && !Number.isNaN(Number(value))) {
    return Number(value);
  }
  return undefined;
}

/** The number-valued entries of a JSON object; Langfuse skips the rest of usage and cost. */
export function numbers(object: { [key: string]: Json }): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(object)) {
    if (typeof value === "number") out[key] = value;
  }
  return out;
}

/** A value as one string for messages and ids: strings as they are, the rest as JSON. */
export function show(value: AttrValue): string {
  return typeof value === "string" ? value : JSON.stringify(toJson(value));
}

/** An attribute value as JSON; bytes become an array of numbers. */
export function toJson(value: AttrValue): Json {
  if (value instanceof Uint8Array) return Array.from(value);
  if (Array.isArray(value)) return value.map(toJson);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, toJson(item)]));
  }
  return value;
}

/** `raw` parsed as JSON, or undefined when it is not JSON, so callers need no try. */
export function parseJson(raw: string): Json | undefined {
  try {
    return JSON.parse(raw) as Json;
  } catch {
    return undefined;
  }
}

/** Whether a JSON value is an object (not null, not an array). */
export function isPlainObject(value: Json | undefined): value is { [key: string]: Json } {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** A string parsed as JSON when it is JSON, else kept raw, as Langfuse stores input/output. */
export function jsonOrRaw(value: AttrValue): Json {
  if (typeof value !== "string") return toJson(value);
  return parseJson(value) ?? value;
}
