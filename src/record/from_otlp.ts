/**
 * `record --from-otlp FILE`: reads spans from an OTLP file and maps them to recorded sessions.
 * Three layouts, told apart by the content, not the name: this tool's file target (one
 * OTLP/JSON ExportTraceServiceRequest per line), an OpenTelemetry Collector file exporter with
 * `format: json` (one TracesData per line, the same JSON shape), and one with `format: proto`
 * (each TracesData message preceded by its length as a 4-byte big-endian unsigned integer, as
 * `exportMessageAsBuffer` in the Collector's exporter/fileexporter/file_writer.go writes it).
 * A gzip-compressed file is unpacked first. Malformed input throws {@link RecordInputError}
 * naming the file and the line (JSON) or message and byte offset (protobuf).
 *
 * Input is bounded, since decoded spans take about ten times their file's size in memory: a file
 * (after gunzip) holds at most {@link MAX_OTLP_FILE_BYTES}, and one line or message at most
 * what a receiver takes in one request ({@link MAX_REQUEST_BYTES}). A gzip file is inflated
 * only up to the bound, so a small gzip bomb is refused without inflating it.
 */
import { readFile, stat } from "node:fs/promises";
import { gunzipSync } from "node:zlib";
import { decodeTraceRequest, OtlpDecodeError, type ReceivedSpan } from "../otlp/decode.ts";
import { MAX_REQUEST_BYTES } from "../export/receiver.ts";
import { formatBytes } from "../text/bytes.ts";
import { RecordInputError, sessionsFromSpans } from "./from_spans.ts";
import type { RecordedSession } from "./types.ts";

export { RecordInputError } from "./from_spans.ts";

/** Which layout an OTLP file had. */
export type OtlpFileFormat = "json-lines" | "json" | "proto";

/** Spans read from an OTLP file, and the layout they were in. */
export interface OtlpFileSpans {
  format: OtlpFileFormat;
  spans: ReceivedSpan[];
}

/**
 * Largest OTLP file `record --from-otlp` reads, after gunzip: 64 MiB (about 700 MB of memory
 * once decoded). A Collector file exporter rotating at `max_megabytes: 64` or less stays within it.
 */
export const MAX_OTLP_FILE_BYTES = 64 * 1024 * 1024;

const SPLIT_HINT = "split it (JSON lines: split -l 1000) or keep only the traces you want";

const JSON_TYPE = "application/json";
const PROTO_TYPE = "application/x-protobuf";

/** Reads and maps an OTLP file; throws RecordInputError when it cannot be read or decoded. */
export async function sessionsFromOtlpFile(path: string): Promise<RecordedSession[]> {
  const { format, spans } = await readOtlpFile(path);
  const kind = format === "proto" ? "an OTLP protobuf file" : "an OTLP/JSON file";
  return sessionsFromSpans(spans, { source: kind });
}

/** Reads an OTLP file's spans (see the module comment for the layouts). */
export async function readOtlpFile(path: string): Promise<OtlpFileSpans> {
  let bytes: Uint8Array;
  try {
    // Refused by its size before a byte is read.
    const { size } = await stat(path);
    if (size > MAX_OTLP_FILE_BYTES) throw tooLarge(path, `is ${formatBytes(size)}`);
    bytes = new Uint8Array(await readFile(path));
  } catch (error) {
    if (error instanceof RecordInputError) throw error;
    const code = (error as { code?: string }).code;
    const why = code === "ENOENT"
      ? "no such file"
      : code === "EISDIR"
      ? "it is a directory"
      : code === "EACCES"
      ? "permission denied"
      : (error as Error).message;
    throw new RecordInputError(`${path}: cannot read the OTLP file: ${why}`);
  }
  return decodeOtlpFile(bytes, path);
}

/** Decodes an OTLP file's bytes; `path` names it in errors. */
export function decodeOtlpFile(input: Uint8Array, path: string): OtlpFileSpans {
  let bytes = input;
  if (bytes.length > MAX_OTLP_FILE_BYTES) throw tooLarge(path, `is ${formatBytes(bytes.length)}`);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      // zlib stops at the bound: a bomb never inflates further.
      bytes = new Uint8Array(gunzipSync(bytes, { maxOutputLength: MAX_OTLP_FILE_BYTES }));
    } catch (error) {
      if ((error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") {
        throw tooLarge(path, `inflates (gzip) to more than ${formatBytes(MAX_OTLP_FILE_BYTES)}`);
      }
      throw new RecordInputError(`${path}: not a valid gzip file: ${(error as Error).message}`);
    }
  }
  if (bytes[0] === 0x28 && bytes[1] === 0xb5 && bytes[2] === 0x2f && bytes[3] === 0xfd) {
    throw new RecordInputError(
      `${path}: the file is zstd-compressed (the Collector's compression: zstd); ` +
        `decompress it first, e.g. zstd -d`,
    );
  }
  const first = bytes.findIndex((b) => !isSpace(b));
  if (first === -1) {
    throw new RecordInputError(`${path}: the file is empty; it holds no spans`);
  }
  const spans = bytes[first] === 0x7b /* { */ ? undefined : decodeFrames(bytes, path);
  if (spans) return { format: "proto", spans };
  return decodeJsonLines(bytes, path);
}

