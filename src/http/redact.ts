/**
 * The run's secrets and their removal from text. Every secret the environment holds is
 * collected in every form it can take on the way out: the Langfuse keys, the Basic token and
 * the full `Basic …` value, every OTEL header value (as written, percent-encoded, and decoded,
 * and each word of it, for `Bearer <token>`), and the query and fragment values of the URL
 * variables. Text leaving the process (output, files) goes through {@link redact}.
 *
 * Pure: the environment is passed in.
 */

/** What replaces a secret in text. */
export const REDACTED = "[redacted]";

/**
 * Shorter values are not treated as secrets: replacing "1" or "abc" everywhere would garble
 * counts and words, and a value that short is no credential.
 */
const MIN_SECRET_LENGTH = 4;

/** The variables whose values are header lists (`k1=v1,k2=v2`, values percent-encoded). */
export const HEADER_VARIABLES = [
  "OTEL_EXPORTER_OTLP_HEADERS",
  "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
  "OTEL_EXPORTER_OTLP_METRICS_HEADERS",
] as const;

/** The variables holding URLs, whose query or fragment could carry a key. */
export const URL_VARIABLES = [
  "LANGFUSE_BASE_URL",
  "LANGFUSE_HOST",
  "OTEL_EXPORTER_OTLP_ENDPOINT",
  "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
  "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
] as const;

/** Every form of every secret in `env`, longest first, so `Basic <token>` goes before `<token>`. */
export function collectSecrets(env: Record<string, string | undefined>): string[] {
  const found = new Set<string>();
  const add = (value: string | undefined) => {
    if (value === undefined) return;
    for (const form of forms(value)) found.add(form);
  };
  const publicKey = env.LANGFUSE_PUBLIC_KEY;
  const secretKey = env.LANGFUSE_SECRET_KEY;
  add(publicKey);
  add(secretKey);
  if (publicKey || secretKey) {
    const token = base64(`${publicKey ?? ""}:${secretKey ?? ""}`);
    add(token);
    add(`Basic ${token}`);
  }
  for (const name of HEADER_VARIABLES) {
    for (const pair of (env[name] ?? "").split(",")) {
      const eq = pair.indexOf("=");
      if (eq < 0) continue;
      const raw = pair.slice(eq + 1).trim();
      add(raw);
      const decoded = tryDecode(raw);
      add(decoded);
      // `Bearer <token>` or `Basic <token>`: the token alone may be echoed too.
      for (const word of decoded.split(/\s+/)) add(word);
    }
  }
  for (const name of URL_VARIABLES) {
    const value = env[name];
    if (!value) continue;
    const hash = value.indexOf("#");
    const query = value.indexOf("?");
    if (hash >= 0) add(value.slice(hash + 1));
    if (query >= 0) {
      const search = value.slice(query + 1, hash > query ? hash : undefined);
      for (const pair of search.split("&")) {
        const eq = pair.indexOf("=");
        const raw = eq < 0 ? pair : pair.slice(eq + 1);
        add(raw);
        add(tryDecode(raw.replace(/\+/g, " ")));
      }
    }
  }
  return [...found].filter((s) => s.length >= MIN_SECRET_LENGTH).sort((a, b) =>
    b.length - a.length
  );
}

/**
 * Every form of the values of `headers`, as a sender knows them: each value, each word of it,
 * and for `Basic <token>` the user and password inside the token.
 */
export function headerSecrets(headers: Record<string, string> = {}): string[] {
  const found = new Set<string>();
  for (const value of Object.values(headers)) {
    const parts = [value, ...value.split(/\s+/)];
    const basic = /^basic\s+(\S+)$/i.exec(value.trim());
    if (basic) {
      const decoded = fromBase64(basic[1]);
      const colon = decoded?.indexOf(":") ?? -1;
      if (decoded !== undefined && colon >= 0) {
        parts.push(decoded.slice(0, colon), decoded.slice(colon + 1));
      }
    }
    for (const part of parts) for (const form of forms(part)) found.add(form);
  }
  return [...found].filter((s) => s.length >= MIN_SECRET_LENGTH).sort((a, b) =>
    b.length - a.length
  );
}

/** `text` with every one of `secrets` replaced by {@link REDACTED}. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret !== "" && out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  return out;
}

/** A function that redacts the secrets of `env` from text; the identity when there are none. */
export function redactorFor(env: Record<string, string | undefined>): (text: string) => string {
  const secrets = collectSecrets(env);
  return secrets.length === 0 ? (text) => text : (text) => redact(text, secrets);
}

/**
 * A value, percent-encoded (as it would appear in a URL or echoed request line) and as a JSON
 * string body (as it would appear in a written JSON file).
 */
function forms(value: string): string[] {
  const all = [value, encodeURIComponent(value), JSON.stringify(value).slice(1, -1)];
  return all.filter((form) => form !== "");
}

function tryDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function fromBase64(token: string): string | undefined {
  try {
    return new TextDecoder().decode(Uint8Array.from(atob(token), (c) => c.charCodeAt(0)));
  } catch {
    return undefined;
  }
}

/** Base64 of a string's UTF-8 bytes, as the Basic auth header carries it. */
export function base64(text: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}
