/**
 * Reads the body of an OTLP/HTTP success answer. The OTLP spec says a 200's body is an
 * ExportTraceServiceResponse in the request's encoding, with `partialSuccess` when spans were
 * rejected. A 200 that carries an HTML page (a web app behind the wrong URL) or a body that
 * does not decode is no acknowledgement: the batch counts as failed, with what came back. An
 * empty body is accepted, as Collectors and Langfuse send one.
 */
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { isHtml } from "../http/answer_body.ts";
import { escapeControls } from "../text/escape.ts";
import { redact } from "../http/redact.ts";

/** What a success answer said: spans rejected (with the server's message), or why it is unreadable. */
export type ExportAnswer =
  | { rejected: number; message?: string }
  | { unreadable: string };

/** Options for {@link readExportResponse}. */
export interface ExportResponseOptions {
  /** The response's Content-Type header; null when absent. */
  contentType: string | null;
  /** The request's encoding, the one to try when the answer names none. */
  protocol: "http/json" | "http/protobuf";
  /** Which variable to check when an HTML page came back; default "the endpoint URL". */
  urlHint?: string;
  /** Values to remove from a quoted body. */
  secrets?: readonly string[];
}

/** Reads a 2xx answer's body as an ExportTraceServiceResponse. */
export function readExportResponse(body: Uint8Array, options: ExportResponseOptions): ExportAnswer {
  if (body.length === 0) return { rejected: 0 };
  const type = (options.contentType ?? "").toLowerCase();
  // The start is enough to tell an HTML page and to quote; JSON is parsed whole.
  const text = () => new TextDecoder().decode(body.subarray(0, 4096));
  if (type.includes("text/html") || isHtml(text())) {
    return {
      unreadable: `an HTML page, not an OTLP response: check ${
        options.urlHint ?? "the endpoint URL"
      }`,
    };
  }
  const json = type.includes("json") ||
    (!type.includes("protobuf") && options.protocol === "http/json");
  const answer = json ? fromJson(new TextDecoder().decode(body)) : fromProtobuf(body);
  if (answer !== undefined) return answer;
  const quoted = escapeControls(
    redact(text(), options.secrets ?? []).replace(/\s+/g, " ").trim().slice(0, 80),
  );
  return {
    unreadable: `a body that is not an OTLP ${json ? "JSON" : "protobuf"} response` +
      `${type === "" ? "" : ` (content-type ${JSON.stringify(type)})`}: ${JSON.stringify(quoted)}`,
  };
}

function fromJson(text: string): ExportAnswer | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  const partial = (value as { partialSuccess?: unknown }).partialSuccess;
  if (partial === undefined || partial === null) return { rejected: 0 };
  if (typeof partial !== "object") return undefined;
  const { rejectedSpans, errorMessage } = partial as Record<string, unknown>;
  // Protobuf's JSON mapping writes int64 as a decimal string; numbers are accepted too.
  const rejected = rejectedSpans === undefined ? 0 : Number(rejectedSpans);
  if (!Number.isInteger(rejected) || rejected < 0) return undefined;
  // The server's words go into reasons printed on a terminal.
  return typeof errorMessage === "string" && errorMessage !== ""
    ? { rejected, message: escapeControls(errorMessage) }
    : { rejected };
}

function fromProtobuf(body: Uint8Array): ExportAnswer | undefined {
  try {
    const partial = ProtobufTraceSerializer.deserializeResponse(body).partialSuccess;
    const rejected = Number(partial?.rejectedSpans ?? 0);
    return partial?.errorMessage
      ? { rejected, message: escapeControls(partial.errorMessage) }
      : { rejected };
  } catch {
    return undefined;
  }
}
