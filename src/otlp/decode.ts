/**
 * Decodes OTLP/HTTP trace export requests (JSON or protobuf) into a flat span model, and encodes
 * the matching export responses. Pure: no I/O, no dependencies beyond web APIs. This is the
 * public face; the parts live in the folder's private _otlp_*.ts and _proto_wire.ts files.
 */
import { decodeJsonRequest } from "./_json.ts";
import { decodeProtobufRequest } from "./_proto.ts";
import { OtlpDecodeError, type ReceivedSpan } from "./_types.ts";

// Re-exported so importers keep this one path while the parts live in private files.
export { type AttrType, type AttrValue, OtlpDecodeError, type ReceivedSpan } from "./_types.ts";
export { encodeRpcStatus, encodeTraceResponse } from "./_response.ts";

/** Decodes an OTLP/HTTP trace request body; `contentType` picks JSON (contains "application/json") or protobuf (contains "application/x-protobuf"). */
export function decodeTraceRequest(body: Uint8Array, contentType: string): ReceivedSpan[] {
  const type = contentType.toLowerCase();
  if (type.includes("application/json")) return decodeJsonRequest(body);
  if (type.includes("application/x-protobuf")) return decodeProtobufRequest(body);
  throw new OtlpDecodeError(`unsupported content type "${contentType}"`);
}
