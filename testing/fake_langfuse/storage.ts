/**
 * How the fake Langfuse stores a received span, as each version's observation table keys rows.
 * v4 (`events_full`, a ReplacingMergeTree ordered by `(project_id, toStartOfMinute(start_time),
 * xxHash32(trace_id), span_id, start_time)`): a span with the same key replaces its row, a span
 * re-sent with another start time is a second row with the same id, and
 * `/api/public/v2/observations` returns both. v3 (`observations`, ordered by
 * `(project_id, type, toDate(start_time), id)`, every read `ORDER BY event_ts DESC LIMIT 1 BY
 * id, project_id`, ingestion merging into the latest record of the id): one observation per id,
 * the latest wins. Private to the folder; see fixtures/langfuse/README.md.
 */
import type { ReceivedSpan } from "../../src/otlp/decode.ts";
import type { StoredSpan } from "./views.ts";
import type { PromptLink } from "./prompt_link.ts";

/** The row key of a span in the given version's observation table. */
export function rowKey(span: ReceivedSpan, mode: "v4" | "v3"): string {
  if (mode === "v3") return `${span.traceId}/${span.spanId}`;
  const startMs = span.startTimeUnixNano / 1_000_000n;
  const minute = startMs - (startMs % 60_000n);
  return `${minute}/${span.traceId}/${span.spanId}/${span.startTimeUnixNano}`;
}

/**
 * Stores spans: each replaces the row with its key (keeping when it first arrived), else is
 * appended. `link` resolves a generation's prompt as ingestion does, once, when it arrives.
 */
export function storeSpans(
  stored: StoredSpan[],
  spans: ReceivedSpan[],
  receivedMs: number,
  mode: "v4" | "v3",
  link?: (span: ReceivedSpan) => PromptLink | undefined,
): void {
  const rows = new Map(stored.map((s, index) => [rowKey(s.span, mode), index]));
  for (const span of spans) {
    const key = rowKey(span, mode);
    const index = rows.get(key);
    const prompt = link?.(span);
    const row: StoredSpan = prompt === undefined
      ? { span, receivedMs }
      : { span, receivedMs, prompt };
    if (index === undefined) {
      rows.set(key, stored.length);
      stored.push(row);
    } else {
      stored[index] = { ...row, receivedMs: stored[index].receivedMs };
    }
  }
}
