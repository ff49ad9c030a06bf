/**
 * Reading a server's answer, at most a given number of bytes of it, and what of an error
 * answer's body is fit for a failure reason. An HTML page (a proxy's error
 * page, or a web app's 404 because the base URL is wrong) says nothing useful and would dump
 * markup into reports: it becomes a hint naming the variable to check. Other bodies have the
 * secrets the sender knows removed here, before anyone shortens them: a secret cut in half by
 * a later `slice` would no longer match at the edge where output is redacted. Control characters
 * are shown as escapes (text/escape.ts): a body must not drive the terminal it is printed on.
 */
import { escapeControls } from "../text/escape.ts";
import { redact } from "./redact.ts";

/** How much of a body is read for a reason; reasons show far less. */
export const BODY_READ_LIMIT = 65_536;

/** An answer's body as read: all of it (`whole`), or its first bytes up to the limit. */
export interface BoundedAnswer {
  bytes: Uint8Array;
  whole: boolean;
}

/**
 * Reads `response`'s body, at most `limit` bytes of it (counted after fetch undoes any gzip).
 * Past the limit the stream is cancelled, which closes the connection: a huge or endless
 * answer costs `limit` bytes of memory, not the process's. Read errors (a timeout, a dropped
 * connection) are thrown as fetch throws them.
 */
export async function readAnswer(response: Response, limit: number): Promise<BoundedAnswer> {
  if (response.body === null) return { bytes: new Uint8Array(0), whole: true };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let whole = true;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.length > limit) {
      chunks.push(value.subarray(0, limit - size));
      size = limit;
      whole = false;
      // Not awaited: a server that ignores the close must not hold the caller.
      reader.cancel().catch(() => {});
      break;
    }
    chunks.push(value);
    size += value.length;
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return { bytes, whole };
}

/** Whether `body` is an HTML page rather than an API answer. */
export function isHtml(body: string): boolean {
  const start = body.trimStart().slice(0, 512).toLowerCase();
  return start.startsWith("<") && /<(!doctype\s+html|html|head|body|title)[\s>]/.test(start);
}

/**
 * The body as a failure reason shows it: an HTML page becomes "an HTML page, not an API
 * answer: check <urlHint>"; anything else is returned with `secrets` redacted and control
 * characters escaped.
 */
export function answerBody(
  body: string,
  urlHint?: string,
  secrets: readonly string[] = [],
): string {
  if (!isHtml(body)) return escapeControls(redact(body, secrets), { newlines: true });
  return `an HTML page, not an API answer: check ${urlHint ?? "the endpoint URL"}`;
}
