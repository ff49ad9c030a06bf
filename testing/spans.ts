/** Test helpers: a digest of received spans, to compare two runs span for span. */
import { createHash } from "node:crypto";
import type { ReceivedSpan } from "../src/otlp/decode.ts";

/** Each span id with a hash of everything else the span carries (attributes, times, events). */
export function spanDigests(spans: readonly ReceivedSpan[]): Map<string, string> {
  const digests = new Map<string, string>();
  for (const span of spans) {
    const text = JSON.stringify(
      span,
      (_key, value) => typeof value === "bigint" ? value.toString() : sortedObject(value),
    );
    if (digests.has(span.spanId)) throw new Error(`span ${span.spanId} was received twice`);
    digests.set(span.spanId, createHash("sha256").update(text).digest("hex"));
  }
  return digests;
}

function sortedObject(value: unknown): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0),
  );
}

/** The digests as a sorted list, for deepEqual with a readable diff. */
export function sortedDigests(spans: readonly ReceivedSpan[]): string[] {
  return [...spanDigests(spans).entries()].map(([id, hash]) => `${id} ${hash}`).sort();
}