function decodeJsonLines(bytes: Uint8Array, path: string): OtlpFileSpans {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new RecordInputError(`${path}: the file is neither UTF-8 JSON lines nor OTLP protobuf`);
  }
  const lines = text.split("\n");
  const out: ReceivedSpan[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === "") continue;
    const encoded = new TextEncoder().encode(line);
    if (encoded.length > MAX_REQUEST_BYTES) {
      throw new RecordInputError(
        `${path}:${i + 1}: the line is ${formatBytes(encoded.length)}, more than the ` +
          `${formatBytes(MAX_REQUEST_BYTES)} one export request may hold; is it OTLP JSON lines?`,
      );
    }
    try {
      out.push(...decodeTraceRequest(encoded, JSON_TYPE));
    } catch (error) {
      if (!(error instanceof OtlpDecodeError)) throw error;
      // A single pretty-printed document spans several lines: accept the file as one.
      if (out.length === 0 && i === 0) {
        const whole = tryWhole(text);
        if (whole) return { format: "json", spans: whole };
      }
      throw new RecordInputError(
        `${path}:${i + 1}: not an OTLP/JSON trace export: ${error.message}`,
      );
    }
  }
  if (out.length === 0) throw new RecordInputError(`${path}: the file holds no spans`);
  return { format: "json-lines", spans: out };
}

function tryWhole(text: string): ReceivedSpan[] | undefined {
  try {
    const spans = decodeTraceRequest(new TextEncoder().encode(text), JSON_TYPE);
    return spans.length > 0 ? spans : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Length-prefixed protobuf messages; undefined when the bytes are not framed that way (so the
 * caller tries JSON), an error naming the message when a frame is framed but malformed.
 */
function decodeFrames(bytes: Uint8Array, path: string): ReceivedSpan[] | undefined {
  const frames: { at: number; body: Uint8Array }[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  while (at < bytes.length) {
    if (at + 4 > bytes.length) {
      throw framing(
        path,
        frames.length,
        at,
        `${bytes.length - at} stray bytes after the last message`,
      );
    }
    const size = view.getUint32(at, false);
    if (size > MAX_REQUEST_BYTES && at + 4 + size <= bytes.length) {
      throw framing(
        path,
        frames.length,
        at,
        `the message is ${formatBytes(size)}, more than the ${
          formatBytes(MAX_REQUEST_BYTES)
        } one export request may hold`,
      );
    }
    if (at + 4 + size > bytes.length) {
      if (frames.length === 0) {
        throw new RecordInputError(
          `${path}: not OTLP JSON lines (it does not start with "{") and not the Collector's ` +
            `protobuf format (a 4-byte big-endian length before each message)`,
        );
      }
      throw framing(
        path,
        frames.length,
        at,
        `the message says ${size} bytes but only ${
          bytes.length - at - 4
        } follow (a truncated file?)`,
      );
    }
    frames.push({ at, body: bytes.subarray(at + 4, at + 4 + size) });
    at += 4 + size;
  }
  const out: ReceivedSpan[] = [];
  frames.forEach((frame, i) => {
    try {
      out.push(...decodeTraceRequest(frame.body, PROTO_TYPE));
    } catch (error) {
      if (!(error instanceof OtlpDecodeError)) throw error;
      throw framing(path, i, frame.at, `not an OTLP TracesData message: ${error.message}`);
    }
  });
  if (out.length === 0) throw new RecordInputError(`${path}: the file holds no spans`);
  return out;
}

function tooLarge(path: string, what: string): RecordInputError {
  return new RecordInputError(
    `${path}: the file ${what}; record reads OTLP files of up to ` +
      `${formatBytes(MAX_OTLP_FILE_BYTES)}: ${SPLIT_HINT}`,
  );
}

function framing(path: string, index: number, at: number, why: string): RecordInputError {
  return new RecordInputError(`${path}: protobuf message ${index + 1} (byte ${at}): ${why}`);
}

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}
