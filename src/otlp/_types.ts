/**
 * The flat span model the OTLP decoders produce, and the error they throw. Kept apart from the
 * decoders so the JSON and protobuf halves can share it without importing each other; the
 * public module decode.ts re-exports it. Private to the folder.
 */

/** An attribute value as OTLP carries it; ints and doubles both become number, int64 beyond 2^53 loses precision. */
export type AttrValue =
  | string
  | number
  | boolean
  | Uint8Array
  | AttrValue[]
  | { [key: string]: AttrValue }
  | null;

/** One span as a receiver saw it, with its resource and scope flattened onto it. */
export interface ReceivedSpan {
  /** Lowercase hex, 32 chars. */
  traceId: string;
  /** Lowercase hex, 16 chars. */
  spanId: string;
  /** Absent (not empty string) for a root span. */
  parentSpanId?: string;
  name: string;
  /** OTLP enum value as sent (0 unspecified, 1 internal, 2 server, 3 client, ...). */
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: Record<string, AttrValue>;
  /** Which OTLP value type each attribute had: "string" | "bool" | "int" | "double" | "array" | "kvlist" | "bytes" | "empty". Needed because Langfuse drops an observation whose prompt version is a string instead of an int. */
  attributeTypes: Record<string, string>;
  events: { name: string; timeUnixNano: bigint; attributes: Record<string, AttrValue> }[];
  status: { code: number; message?: string };
  resource: Record<string, AttrValue>;
  scope: { name: string; version?: string };
}

/** Thrown when a body is not a well-formed OTLP trace request; message says what was wrong. */
export class OtlpDecodeError extends Error {
  override name = "OtlpDecodeError";
}

/** The OTLP value type names reported in `ReceivedSpan.attributeTypes`. */
export type AttrType =
  | "string"
  | "bool"
  | "int"
  | "double"
  | "array"
  | "kvlist"
  | "bytes"
  | "empty";

/** An attribute map being built: values plus each value's OTLP type, kept side by side. */
export interface Attrs {
  values: Record<string, AttrValue>;
  types: Record<string, string>;
}
