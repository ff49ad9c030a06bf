/**
 * Sends span batches as OTLP/HTTP requests, encoded as the OpenTelemetry SDK's serialisers
 * encode them (JSON or protobuf, optionally gzipped; see otlp/encode.ts), with retries per the retry policy and
 * every request counted. The SDK's stock transport retries out of sight and reports no
 * statuses, so accounting needs this one.
 */
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import { gzipSync } from "node:zlib";
import { RefusalCircuit } from "../http/circuit.ts";
import { type TraceRequestEncoder, traceRequestEncoder } from "../otlp/encode.ts";
import { type AttemptOutcome, decide, parseRetryAfter, type RetryPolicy } from "../http/retry.ts";
import { answerBody, BODY_READ_LIMIT, readAnswer } from "../http/answer_body.ts";
import { readExportResponse } from "./export_response.ts";
import { describeNetworkError } from "../http/network_error.ts";
import { headerSecrets } from "../http/redact.ts";
import type { SendResult, SpanSender } from "./sender.ts";
import type { DeliveryStats } from "./stats.ts";
import { formatBytes } from "../text/bytes.ts";

/** OTLP/HTTP encodings. */
export type Protocol = "http/json" | "http/protobuf";

/** How to reach an OTLP/HTTP traces endpoint. */
export interface HttpSenderOptions {
  /** Full traces URL, e.g. https://cloud.langfuse.com/api/public/otel/v1/traces. */
  url: string;
  /** Extra headers (auth); never logged. */
  headers?: Record<string, string>;
  /** Encoding; default "http/protobuf". */
  protocol?: Protocol;
  /** Gzip request bodies; default false. */
  gzip?: boolean;
  /** One attempt's timeout; default 10 000 ms. */
  timeoutMs?: number;
  /** Retry limits per batch. */
  retry?: RetryPolicy;
  /** What to check when the target refuses the credentials, e.g. the key variables' names. */
  authHint?: string;
  /** Which variable to check when the URL answers with an HTML page, e.g. LANGFUSE_BASE_URL. */
  urlHint?: string;
  /**
   * Largest request body on the wire (after gzip, when on); a batch over it is split and each
   * part sent. Default 4 MiB, below the 5 MB Langfuse Cloud documents per request. A single
   * span over it is counted failed with its size, never sent: no split can make it fit.
   */
  maxRequestBytes?: number;
  /** How long every attempt must be refused before the endpoint is declared dead; default 5000 ms. */
  refusalWindowMs?: number;
}

/** One request's body and its span count, or spans that cannot be sent and why. */
type Part = { body: Uint8Array; count: number } | { failed: { count: number; reason: string } };

/** Default {@link HttpSenderOptions.maxRequestBytes}: 4 MiB. */
export const DEFAULT_MAX_REQUEST_BYTES = 4 * 1024 * 1024;

/**
 * The most of a 2xx answer read: an ExportTraceServiceResponse is a count and a message. More
 * is no OTLP answer, and reading on would let an endpoint spend the process's memory.
 */
export const OTLP_ANSWER_LIMIT = 1024 * 1024;

/** Network reasons that mean nothing is listening there (as opposed to a dropped answer). */
const REFUSALS: Record<string, string> = {
  "connection refused": "the endpoint refused every connection",
  "host not found": "the endpoint's host was not found on every attempt",
};

const CONTENT_TYPE: Record<Protocol, string> = {
  "http/json": "application/json",
  "http/protobuf": "application/x-protobuf",
};

/** An OTLP/HTTP span sender that counts every request into `stats`. */
export class HttpSender implements SpanSender {
  readonly #protocol: Protocol;
  readonly #encoder: TraceRequestEncoder;
  #fatal: string | undefined;
  /** The header values in every form, removed from answers a server echoes them in. */
  readonly #secrets: readonly string[];
  readonly #circuit: RefusalCircuit;
  /** Wakes batches sleeping between retries when the endpoint is declared dead. */
  readonly #tripped: Promise<void>;
  #trip: () => void = () => {};

