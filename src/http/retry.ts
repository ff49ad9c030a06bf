/**
 * The retry policy, a pure function of what one attempt returned: success, a retryable answer
 * (429, 5xx, a dropped connection, a timeout) or a final failure. Auth failures are fatal:
 * every further request would fail the same way. A success whose body is not the protocol's
 * answer (an HTML page, broken JSON) fails without a retry: the server may have kept the data.
 */

/** What one HTTP attempt returned. */
export type AttemptOutcome =
  | { kind: "ok"; rejected: number; message?: string }
  | { kind: "http"; status: number; retryAfterMs?: number; body: string }
  | { kind: "network"; message: string }
  | { kind: "timeout"; afterMs: number }
  /** A 2xx whose body is not the answer the protocol promises; `reason` says what it was. */
  | { kind: "unreadable"; status: number; reason: string };

/** What to do next. */
export type RetryDecision =
  | { action: "done" }
  | { action: "retry"; delayMs: number }
  | { action: "fail"; reason: string; fatal: boolean };

/** Retry limits. */
export interface RetryPolicy {
  /** Total time for one batch, all attempts and waits included; default 60 000 ms. */
  deadlineMs?: number;
  /** First backoff; default 500 ms, doubling per attempt. */
  initialBackoffMs?: number;
  /** Longest backoff; default 15 000 ms. */
  maxBackoffMs?: number;
}

const RETRYABLE = new Set([408, 429, 500, 502, 503, 504]);

/**
 * Decides after attempt number `attempt` (1-based), `elapsedMs` into the batch. `jitter` in
 * [0, 1) spreads backoffs; Retry-After, when given, is honoured exactly.
 */
export function decide(
  outcome: AttemptOutcome,
  attempt: number,
  elapsedMs: number,
  policy: RetryPolicy = {},
  jitter = 0.5,
): RetryDecision {
  const deadlineMs = policy.deadlineMs ?? 60_000;
  if (outcome.kind === "ok") return { action: "done" };
  if (outcome.kind === "http" && (outcome.status === 401 || outcome.status === 403)) {
    return { action: "fail", reason: `HTTP ${outcome.status}`, fatal: true };
  }
  const reason = describeOutcome(outcome);
  if (
    outcome.kind === "unreadable" || (outcome.kind === "http" && !RETRYABLE.has(outcome.status))
  ) {
    return { action: "fail", reason, fatal: false };
  }
  const backoff = Math.min(
    (policy.initialBackoffMs ?? 500) * 2 ** (attempt - 1),
    policy.maxBackoffMs ?? 15_000,
  ) * (0.8 + 0.4 * jitter);
  const delayMs = Math.round(
    outcome.kind === "http" && outcome.retryAfterMs !== undefined ? outcome.retryAfterMs : backoff,
  );
  if (elapsedMs + delayMs > deadlineMs) {
    if (outcome.kind === "http" && outcome.retryAfterMs !== undefined) {
      // Waiting would only run into the deadline: say why this batch was not retried.
      return {
        action: "fail",
        reason: `HTTP ${outcome.status}, Retry-After ${seconds(outcome.retryAfterMs)}s is longer ` +
          `than the ${elapsedMs < 1000 ? "" : `${seconds(deadlineMs - elapsedMs)}s left of the `}${
            seconds(deadlineMs)
          }s retry deadline`,
        fatal: false,
      };
    }
    return {
      action: "fail",
      reason: `${reason}, gave up after ${attempt} attempt${attempt === 1 ? "" : "s"} ` +
        `(retry deadline ${Math.round(deadlineMs / 1000)}s)`,
      fatal: false,
    };
  }
  return { action: "retry", delayMs };
}

/** A short reason for a failed attempt, as reports group failures. */
export function describeOutcome(outcome: AttemptOutcome): string {
  switch (outcome.kind) {
    case "ok":
      return "ok";
    case "http": {
      const body = outcome.body.replace(/\s+/g, " ").trim().slice(0, 120);
      return `HTTP ${outcome.status}${body ? `: ${body}` : ""}`;
    }
    case "network":
      return outcome.message;
    case "timeout":
      return `no answer within ${Math.round(outcome.afterMs / 1000)}s`;
    case "unreadable":
      return `HTTP ${outcome.status} with ${outcome.reason}`;
  }
}

/** Parses a Retry-After header (seconds or an HTTP date) into ms; undefined when absent or bad. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

function seconds(ms: number): number {
  return Math.max(0, Math.round(ms / 1000));
}
