/**
 * A loopback OTLP/HTTP trace receiver that behaves like Langfuse's `/api/public/otel/v1/traces`
 * route (or a Collector): the CLI's local preview sink, `record --listen`'s receiver, and a
 * scriptable fake server for tests. A request body is bounded on the wire and after gunzip
 * ({@link MAX_REQUEST_BYTES}): a larger one is answered 413, as a Collector answers a body over
 * its `max_request_body_size`, without holding more than the bound, so a small gzip bomb cannot
 * inflate into gigabytes.
 */

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { gunzip } from "node:zlib";
import { formatBytes } from "../text/bytes.ts";
import {
  checkBasicAuth,
  closeServer,
  type KeyPair,
  listenOnLoopback,
  readBoundedBody,
} from "../http/loopback.ts";
import {
  decodeTraceRequest,
  encodeRpcStatus,
  encodeTraceResponse,
  OtlpDecodeError,
  type ReceivedSpan,
} from "../otlp/decode.ts";

/** What the receiver does with one request; returned by the `respond` option. Default: accept all. */
export interface ReceiverAction {
  /** Answer with this status instead of accepting (e.g. 503, 429, 500, 400); spans are NOT recorded as accepted. */
  status?: number;
  /** Extra response headers, e.g. { "retry-after": "1" }. */
  headers?: Record<string, string>;
  /** Response body instead of the default OTLP one. */
  body?: string;
  /** The error status body's message (a google.rpc.Status, as OTLP servers send); default "scripted STATUS". */
  message?: string;
  /** Wait this long before answering (slow receiver). */
  delayMs?: number;
  /** Destroy the socket without answering (connection reset). */
  drop?: boolean;
  /** Answer 200 with partialSuccess rejecting the LAST `count` spans of the request; those are not recorded as accepted. */
  rejectSpans?: { count: number; message: string };
}

/** One HTTP request as the receiver saw and answered it. */
export interface ReceivedRequest {
  /** Arrival order over all requests, from 0. */
  index: number;
  /** Request target as sent (path and query). */
  path: string;
  /** Lowercased header names; Authorization values are replaced by "[redacted]". */
  headers: Record<string, string>;
  /** Content-Type header as sent, "" if none. */
  contentType: string;
  /** Whether the body was gzip-encoded. */
  gzip: boolean;
  /** Body size on the wire (before gunzip). */
  bodyBytes: number;
  /** Decoded spans; empty if the body was not decoded. */
  spans: ReceivedSpan[];
  /** Status answered; 0 when the connection was dropped without an answer. */
  status: number;
  /** Spans recorded as accepted from this request. */
  accepted: number;
}

/**
 * Largest request body taken, in bytes, on the wire and again after gunzip: 32 MiB. Our own
 * exporter sends at most 4 MiB a request and Langfuse Cloud takes about 5 MB; a Collector's
 * default is 20 MiB.
 */
export const MAX_REQUEST_BYTES = 32 * 1024 * 1024;

/** A request refused before its spans were read: what was answered and why. */
export interface RefusedRequest {
  index: number;
  status: number;
  message: string;
}

/** Options for {@link startOtlpReceiver}. */
export interface ReceiverOptions {
  /** Port to listen on; default 0 (any free port). Host is always 127.0.0.1. */
  port?: number;
  /** Largest body in bytes, on the wire and after gunzip; default {@link MAX_REQUEST_BYTES}. */
  maxBodyBytes?: number;
  /** Told of each request refused before decoding (too large, bad gzip, not OTLP, …). */
  onRefused?: (refused: RefusedRequest) => void;
  /** Basic-auth credentials to demand; default none (any request accepted). */
  auth?: KeyPair;
  /**
   * Whether `requests` and `spans` keep every request and accepted span; default true. A
   * long-running receiver (`record --listen`) passes false and keeps what it needs itself, so
   * that refused requests are not held either.
   */
  keepHistory?: boolean;
  /**
   * Decides per request (after decoding) what to do; default accept. index counts from 0 over
   * all requests; bodyBytes is the body's size once inflated.
   */
  respond?: (
    request: {
      index: number;
      spans: ReceivedSpan[];
      headers: Record<string, string>;
      bodyBytes: number;
    },
  ) => ReceiverAction | undefined | Promise<ReceiverAction | undefined>;
}

