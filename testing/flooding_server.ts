/**
 * A loopback server that answers every request with more than a client should read: a body of
 * a given size, or a chunked stream that never ends. For the tests of bounded answer reading.
 */
import { createServer, type ServerResponse } from "node:http";
import { closeServer, listenOnLoopback } from "../src/http/loopback.ts";

/** What every answer is. */
export interface FloodOptions {
  /** Status answered; default 200. */
  status?: number;
  /** Content-Type answered; default "application/json". */
  contentType?: string;
  /** Body size, sent with a Content-Length; default: a chunked stream that never ends. */
  bytes?: number;
}

/** A running flooding server. */
export interface FloodingServer {
  url: string;
  /** Requests answered so far. */
  requests(): number;
  /**
   * Resolves once the client has closed `count` connections before their body ended; rejects
   * after `timeoutMs` (default 2000) with how many it closed.
   */
  waitForHangUps(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const CHUNK = new Uint8Array(64 * 1024).fill(0x20);

/** Starts a flooding server on 127.0.0.1. */
export async function startFloodingServer(options: FloodOptions = {}): Promise<FloodingServer> {
  let requests = 0;
  let hungUp = 0;
  const server = createServer((req, res) => {
    requests++;
    req.resume();
    const headers: Record<string, string> = {
      "content-type": options.contentType ?? "application/json",
    };
    if (options.bytes !== undefined) headers["content-length"] = String(options.bytes);
    res.writeHead(options.status ?? 200, headers);
    res.on("close", () => {
      if (!res.writableFinished) hungUp++;
    });
    void flood(res, options.bytes ?? Infinity);
  });
  const url = await listenOnLoopback(server);
  return {
    url,
    requests: () => requests,
    async waitForHangUps(count, timeoutMs = 2000) {
      const until = performance.now() + timeoutMs;
      while (hungUp < count) {
        if (performance.now() > until) {
          throw new Error(`the client closed ${hungUp} of ${count} answers within ${timeoutMs} ms`);
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    close: () => closeServer(server),
  };
}

/** Writes `bytes` of spaces to `res` at the pace the client reads them. */
async function flood(res: ServerResponse, bytes: number): Promise<void> {
  let left = bytes;
  while (left > 0 && !res.destroyed) {
    const chunk = left >= CHUNK.length ? CHUNK : CHUNK.subarray(0, left);
    left -= chunk.length;
    if (!res.write(chunk)) {
      await new Promise<void>((resolve) => {
        res.once("drain", resolve);
        res.once("close", resolve);
      });
    }
  }
  if (!res.destroyed) res.end();
}
