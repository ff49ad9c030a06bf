/**
 * How a Langfuse client is set up: host, keys, pacing and retry limits. Apart from the client so
 * its transport reads them without importing the client.
 */
import type { RetryPolicy } from "../http/retry.ts";

/** Options for a `LangfuseClient`. */
export interface LangfuseClientOptions {
  /** Langfuse host, e.g. "https://cloud.langfuse.com"; required. A trailing "/" is ignored. */
  baseUrl: string;
  /** Project public key (pk-lf-...); required. */
  publicKey: string;
  /** Project secret key (sk-lf-...); required. */
  secretKey: string;
  /** Most GET requests a second; default 0 (unlimited). */
  readsPerSecond?: number;
  /** Retry limits per request; default 60 s deadline, 500 ms backoff doubling to 15 s. */
  retry?: RetryPolicy;
  /** One attempt's timeout; default 30 000 ms. */
  timeoutMs?: number;
  /** Waits between attempts and for the rate limiter; default a `setTimeout` promise. */
  sleep?: (ms: number) => Promise<void>;
  /** Clock in epoch ms; default `Date.now`. */
  now?: () => number;
  /** Jitter source in [0, 1) for backoffs; default `Math.random`. */
  random?: () => number;
  /**
   * Longest a rate-limited request waits for its budget (Retry-After, X-RateLimit-Reset) before
   * it fails with RateLimitedError; default 300 000 ms (Langfuse's per-minute windows pass,
   * a daily budget does not).
   */
  maxRateLimitWaitMs?: number;
  /**
   * Aborts the client's requests and their waits: one under way or begun after it fires throws
   * its reason at once, unretried (a load's time-to-visible probe given up); default none.
   */
  signal?: AbortSignal;
}
