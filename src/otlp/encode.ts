/**
 * The OTLP request encoder for a protocol. Protobuf: our own encoder, which writes the same
 * bytes as the OpenTelemetry SDK's ProtobufTraceSerializer (`encode_test.ts` proves it) at
 * a fraction of the cost. JSON: the SDK's JsonTraceSerializer; an encoder of our own (string
 * building, each value through JSON.stringify) measured no faster on Deno and slower on Bun,
 * where encoding the built string to UTF-8 cost more than the SDK's whole serialisation.
 * One encoder per sender: it keeps a buffer and recent attribute encodings.
 */
import { JsonTraceSerializer } from "@opentelemetry/otlp-transformer";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import { ProtobufSpanEncoder } from "./encode_proto.ts";

/** Turns a batch of spans into one ExportTraceServiceRequest body. */
export interface TraceRequestEncoder {
  /** The request body; a fresh array the caller may keep. */
  encode(spans: readonly ReadableSpan[]): Uint8Array;
}

const SDK_JSON: TraceRequestEncoder = {
  encode: (spans) => {
    const body = JsonTraceSerializer.serializeRequest(spans as ReadableSpan[]);
    if (!body) throw new Error("the serialiser returned nothing");
    return body;
  },
};

/** A new encoder for `protocol` ("http/json" or "http/protobuf"). */
export function traceRequestEncoder(protocol: "http/json" | "http/protobuf"): TraceRequestEncoder {
  return protocol === "http/json" ? SDK_JSON : new ProtobufSpanEncoder();
}
