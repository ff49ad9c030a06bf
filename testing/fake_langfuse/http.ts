/**
 * The fake Langfuse's small HTTP helpers: reading a JSON body or a header off a request, and
 * writing an answer as JSON or as raw bytes. Kept apart from the routing so the handlers in
 * other files can share them. Private to the folder.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { HttpAnswer } from "./reads.ts";

/** A handler's body sent as is, in its own content type, instead of as JSON. */
export class RawBody {
  constructor(readonly bytes: Uint8Array, readonly type: string) {}
}

/** The body parsed as JSON; a 400 when it is not JSON, as Langfuse answers. */
export function jsonBody(raw: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(raw));
  } catch {
    throw new HttpAnswer(400, "Invalid request data: body is not JSON");
  }
}

/** Whether `value` is a plain object, so its keys can be checked. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A header as one string: Node gives some repeated headers as a list, which this joins. */
export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

/** Writes the answer once: RawBody as its bytes and type, anything else as JSON. */
export function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const raw = body instanceof RawBody;
  res.writeHead(status, { "content-type": raw ? body.type : "application/json", ...headers });
  res.end(raw ? body.bytes : JSON.stringify(body));
}
