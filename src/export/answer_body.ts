/**
 * What of an error answer's body is fit for a failure reason. An HTML page (a proxy's error
 * page, or a web app's 404 because the base URL is wrong) says nothing useful and would dump
 * markup into reports: it becomes a hint naming the variable to check. Other bodies are kept;
 * secrets they echo are removed where text leaves the process (see src/report/redact.ts).
 */

/** Whether `body` is an HTML page rather than an API answer. */
export function isHtml(body: string): boolean {
  const start = body.trimStart().slice(0, 512).toLowerCase();
  return start.startsWith("<") && /<(!doctype\s+html|html|head|body|title)[\s>]/.test(start);
}

/**
 * The body as a failure reason shows it: an HTML page becomes "an HTML page, not an API
 * answer: check <urlHint>"; anything else is returned unchanged.
 */
export function answerBody(body: string, urlHint?: string): string {
  if (!isHtml(body)) return body;
  return `an HTML page, not an API answer: check ${urlHint ?? "the endpoint URL"}`;
}
