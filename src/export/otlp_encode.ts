/**
 * The OTLP request encoder for a protocol: our own protobuf and JSON encoders, which write the
 * same bytes as the OpenTelemetry serialisers (`otlp_encode_test.ts` proves it) at a fraction
 * of the cost. One encoder per sender: it keeps a buffer and the previous span's attributes.
 */
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import { JsonSpanEncoder } from "./otlp_encode_json.ts";
import { ProtobufSpanEncoder } from "./otlp_encode_proto.ts";

/** Turns a batch of spans into one ExportTraceServiceRequest body. */
export interface TraceRequestEncoder {
  /** The request body; a fresh array the caller may keep. */
  encode(spans: readonly ReadableSpan[]): Uint8Array;
}

/** A new encoder for `protocol` ("http/json" or "http/protobuf"). */
export function traceRequestEncoder(protocol: "http/json" | "http/protobuf"): TraceRequestEncoder {
  return protocol === "http/json" ? new JsonSpanEncoder() : new ProtobufSpanEncoder();
}