  /** Sends to `options.url`, recording requests into `stats`. */
  constructor(private readonly options: HttpSenderOptions, private readonly stats: DeliveryStats) {
    this.#protocol = options.protocol ?? "http/protobuf";
    this.#secrets = headerSecrets(options.headers);
    this.#encoder = traceRequestEncoder(this.#protocol);
    this.#circuit = new RefusalCircuit({ windowMs: options.refusalWindowMs });
    this.#tripped = new Promise((resolve) => this.#trip = resolve);
  }

  /** Sends one batch with retries; resolves with what became of each span. */
  send(spans: ReadableSpan[]): Promise<SendResult> {
    if (this.#fatal) return Promise.resolve({ acknowledged: 0, failures: [], fatal: this.#fatal });
    let parts: Part[];
    try {
      parts = this.#encode(spans, this.options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES);
    } catch (error) {
      const reason = `could not serialise: ${(error as Error).message}`;
      return Promise.resolve({ acknowledged: 0, failures: [{ count: spans.length, reason }] });
    }
    // From here on only the bytes and the counts: the spans can be collected while in flight.
    return this.#deliverAll(parts);
  }

  /**
   * Serialises `spans`, halving the batch until each part's body is within `limit` bytes; a
   * single span over the limit becomes a failure with its size.
   */
  #encode(spans: ReadableSpan[], limit: number): Part[] {
    const raw = this.#encoder.encode(spans);
    const body = this.options.gzip ? gzipSync(raw) : raw;
    if (body.length <= limit) return [{ body, count: spans.length }];
    if (spans.length <= 1) {
      const reason = `a span is ${formatBytes(body.length)} encoded, over the request limit of ` +
        `${formatBytes(limit)}`;
      return [{ failed: { count: spans.length, reason } }];
    }
    const half = Math.ceil(spans.length / 2);
    return [
      ...this.#encode(spans.slice(0, half), limit),
      ...this.#encode(spans.slice(half), limit),
    ];
  }

