/**
 * The OTLP server's answers: the ExportTraceServiceResponse (partial success) for accepted
 * requests and the google.rpc.Status body for errors, each in JSON or protobuf to match the
 * request. Private to the folder; decode.ts re-exports both.
 */
import { ProtoWriter } from "./_proto_wire.ts";

/** Encodes an ExportTraceServiceResponse (partial success) in the given content type, as an OTLP server answers. Empty partial success -> `{}` / empty bytes. */
export function encodeTraceResponse(
  partial: { rejectedSpans?: number; errorMessage?: string } | undefined,
  contentType: string,
): Uint8Array {
  const rejected = partial?.rejectedSpans ?? 0;
  const message = partial?.errorMessage ?? "";
  const empty = rejected === 0 && message === "";
  if (contentType.toLowerCase().includes("application/json")) {
    if (empty) return new TextEncoder().encode("{}");
    const out: { rejectedSpans?: string; errorMessage?: string } = {};
    // Protobuf's JSON mapping writes int64 as a decimal string, as the Collector does.
    if (rejected !== 0) out.rejectedSpans = String(rejected);
    if (message !== "") out.errorMessage = message;
    return new TextEncoder().encode(JSON.stringify({ partialSuccess: out }));
  }
  if (empty) return new Uint8Array(0);
  const inner = new ProtoWriter();
  if (rejected !== 0) inner.varintField(1, BigInt(rejected));
  if (message !== "") inner.stringField(2, message);
  const outer = new ProtoWriter();
  outer.bytesField(1, inner.finish());
  return outer.finish();
}

/** Encodes a google.rpc.Status error body (what OTLP servers send with 4xx/5xx) in the given content type. */
export function encodeRpcStatus(code: number, message: string, contentType: string): Uint8Array {
  if (contentType.toLowerCase().includes("application/x-protobuf")) {
    const w = new ProtoWriter();
    if (code !== 0) w.varintField(1, BigInt(code));
    if (message !== "") w.stringField(2, message);
    return w.finish();
  }
  return new TextEncoder().encode(JSON.stringify({ code, message }));
}
