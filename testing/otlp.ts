/**
 * Test helpers: conversations as OTLP/JSON requests, sent to the fake Langfuse the way the
 * replay's exporter would.
 */
import { OBSERVATION, TRACE, TRACE_METADATA_PREFIX } from "../src/emit/attributes.ts";
import type { FakeLangfuse } from "./fake_langfuse/server.ts";

/** An attribute value the helper can encode. */
export type TestAttr = string | number | boolean | string[];

/** One span to send. Times are epoch ms. */
export interface TestSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  startMs: number;
  endMs: number;
  attributes: Record<string, TestAttr>;
}

/** Options for {@link conversation}. */
export interface ConversationOptions {
  /** Distinguishes ids between conversations, 1 to 255; required. */
  seed: number;
  sessionId: string;
  /** Default "user-1". */
  userId?: string;
  /** Default 3. */
  turns?: number;
  /** First turn start, epoch ms; default 2025-03-04T10:15:02Z. */
  startMs?: number;
  /** Default ["replay"]. */
  tags?: string[];
}

/** 2025-03-04T10:15:02Z. */
export const T0 = 1_741_083_302_000;

/** Hex id of `bytes` bytes: the seed byte, then the counter. */
export function hexId(seed: number, n: number, bytes: number): string {
  return seed.toString(16).padStart(2, "0") + n.toString(16).padStart(bytes * 2 - 2, "0");
}

/** A conversation: per turn a root agent span and one generation child, all fully stamped. */
export function conversation(options: ConversationOptions): TestSpan[] {
  const turns = options.turns ?? 3;
  const start = options.startMs ?? T0;
  const spans: TestSpan[] = [];
  for (let turn = 0; turn < turns; turn++) {
    const traceId = hexId(options.seed, turn + 1, 16);
    const rootId = hexId(options.seed, 2 * turn + 1, 8);
    const at = start + turn * 60_000;
    const common: Record<string, TestAttr> = {
      [TRACE.sessionId]: options.sessionId,
      [TRACE.userId]: options.userId ?? "user-1",
      [TRACE.name]: "support-turn",
      [TRACE.tags]: options.tags ?? ["replay"],
      [TRACE.version]: "2025.03.1",
      [TRACE.release]: "r42",
      [TRACE.environment]: "staging",
      [`${TRACE_METADATA_PREFIX}workflow`]: "order-status",
    };
    spans.push({
      traceId,
      spanId: rootId,
      name: "support-turn",
      startMs: at,
      endMs: at + 2_000,
      attributes: {
        ...common,
        [OBSERVATION.type]: "agent",
        [OBSERVATION.input]: JSON.stringify({ message: `question ${turn + 1}` }),
        [OBSERVATION.output]: JSON.stringify({ reply: `answer ${turn + 1}` }),
      },
    });
    spans.push({
      traceId,
      spanId: hexId(options.seed, 2 * turn + 2, 8),
      parentSpanId: rootId,
      name: "compose-reply",
      startMs: at + 100,
      endMs: at + 1_500,
      attributes: {
        ...common,
        [OBSERVATION.type]: "generation",
        [OBSERVATION.model]: "gpt-4o-mini",
        [OBSERVATION.usage]: JSON.stringify({ input: 400, output: 40, total: 440 }),
        [OBSERVATION.cost]: JSON.stringify({ input: 0.00006, output: 0.000024, total: 0.000084 }),
        [OBSERVATION.completionStartTime]: new Date(at + 400).toISOString(),
      },
    });
  }
  return spans;
}

/** An OTLP/JSON ExportTraceServiceRequest holding the spans. */
export function otlpJson(spans: readonly TestSpan[]): string {
  return JSON.stringify({
    resourceSpans: [{
      resource: { attributes: [{ key: "service.name", value: { stringValue: "session-replay" } }] },
      scopeSpans: [{
        scope: { name: "session-replay" },
        spans: spans.map((span) => ({
          traceId: span.traceId,
          spanId: span.spanId,
          ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
          name: span.name,
          kind: 1,
          startTimeUnixNano: String(BigInt(span.startMs) * 1_000_000n),
          endTimeUnixNano: String(BigInt(span.endMs) * 1_000_000n),
          attributes: Object.entries(span.attributes).map(([key, value]) => ({
            key,
            value: anyValue(value),
          })),
          status: {},
        })),
      }],
    }],
  });
}

/** Posts the spans to the fake's OTLP endpoint with its keys (or `auth` as the header). */
export function sendSpans(
  fake: FakeLangfuse,
  spans: readonly TestSpan[],
  auth = basicAuth(fake.keys.publicKey, fake.keys.secretKey),
): Promise<Response> {
  return fetch(`${fake.url}/api/public/otel/v1/traces`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-langfuse-ingestion-version": "4",
      ...(auth ? { authorization: auth } : {}),
    },
    body: otlpJson(spans),
  });
}

/** An Authorization header value for a key pair. */
export function basicAuth(publicKey: string, secretKey: string): string {
  return `Basic ${btoa(`${publicKey}:${secretKey}`)}`;
}

function anyValue(value: TestAttr): Record<string, unknown> {
  if (Array.isArray(value)) {
    return { arrayValue: { values: value.map((v) => ({ stringValue: v })) } };
  }
  if (typeof value === "string") return { stringValue: value };
  if (typeof value === "boolean") return { boolValue: value };
  return Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value };
}
