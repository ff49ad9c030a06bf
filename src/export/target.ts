/**
 * Chooses where spans go, from flags and the environment: Langfuse when its three variables
 * are set, an OTLP endpoint (a Collector) when the standard OTEL variables are, else the local
 * preview. Pure: the environment is passed in.
 */
import { Buffer } from "node:buffer";
import type { Protocol } from "./http_sender.ts";
import { foldConfusables, productionWord } from "./production.ts";

/** Kinds of target. */
export const TARGET_KINDS = ["langfuse", "otlp", "file", "preview"] as const;
/** A kind of target. */
export type TargetKind = typeof TARGET_KINDS[number];

/** What every kind of target holds. `headers` may hold secrets: never print them; print `describe`. */
interface TargetBase {
  headers: Record<string, string>;
  protocol: Protocol;
  gzip: boolean;
  timeoutMs: number;
  /** Which variables to check when credentials are refused (names only). */
  authHint?: string;
  /** Which variable to check when the URL answers with something else, e.g. an HTML page. */
  urlHint?: string;
  /** Where the spans go, safe to print: no keys, no header values. */
  describe: string;
}

/**
 * Langfuse's OTLP endpoint: sends spans over HTTP and has Langfuse's public API beside it
 * (prompts, score configs, scores, annotation queues, comments, reading a run back).
 */
export interface LangfuseTarget extends TargetBase {
  kind: "langfuse";
  /** Traces URL. */
  url: string;
  path?: undefined;
  /** Has Langfuse's public API: the run makes its prompts, scores and review layer there. */
  langfuseApi: true;
}

/** An OTLP/HTTP endpoint (a Collector): sends spans, and nothing else goes there. */
export interface OtlpTarget extends TargetBase {
  kind: "otlp";
  /** Traces URL. */
  url: string;
  path?: undefined;
  langfuseApi?: false;
}

/** A file of OTLP/JSON lines, one export request a line. */
export interface FileTarget extends TargetBase {
  kind: "file";
  /** File path. */
  path: string;
  url?: undefined;
  langfuseApi?: false;
}

/** The local preview: a receiver started for the run shows what Langfuse will make of the spans. */
export interface PreviewTarget extends TargetBase {
  kind: "preview";
  /** The receiver's traces URL, once it is started. */
  url?: string;
  path?: undefined;
  langfuseApi?: false;
}

/** A resolved target: one type per kind, with what it can do. */
export type Target = LangfuseTarget | OtlpTarget | FileTarget | PreviewTarget;

/** What the command line says about the target. */
export interface TargetFlags {
  target?: TargetKind;
  protocol?: Protocol;
  gzip?: boolean;
  /** Output file for the file target. */
  out?: string;
}

/** A target that cannot be built from what was given; names the variable or flag. */
export class TargetError extends Error {
  override readonly name = "TargetError";
}

