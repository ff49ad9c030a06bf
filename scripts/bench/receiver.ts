/**
 * The benchmark's OTLP/HTTP receiver, run as its own process: decodes every request (JSON or
 * protobuf, gzip allowed) and counts its spans, but keeps none of them, so its memory stays
 * flat however many spans arrive. Accepts `POST …/v1/traces` on any prefix (Langfuse's SDK posts
 * to `/api/public/otel/v1/traces`) and answers 200 with an empty OTLP response.
 *
 * `GET /count` answers `{ spans, requests, bytes, rejected, cpuMs }`; `POST /reset` zeroes the
 * counters. Prints its URL as the first line of stdout and exits on SIGTERM or SIGINT.
 * `--decode count` walks the message structure instead of building every span (cheaper).
 *
 * @example
 * deno run -A scripts/bench/receiver.ts   # -> http://127.0.0.1:41234
 */
import { Buffer } from "node:buffer";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import process from "node:process";
import { gunzipSync } from "node:zlib";
import { decodeTraceRequest, encodeTraceResponse } from "../../src/otlp/decode.ts";

/** What the receiver has counted since it started or was last reset. */
export interface ReceiverCount {
  /** Spans decoded from accepted requests. */
  spans: number;
  /** Trace export requests accepted. */
  requests: number;
  /** Request bytes on the wire. */
  bytes: number;
  /** Requests answered with an error (not decodable, wrong route). */
  rejected: number;
  /** CPU time the receiver process spent since the last reset, user + system, ms. */
  cpuMs: number;
}

/** How the receiver decodes: `full` builds every span (`decodeTraceRequest`, as the preview
 * does); `count` walks the message structure (protobuf fields, parsed JSON) and only counts. */
export type DecodeMode = "full" | "count";

/** A running counting receiver. */
export interface CountingReceiver {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  /** The counts so far. */
  count(): ReceiverCount;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** Reads a protobuf varint at `at`; returns [value, next offset]. Lengths fit in 2^53. */
function varint(buf: Uint8Array, at: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (;;) {
    if (at >= buf.length) throw new Error("truncated varint");
    const byte = buf[at++];
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return [value, at];
    scale *= 128;
  }
}

/** Calls `visit(field, start, end)` for each length-delimited field of a message; skips others. */
function eachField(
  buf: Uint8Array,
  start: number,
  end: number,
  visit: (field: number, from: number, to: number) => void,
): void {
  let at = start;
  while (at < end) {
    const [key, afterKey] = varint(buf, at);
    at = afterKey;
    const wire = key % 8;
    if (wire === 0) at = varint(buf, at)[1];
    else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else if (wire === 2) {
      const [length, from] = varint(buf, at);
      at = from + length;
      if (at > end) throw new Error("field overruns its message");
      visit(Math.floor(key / 8), from, at);
    } else throw new Error(`unsupported wire type ${wire}`);
  }
}

/** Counts the spans of an ExportTraceServiceRequest without materialising them. */
export function countSpans(body: Uint8Array, contentType: string): number {
  let spans = 0;
  if (contentType.toLowerCase().includes("json")) {
    const request = JSON.parse(new TextDecoder().decode(body)) as {
      resourceSpans?: { scopeSpans?: { spans?: unknown[] }[] }[];
    };
    for (const resource of request.resourceSpans ?? []) {
      for (const scope of resource.scopeSpans ?? []) spans += scope.spans?.length ?? 0;
    }
    return spans;
  }
  // request.resource_spans = 1; ResourceSpans.scope_spans = 2; ScopeSpans.spans = 2.
  eachField(body, 0, body.length, (field, from, to) => {
    if (field !== 1) return;
    eachField(body, from, to, (field, from, to) => {
      if (field !== 2) return;
      eachField(body, from, to, (field) => {
        if (field === 2) spans++;
      });
    });
  });
  return spans;
}

/** Starts a counting receiver on 127.0.0.1 (port 0: any free port). */
export async function startCountingReceiver(
  port = 0,
  decode: DecodeMode = "full",
): Promise<CountingReceiver> {
  let counts = { spans: 0, requests: 0, bytes: 0, rejected: 0 };
  let cpuBase = process.cpuUsage();
  const count = (): ReceiverCount => {
    const cpu = process.cpuUsage(cpuBase);
    return { ...counts, cpuMs: Math.round((cpu.user + cpu.system) / 1000) };
  };

  const answer = (res: ServerResponse, status: number, type: string, body: Uint8Array | string) => {
    res.writeHead(status, { "content-type": type });
    res.end(body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" && path === "/count") {
      return answer(res, 200, "application/json", JSON.stringify(count()));
    }
    if (req.method === "POST" && path === "/reset") {
      await readBody(req);
      counts = { spans: 0, requests: 0, bytes: 0, rejected: 0 };
      cpuBase = process.cpuUsage();
      return answer(res, 200, "application/json", JSON.stringify(count()));
    }
    const raw = await readBody(req);
    if (req.method !== "POST" || !path.endsWith("/v1/traces")) {
      counts.rejected++;
      return answer(res, 404, "application/json", JSON.stringify({ message: `no route ${path}` }));
    }
    const type = String(req.headers["content-type"] ?? "");
    const gzip = String(req.headers["content-encoding"] ?? "").toLowerCase() === "gzip";
    try {
      const body = new Uint8Array(gzip ? gunzipSync(raw) : raw);
      const spans = decode === "full"
        ? decodeTraceRequest(body, type).length
        : countSpans(body, type);
      counts.spans += spans;
      counts.requests++;
      counts.bytes += raw.length;
    } catch (error) {
      counts.rejected++;
      return answer(res, 400, "application/json", JSON.stringify({ message: String(error) }));
    }
    const otlpType = type.toLowerCase().includes("json")
      ? "application/json"
      : "application/x-protobuf";
    answer(res, 200, otlpType, encodeTraceResponse(undefined, otlpType));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      counts.rejected++;
      if (!res.headersSent) answer(res, 500, "application/json", JSON.stringify(String(error)));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    count,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

if (import.meta.main) {
  const decode = process.argv.includes("--decode")
    ? process.argv[process.argv.indexOf("--decode") + 1]
    : "full";
  if (decode !== "full" && decode !== "count") {
    throw new Error(`--decode must be full or count, not "${decode}"`);
  }
  const receiver = await startCountingReceiver(0, decode);
  console.log(receiver.url);
  // Exiting closes the socket; waiting for idle keep-alive connections would only delay it.
  const stop = () => process.exit(0);
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}
