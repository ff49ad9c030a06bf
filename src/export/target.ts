/**
 * Chooses where spans go, from flags and the environment: Langfuse when its three variables
 * are set, an OTLP endpoint (a Collector) when the standard OTEL variables are, else the local
 * preview. Pure: the environment is passed in.
 */
import { Buffer } from "node:buffer";
import type { Protocol } from "./http_sender.ts";
import { productionWord } from "./production.ts";

/** Kinds of target. */
export const TARGET_KINDS = ["langfuse", "otlp", "file", "preview"] as const;
/** A kind of target. */
export type TargetKind = typeof TARGET_KINDS[number];

/** A resolved target. `headers` may hold secrets: never print them; print `describe`. */
export interface Target {
  kind: TargetKind;
  /** Traces URL (http targets). */
  url?: string;
  /** File path (file target). */
  path?: string;
  headers: Record<string, string>;
  protocol: Protocol;
  gzip: boolean;
  timeoutMs: number;
  /** Which variables to check when credentials are refused (names only). */
  authHint?: string;
  /** Where the spans go, safe to print: no keys, no header values. */
  describe: string;
}

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
  const timeoutMs =
    Number(env.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT || env.OTEL_EXPORTER_OTLP_TIMEOUT) ||
    10_000;

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
    const host = checkUrl(base!, "LANGFUSE_BASE_URL").replace(/\/+$/, "");
    const auth = Buffer.from(`${env.LANGFUSE_PUBLIC_KEY}:${env.LANGFUSE_SECRET_KEY}`).toString(
      "base64",
    );
    return {
      kind,
      url: `${host}/api/public/otel/v1/traces`,
      headers: { authorization: `Basic ${auth}`, "x-langfuse-ingestion-version": "4" },
      protocol,
      gzip,
      timeoutMs,
      authHint:
        "LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY (and that LANGFUSE_BASE_URL is the project's region)",
      describe: `Langfuse at ${host} (${protocol}${gzip ? ", gzip" : ""})`,
    };
  }
  if (kind === "otlp") {
    let url: string;
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

function checkUrl(value: string, name: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TargetError(`${name} is not a URL: "${value}".`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TargetError(`${name} must be an http:// or https:// URL.`);
  }
  if (url.username || url.password) {
    throw new TargetError(`${name} must not carry credentials; use the key variables instead.`);
  }
  return value;
}

/** Parses the OTEL headers format `k1=v1,k2=v2` (values URL-encoded). Errors never quote values. */
export function parseHeaders(value: string | undefined, name: string): Record<string, string> {
  const headers: Record<string, string> = {};
  if (!value) return headers;
  for (const pair of value.split(",")) {
    if (pair.trim() === "") continue;
    const eq = pair.indexOf("=");
    if (eq <= 0) {
      throw new TargetError(`${name} must be a list of key=value pairs separated by commas.`);
    }
    headers[decodeURIComponent(pair.slice(0, eq).trim()).toLowerCase()] = decodeURIComponent(
      pair.slice(eq + 1).trim(),
    );
  }
  return headers;
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
  if (hostWord) reasons.push(`the host "${host}" is named like production ("${hostWord}")`);
  const tracing = env.LANGFUSE_TRACING_ENVIRONMENT ?? "";
  const tracingWord = productionWord(tracing);
  if (tracingWord) {
    reasons.push(
      `LANGFUSE_TRACING_ENVIRONMENT "${tracing}" is named like production ("${tracingWord}")`,
    );
  }
  const scriptWord = scriptEnvironments.map((name) => productionWord(name ?? "")).find(Boolean);
  if (scriptWord) reasons.push(`a script's environment is production ("${scriptWord}")`);
  const projectWord = productionWord(projectName ?? "");
  if (projectWord) {
    reasons.push(
      `the keys belong to the Langfuse project "${projectName}", named like production ("${projectWord}")`,
    );
  }
  return reasons;
}