/** Resolves the target from flags and environment variables. */
export function resolveTarget(flags: TargetFlags, env: Record<string, string | undefined>): Target {
  const base = env.LANGFUSE_BASE_URL || env.LANGFUSE_HOST;
  const baseName = env.LANGFUSE_BASE_URL ? "LANGFUSE_BASE_URL" : "LANGFUSE_HOST";
  const langfuseVars = {
    LANGFUSE_PUBLIC_KEY: env.LANGFUSE_PUBLIC_KEY,
    LANGFUSE_SECRET_KEY: env.LANGFUSE_SECRET_KEY,
    "LANGFUSE_BASE_URL (or LANGFUSE_HOST)": base,
  };
  const langfuseSet = Object.values(langfuseVars).filter(Boolean).length;
  const otlpEndpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const kind: TargetKind = flags.target ??
    (langfuseSet > 0 ? "langfuse" : otlpEndpoint ? "otlp" : "preview");
  const protocol = flags.protocol ?? envProtocol(env) ?? "http/protobuf";
  const gzip = flags.gzip ??
    (env.OTEL_EXPORTER_OTLP_TRACES_COMPRESSION || env.OTEL_EXPORTER_OTLP_COMPRESSION) === "gzip";
  const timeoutMs = envTimeout(env) ?? 10_000;

  if (kind === "langfuse") {
    const missing = Object.entries(langfuseVars).filter(([, value]) => !value).map(([name]) =>
      name
    );
    if (missing.length > 0) {
      throw new TargetError(
        `The Langfuse target needs ${missing.join(" and ")} to be set ` +
          `(LANGFUSE_PUBLIC_KEY, LANGFUSE_SECRET_KEY and LANGFUSE_BASE_URL together).`,
      );
    }
    const host = checkUrl(base!, baseName).replace(/\/+$/, "");
    const auth = Buffer.from(`${env.LANGFUSE_PUBLIC_KEY}:${env.LANGFUSE_SECRET_KEY}`).toString(
      "base64",
    );
    return {
      kind,
      url: `${host}/api/public/otel/v1/traces`,
      langfuseApi: true,
      headers: { authorization: `Basic ${auth}`, "x-langfuse-ingestion-version": "4" },
      protocol,
      gzip,
      timeoutMs,
      authHint:
        "LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY (and that LANGFUSE_BASE_URL is the project's region)",
      urlHint: baseName,
      describe: `Langfuse at ${host} (${protocol}${gzip ? ", gzip" : ""})`,
    };
  }
  if (kind === "otlp") {
    let url: string;
    const urlHint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
      ? "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
      : "OTEL_EXPORTER_OTLP_ENDPOINT";
    if (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) {
      url = checkUrl(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
    } else if (env.OTEL_EXPORTER_OTLP_ENDPOINT) {
      url = checkUrl(env.OTEL_EXPORTER_OTLP_ENDPOINT, "OTEL_EXPORTER_OTLP_ENDPOINT").replace(
        /\/+$/,
        "",
      ) +
        "/v1/traces";
    } else {
      throw new TargetError(
        "The otlp target needs OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT to be set.",
      );
    }
    const headers = {
      ...parseHeaders(env.OTEL_EXPORTER_OTLP_HEADERS, "OTEL_EXPORTER_OTLP_HEADERS"),
      ...parseHeaders(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS, "OTEL_EXPORTER_OTLP_TRACES_HEADERS"),
    };
    return {
      kind,
      url,
      headers,
      protocol,
      gzip,
      timeoutMs,
      authHint: "OTEL_EXPORTER_OTLP_HEADERS (or OTEL_EXPORTER_OTLP_TRACES_HEADERS)",
      urlHint,
      describe: `OTLP endpoint ${new URL(url).origin}${new URL(url).pathname} (${protocol}${
        gzip ? ", gzip" : ""
      })`,
    };
  }
  if (kind === "file") {
    const path = flags.out ?? "out/spans.otlp.jsonl";
    return {
      kind,
      path,
      headers: {},
      protocol: "http/json",
      gzip: false,
      timeoutMs,
      describe: `file ${path} (OTLP/JSON, one export request per line)`,
    };
  }
  return {
    kind,
    headers: {},
    protocol: flags.protocol ?? "http/json",
    gzip: flags.gzip ?? false,
    timeoutMs,
    describe: "local preview (an OTLP receiver on 127.0.0.1)",
  };
}

function envProtocol(env: Record<string, string | undefined>): Protocol | undefined {
  const name = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL
    ? "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"
    : "OTEL_EXPORTER_OTLP_PROTOCOL";
  const value = env[name];
  if (!value) return undefined;
  if (value === "http/json" || value === "http/protobuf") return value;
  throw new TargetError(
    `${name} must be http/json or http/protobuf, not "${value}" (grpc is not supported).`,
  );
}

/** The OTLP timeout variable in ms, if set; a usage error unless it is a positive number. */
function envTimeout(env: Record<string, string | undefined>): number | undefined {
  const name = env.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT
    ? "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT"
    : "OTEL_EXPORTER_OTLP_TIMEOUT";
  const value = env[name];
  if (!value) return undefined;
  const ms = Number(value.trim());
  if (!Number.isFinite(ms) || ms <= 0) {
    throw new TargetError(`${name} must be a positive number of milliseconds, e.g. 10000.`);
  }
  return ms;
}

/**
 * Ports fetch will not dial: the Fetch standard's "bad ports" (Deno refuses them; Bun dials
 * them) and port 0 (Deno refuses it, Bun tries it). Refusing what either runtime refuses keeps
 * a run from failing for a minute of retries on one runtime only.
 * https://fetch.spec.whatwg.org/#port-blocking
 */
const BLOCKED_PORTS = new Set([
  0,
  1,
  7,
  9,
  11,
  13,
  15,
  17,
  19,
  20,
  21,
  22,
  23,
  25,
  37,
  42,
  43,
  53,
  69,
  77,
  79,
  87,
  95,
  101,
  102,
  103,
  104,
  109,
  110,
  111,
  113,
  115,
  117,
  119,
  123,
  135,
  137,
  139,
  143,
  161,
  179,
  389,
  427,
  465,
  512,
  513,
  514,
  515,
  526,
  530,
  531,
  532,
  540,
  548,
  554,
  556,
  563,
  587,
  601,
  636,
  989,
  990,
  993,
  995,
  1719,
  1720,
  1723,
  2049,
  3659,
  4045,
  4190,
  5060,
  5061,
  6000,
  6566,
  6665,
  6666,
  6667,
  6668,
  6669,
  6679,
  6697,
  10080,
]);

/**
 * Checks a base or endpoint URL before anything is sent; errors name `name`, never the value
 * (it may carry a key). A query or fragment is refused: paths are appended to the URL, so
 * `https://host/?key=…` would post to the wrong path, and the key would travel in the URL.
 * `example` is what the error suggests instead.
 */
export function checkUrl(
  value: string,
  name: string,
  { example = "https://cloud.langfuse.com" }: { example?: string } = {},
): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TargetError(`${name} is not a URL (expected e.g. ${example}).`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TargetError(`${name} must be an http:// or https:// URL.`);
  }
  if (url.username || url.password) {
    throw new TargetError(`${name} must not carry credentials; use the key variables instead.`);
  }
  // The raw text, since `new URL("https://h/?").search` is "" although the "?" is there.
  if (value.includes("?")) {
    throw new TargetError(`${name} must not have a query ("?…"); give the host and path only.`);
  }
  if (value.includes("#")) {
    throw new TargetError(`${name} must not have a fragment ("#…"); give the host and path only.`);
  }
  const port = url.port === "" ? undefined : Number(url.port);
  if (port !== undefined && BLOCKED_PORTS.has(port)) {
    throw new TargetError(
      `${name} uses port ${port}, which fetch refuses to dial (a blocked port); use another port.`,
    );
  }
  return value;
}

