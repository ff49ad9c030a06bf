/**
 * A failed fetch as a short reason for a user, shared by the OTLP sender and the Langfuse client.
 */

/** A network error as a short reason, without URLs (which could carry credentials). */
export function describeNetworkError(error: unknown): string {
  const err = error as {
    message?: string;
    code?: string;
    cause?: { code?: string; message?: string };
  };
  const text = `${err.code ?? ""} ${err.cause?.code ?? ""} ${err.message ?? ""} ${
    err.cause?.message ?? ""
  }`;
  if (/refused/i.test(text)) return "connection refused";
  if (/reset|closed|hang ?up|socket|broken pipe|EPIPE|aborted|incomplete|eof/i.test(text)) {
    return "connection closed without an answer";
  }
  if (/ENOTFOUND|dns|lookup|resolve/i.test(text)) return "host not found";
  return `network error: ${
    (err.message ?? String(error)).replace(/\S+:\/\/\S+/g, "<url>").slice(0, 100)
  }`;
}
