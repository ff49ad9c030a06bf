/**
 * What of an error answer's body is fit for a failure reason. An HTML page (a proxy's error
 * page, or a web app's 404 because the base URL is wrong) says nothing useful and would dump
 * markup into reports: it becomes a hint naming the variable to check. Other bodies have the
 * secrets the sender knows removed here, before anyone shortens them: a secret cut in half by
 * a later `slice` would no longer match at the edge where output is redacted. Control characters
 * are shown as escapes (report/escape.ts): a body must not drive the terminal it is printed on.
 */
import { escapeControls } from "../report/escape.ts";
import { redact } from "../report/redact.ts";

/** How much of a body is read for a reason; reasons show far less. */
export const BODY_READ_LIMIT = 65_536;

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