/** RFC 9110 token: what a header name may be made of. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Control characters other than tab (RFC 9110 field values), and what fetch's ByteString refuses. */
// deno-lint-ignore no-control-regex -- finding control characters is the point
const BAD_VALUE_CHAR = /[\x00-\x08\x0a-\x1f\x7f]|[^\x00-\xff]/;

/**
 * Parses the OTEL headers format `k1=v1,k2=v2` (values URL-encoded). Names must be RFC 9110
 * tokens, values free of control characters; errors name the variable and the pair's position,
 * never a value (nor a name, which might be a value pasted in the wrong place).
 */
export function parseHeaders(value: string | undefined, name: string): Record<string, string> {
  const headers: Record<string, string> = {};
  if (!value) return headers;
  let position = 0;
  for (const pair of value.split(",")) {
    if (pair.trim() === "") continue;
    position++;
    const where = `${name}, header ${position}`;
    const eq = pair.indexOf("=");
    if (eq <= 0) {
      throw new TargetError(`${name} must be a list of key=value pairs separated by commas.`);
    }
    const key = decode(pair.slice(0, eq).trim(), `${where}: the name`);
    if (!TOKEN.test(key)) {
      throw new TargetError(
        `${where}: the name is not a valid HTTP header name (letters, digits and !#$%&'*+-.^_\`|~).`,
      );
    }
    const decoded = decode(pair.slice(eq + 1).trim(), `${where} (${key.toLowerCase()}): the value`);
    if (BAD_VALUE_CHAR.test(decoded)) {
      throw new TargetError(
        `${where} (${key.toLowerCase()}): the value contains a control character ` +
          `(CR, LF, NUL, …) or a character beyond ISO-8859-1, which HTTP headers cannot carry.`,
      );
    }
    headers[key.toLowerCase()] = decoded;
  }
  return headers;
}

function decode(text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new TargetError(
      `${what} has malformed percent-encoding (a "%" not followed by two hex digits).`,
    );
  }
}

/**
 * Why sending to this target would touch production, if it would: a host with a production
 * word part (`prod`, `prd`, `production`, `live`, in any case: `langfuse-prod01`, `Production`),
 * a `LANGFUSE_TRACING_ENVIRONMENT` like that, scripts whose environment is production, or a
 * Langfuse project of that name (`projectName`, which the caller asked Langfuse for). Each
 * reason says what matched. Only targets that leave the machine count.
 */
export function productionReasons(
  target: Target,
  env: Record<string, string | undefined>,
  scriptEnvironments: (string | undefined)[],
  projectName?: string,
): string[] {
  if (target.kind !== "langfuse" && target.kind !== "otlp") return [];
  const reasons: string[] = [];
  const host = new URL(target.url!).hostname;
  const hostWord = productionWord(host);
  if (hostWord) reasons.push(`the host ${named(host)} is named like production ("${hostWord}")`);
  const tracing = env.LANGFUSE_TRACING_ENVIRONMENT ?? "";
  const tracingWord = productionWord(tracing);
  if (tracingWord) {
    reasons.push(
      `LANGFUSE_TRACING_ENVIRONMENT ${named(tracing)} is named like production ("${tracingWord}")`,
    );
  }
  const scriptWord = scriptEnvironments.map((name) => productionWord(name ?? "")).find(Boolean);
  if (scriptWord) reasons.push(`a script's environment is production ("${scriptWord}")`);
  const projectWord = productionWord(projectName ?? "");
  if (projectWord) {
    reasons.push(
      `the keys belong to the Langfuse project ${
        named(projectName!)
      }, named like production ("${projectWord}")`,
    );
  }
  return reasons;
}

/** `"text"`, and how it reads when look-alike letters or a punycode host hid the word. */
function named(text: string): string {
  const folded = foldConfusables(text);
  return folded === text ? `"${text}"` : `"${text}" (read as "${folded}")`;
}