  /** Delivers the parts of one batch in turn and adds up their accounts. */
  async #deliverAll(parts: Part[]): Promise<SendResult> {
    const total: SendResult = { acknowledged: 0, failures: [] };
    while (parts.length > 0) {
      const part = parts.shift()!;
      if ("failed" in part) {
        total.failures.push(part.failed);
        continue;
      }
      const { body, count } = part;
      const result = await this.#deliver(body, count);
      // Acknowledged in full: the target read the whole body and answered, nothing holds it.
      if (result.failures.length === 0 && !result.fatal) releaseBody(body);
      total.acknowledged += result.acknowledged;
      total.failures.push(...result.failures);
      // The batcher fails what this result leaves unaccounted, the later parts included.
      if (result.fatal) return { ...total, fatal: result.fatal };
    }
    return total;
  }

  async #deliver(body: Uint8Array, count: number): Promise<SendResult> {
    const started = performance.now();
    for (let attempt = 1;; attempt++) {
      if (this.#fatal) return { acknowledged: 0, failures: [], fatal: this.#fatal };
      if (attempt > 1) this.stats.retried++;
      const outcome = await this.#attempt(body);
      const refused = outcome.kind === "network" && REFUSALS[outcome.message] !== undefined;
      if (outcome.kind === "network" && REFUSALS[outcome.message]) {
        if (this.#circuit.refused()) {
          this.#fatal ??= `${REFUSALS[outcome.message]} for ${
            Math.round(this.#circuit.windowMs / 1000)
          }s (is the server running? check ${this.options.urlHint ?? "the endpoint's URL"})`;
          this.#trip();
          return { acknowledged: 0, failures: [], fatal: this.#fatal };
        }
      } else this.#circuit.answered();
      const decision = decide(
        outcome,
        attempt,
        performance.now() - started,
        this.options.retry,
        Math.random(),
      );
      if (decision.action === "retry") {
        // A refusal costs the server nothing: probe at least every second, so a dead endpoint
        // is declared soon after the window and a restarted one is reached soon after it is up.
        await this.#sleep(refused ? Math.min(decision.delayMs, 1_000) : decision.delayMs);
        continue;
      }
      if (decision.action === "done" && outcome.kind === "ok") {
        this.stats.latency.record(performance.now() - started);
        const rejected = Math.min(outcome.rejected, count);
        const failures = rejected > 0
          ? [{
            count: rejected,
            reason: `rejected by the target: ${outcome.message || "no message"}`,
          }]
          : [];
        return { acknowledged: count - rejected, failures };
      }
      if (decision.action === "fail" && decision.fatal) {
        this.#fatal = `the target refused the credentials (${decision.reason})` +
          (this.options.authHint ? `: check ${this.options.authHint}` : "");
        return { acknowledged: 0, failures: [], fatal: this.#fatal };
      }
      return {
        acknowledged: 0,
        failures: [{
          count,
          reason: decision.action === "fail" ? decision.reason : "unknown",
        }],
      };
    }
  }

  /** Waits `ms`, or less when the endpoint is declared dead meanwhile. */
  async #sleep(ms: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      new Promise((resolve) => timer = setTimeout(resolve, ms)),
      this.#tripped,
    ]);
    clearTimeout(timer);
  }

  async #attempt(body: Uint8Array): Promise<AttemptOutcome> {
    this.stats.requests++;
    const timeoutMs = this.options.timeoutMs ?? 10_000;
    const headers: Record<string, string> = {
      ...this.options.headers,
      "content-type": CONTENT_TYPE[this.#protocol],
    };
    if (this.options.gzip) headers["content-encoding"] = "gzip";
    let response: Response;
    try {
      response = await fetch(this.options.url, {
        method: "POST",
        headers,
        body: body as Uint8Array<ArrayBuffer>,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      if ((error as Error).name === "TimeoutError") {
        this.stats.response("timeout");
        return { kind: "timeout", afterMs: timeoutMs };
      }
      this.stats.response("network");
      return { kind: "network", message: describeNetworkError(error) };
    }
    let data: Uint8Array;
    let whole: boolean;
    try {
      // An error answer is only shown in part; an acknowledgement is small.
      const limit = response.ok ? OTLP_ANSWER_LIMIT : BODY_READ_LIMIT;
      ({ bytes: data, whole } = await readAnswer(response, limit));
    } catch (error) {
      this.stats.response("network");
      return { kind: "network", message: describeNetworkError(error) };
    }
    this.stats.response(String(response.status));
    if (response.ok && !whole) {
      return {
        kind: "unreadable",
        status: response.status,
        reason: "an answer over 1 MiB, not an OTLP response",
      };
    }
    if (response.ok) {
      const answer = readExportResponse(data, {
        contentType: response.headers.get("content-type"),
        protocol: this.#protocol,
        urlHint: this.options.urlHint,
        secrets: this.#secrets,
      });
      if ("unreadable" in answer) {
        return { kind: "unreadable", status: response.status, reason: answer.unreadable };
      }
      return { kind: "ok", rejected: answer.rejected, message: answer.message };
    }
    return {
      kind: "http",
      status: response.status,
      retryAfterMs: parseRetryAfter(response.headers.get("retry-after"), Date.now()),
      body: answerBody(
        new TextDecoder().decode(data.subarray(0, BODY_READ_LIMIT)),
        this.options.urlHint,
        this.#secrets,
      ).slice(0, 500),
    };
  }

  /** Nothing to release: fetch pools its own connections. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * Frees a sent body's memory now rather than at the next garbage collection: detaching its
 * buffer (`transfer(0)`) drops the backing store. Bodies are megabytes each, and left to the
 * collector they pile up between collections (on Bun a third of the peak RSS of a large load).
 * Only a body that owns its whole buffer is detached; a runtime that refuses keeps it.
 */
export function releaseBody(body: Uint8Array): void {
  const buffer = body.buffer as ArrayBuffer & { transfer?: (length: number) => ArrayBuffer };
  if (body.byteOffset !== 0 || body.byteLength !== buffer.byteLength) return;
  try {
    buffer.transfer?.(0);
  } catch {
    // A pinned or non-detachable buffer stays for the collector.
  }
}