/** A running receiver. */
export interface OtlpReceiver {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  readonly url: string;
  /** Every request seen, in arrival order (none kept when `keepHistory` is false). */
  readonly requests: ReceivedRequest[];
  /** Spans accepted (acknowledged), in arrival order (none kept when `keepHistory` is false). */
  readonly spans: ReceivedSpan[];
  /** Resolves once `count` spans have been accepted or rejects after timeoutMs (default 5000). */
  waitForSpans(count: number, timeoutMs?: number): Promise<void>;
  /** Stops listening and closes every connection, keep-alive ones included. */
  close(): Promise<void>;
}

const JSON_TYPE = "application/json";
const PROTO_TYPE = "application/x-protobuf";
const REDACTED = "[redacted]";

/** google.rpc.Code for a scripted HTTP status, so OTLP clients see a plausible error body. */
function rpcCodeFor(status: number): number {
  if (status === 400) return 3; // INVALID_ARGUMENT
  if (status === 401) return 16; // UNAUTHENTICATED
  if (status === 403) return 7; // PERMISSION_DENIED
  if (status === 404) return 5; // NOT_FOUND
  if (status === 429) return 8; // RESOURCE_EXHAUSTED
  if (status === 503 || status === 502 || status === 504) return 14; // UNAVAILABLE
  return 2; // UNKNOWN
}

function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    const key = name.toLowerCase();
    // Credentials must never reach logs or test snapshots.
    const redact = key === "authorization" || key === "proxy-authorization";
    out[key] = redact ? REDACTED : Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

/**
 * Inflates `data`, or answers undefined as soon as the output would pass `limit` bytes: zlib
 * stops there, so a bomb costs no more memory than the limit.
 */
function gunzipBounded(data: Uint8Array, limit: number): Promise<Uint8Array | undefined> {
  return new Promise((resolve, reject) => {
    gunzip(data, { maxOutputLength: limit }, (err, out) => {
      if ((err as { code?: string } | null)?.code === "ERR_BUFFER_TOO_LARGE") resolve(undefined);
      else if (err) reject(err);
      else resolve(new Uint8Array(out));
    });
  });
}

