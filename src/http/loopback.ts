/**
 * What the two loopback servers share, the OTLP receiver (src/export/receiver.ts) and the fake
 * Langfuse (testing/fake_langfuse/server.ts): Langfuse's Basic-auth rule, reading a request body,
 * and listening on and closing a port on 127.0.0.1.
 */
import type { IncomingMessage, Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Buffer } from "node:buffer";

/** A project's key pair. */
export interface KeyPair {
  publicKey: string;
  secretKey: string;
}

/**
 * Langfuse's API key check, Basic base64(publicKey:secretKey): 401 for a missing, malformed or
 * wrong Basic key, 403 for a Bearer token, else undefined.
 */
export function checkBasicAuth(header: string | undefined, keys: KeyPair): 401 | 403 | undefined {
  if (header === undefined || header.trim() === "") return 401;
  const [scheme, token = ""] = header.trim().split(/\s+/, 2);
  if (scheme.toLowerCase() === "bearer") return 403;
  if (scheme.toLowerCase() !== "basic") return 401;
  const decoded = Buffer.from(token, "base64").toString("utf8");
  return decoded === `${keys.publicKey}:${keys.secretKey}` ? undefined : 401;
}

/** The request's whole body as sent (still gzipped if it was). */
export async function readBody(req: IncomingMessage): Promise<Uint8Array> {
  return (await readBoundedBody(req, Infinity)) as Uint8Array;
}

/**
 * The request's body as sent, or undefined as soon as it is known to exceed `limit` bytes:
 * from its Content-Length before a byte is read, else when the bytes read pass it. What is
 * over the limit is never held; the caller answers 413 and closes the connection.
 */
export function readBoundedBody(
  req: IncomingMessage,
  limit: number,
): Promise<Uint8Array | undefined> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      chunks.length = 0;
      req.off("data", onData);
      resolve(undefined);
    };
    req.on("data", onData);
    req.on("end", () => resolve(new Uint8Array(Buffer.concat(chunks))));
    req.on("error", reject);
  });
}

/** Starts `server` listening on 127.0.0.1 at `port` (0: any free one); answers its base URL. */
export async function listenOnLoopback(server: Server, port = 0): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Stops listening and closes every connection, keep-alive ones included. */
export function closeServer(server: Server): Promise<void> {
  const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
  // server.close() alone waits for keep-alive sockets to go idle and time out.
  server.closeAllConnections();
  return stopped;
}