/** Starts an OTLP/HTTP trace receiver on loopback. */
export async function startOtlpReceiver(options: ReceiverOptions = {}): Promise<OtlpReceiver> {
  const requests: ReceivedRequest[] = [];
  const spans: ReceivedSpan[] = [];
  const waiters = new Set<{ count: number; done: (err?: Error) => void }>();
  // Pending delays, so close() can cut them short instead of leaving timers behind.
  const delays = new Set<() => void>();
  let nextIndex = 0;
  let closed = false;

  const record = (entry: ReceivedRequest, accepted: ReceivedSpan[]): void => {
    if (options.keepHistory === false) return;
    // Insert by index: a slow (delayed) request still lands in arrival order.
    let at = requests.length;
    while (at > 0 && requests[at - 1].index > entry.index) at--;
    requests.splice(at, 0, entry);
    spans.push(...accepted);
    for (const w of waiters) if (spans.length >= w.count) w.done();
  };

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        delays.delete(finish);
        resolve();
      };
      const timer = setTimeout(finish, ms);
      delays.add(finish);
    });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const index = nextIndex++;
    const headers = flattenHeaders(req);
    const contentType = headers["content-type"] ?? "";
    const encoding = (headers["content-encoding"] ?? "").trim().toLowerCase();
    const entry: ReceivedRequest = {
      index,
      path: req.url ?? "/",
      headers,
      contentType,
      gzip: encoding === "gzip",
      bodyBytes: 0,
      spans: [],
      status: 0,
      accepted: 0,
    };
    const limit = options.maxBodyBytes ?? MAX_REQUEST_BYTES;
    const raw = await readBoundedBody(req, limit);
    entry.bodyBytes = raw?.length ?? Number(headers["content-length"] ?? 0);

    const answer = (
      status: number,
      body: Uint8Array | string,
      type: string,
      extra: Record<string, string> = {},
      accepted: ReceivedSpan[] = [],
    ): void => {
      entry.status = status;
      entry.accepted = accepted.length;
      record(entry, accepted);
      if (res.destroyed) return;
      res.writeHead(status, { "content-type": type, ...extra });
      res.end(body);
    };
    const fail = (status: number, message: string, extra: Record<string, string> = {}): void => {
      options.onRefused?.({ index, status, message });
      answer(status, JSON.stringify({ message }), JSON_TYPE, extra);
    };
    // The rest of a body too large is read and dropped, never held.
    const tooLarge = (what: string): void =>
      fail(
        413,
        `${what} ${formatBytes(limit)}, the most this receiver takes; send smaller batches`,
      );
    if (raw === undefined) return tooLarge("the request body is larger than");

    const pathname = (req.url ?? "/").split("?")[0];
    if (!pathname.endsWith("/v1/traces")) return fail(404, `no route for ${pathname}`);
    if (req.method !== "POST") return fail(405, "only POST is allowed", { allow: "POST" });
    if (options.auth) {
      const denied = checkBasicAuth(req.headers.authorization, options.auth);
      if (denied === 401) {
        return fail(401, "missing or invalid basic auth", {
          "www-authenticate": 'Basic realm="otlp"',
        });
      }
      if (denied === 403) return fail(403, "bearer tokens are not accepted; use basic auth");
    }
    const lowerType = contentType.toLowerCase();
    const otlpType = lowerType.includes(JSON_TYPE)
      ? JSON_TYPE
      : lowerType.includes(PROTO_TYPE)
      ? PROTO_TYPE
      : undefined;
    if (otlpType === undefined) {
      return fail(
        400,
        `unsupported content type "${contentType}"; use ${JSON_TYPE} or ${PROTO_TYPE}`,
      );
    }
    if (encoding !== "" && encoding !== "identity" && encoding !== "gzip") {
      return fail(415, `unsupported content encoding "${encoding}"`);
    }
    const badRequest = (message: string): void => {
      options.onRefused?.({ index, status: 400, message });
      answer(400, encodeRpcStatus(3, message, otlpType), otlpType);
    };
    let body: Uint8Array | undefined = raw;
    if (entry.gzip) {
      try {
        body = await gunzipBounded(raw, limit);
      } catch (e) {
        return badRequest(`invalid gzip body: ${(e as Error).message}`);
      }
      if (body === undefined) return tooLarge("the gzip body inflates to more than");
    }
    try {
      entry.spans = decodeTraceRequest(body, otlpType);
    } catch (e) {
      if (e instanceof OtlpDecodeError) return badRequest(e.message);
      throw e;
    }

    const action = (await options.respond?.({
      index,
      spans: entry.spans,
      headers,
      bodyBytes: body.length,
    })) ?? {};
    if (action.delayMs !== undefined && action.delayMs > 0) await sleep(action.delayMs);
    if (closed) {
      record(entry, []);
      res.destroy();
      return;
    }
    if (action.drop) {
      record(entry, []);
      req.socket.destroy();
      return;
    }
    const extra = action.headers ?? {};
    if (action.status !== undefined && action.status !== 200) {
      if (action.body !== undefined) return answer(action.status, action.body, "text/plain", extra);
      const message = action.message ?? `scripted ${action.status}`;
      const code = rpcCodeFor(action.status);
      return answer(action.status, encodeRpcStatus(code, message, otlpType), otlpType, extra);
    }
    const all = entry.spans;
    const rejected = Math.min(Math.max(action.rejectSpans?.count ?? 0, 0), all.length);
    const accepted = all.slice(0, all.length - rejected);
    const partial = action.rejectSpans
      ? { rejectedSpans: rejected, errorMessage: action.rejectSpans.message }
      : undefined;
    if (action.body !== undefined) {
      return answer(200, action.body, "text/plain", extra, accepted);
    }
    answer(200, encodeTraceResponse(partial, otlpType), otlpType, extra, accepted);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (res.headersSent || res.destroyed) return;
      res.writeHead(500, { "content-type": JSON_TYPE });
      res.end(JSON.stringify({ message: `receiver error: ${String(e)}` }));
    });
  });

  const url = await listenOnLoopback(server, options.port);

  return {
    url,
    requests,
    spans,
    waitForSpans(count: number, timeoutMs = 5000): Promise<void> {
      if (spans.length >= count) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const waiter = {
          count,
          done: (err?: Error) => {
            clearTimeout(timer);
            waiters.delete(waiter);
            if (err) reject(err);
            else resolve();
          },
        };
        const timer = setTimeout(
          () =>
            waiter.done(
              new Error(
                `timed out after ${timeoutMs}ms: ${spans.length} of ${count} spans accepted`,
              ),
            ),
          timeoutMs,
        );
        waiters.add(waiter);
      });
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      for (const w of waiters) w.done(new Error("receiver closed"));
      for (const finish of delays) finish();
      await closeServer(server);
    },
  };
}
