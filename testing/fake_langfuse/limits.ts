/**
 * The fake Langfuse's rate limits, as Langfuse Cloud applies them
 * (`web/src/features/public-api/server/RateLimitService.ts`, v4.16.0, on rate-limiter-flexible):
 * per resource a fixed window of `points` requests that starts with the window's first request;
 * every request consumes a point, and one that leaves fewer than 1 remaining is refused, so
 * `points - 1` requests pass per window. A refusal is a 429 with `Retry-After` (whole seconds,
 * rounded up), `X-RateLimit-Limit`, `X-RateLimit-Remaining` (0) and `X-RateLimit-Reset`
 * (`Date#toString()`), and the body `{message, code: "rate_limited", details}`
 * (`unstable-public-api-error-contract.ts`); accepted answers carry no rate-limit headers.
 * Private to the folder.
 */
import { HttpAnswer } from "./reads.ts";

/** Langfuse's rate-limited resources the fake knows. */
export type FakeResource =
  | "ingestion"
  | "public-api"
  | "trace-delete"
  | "score-delete"
  | "prompts"
  | "annotation-queues";

/** One resource's budget: `points` requests per `windowMs`. */
export interface FakeBudget {
  points: number;
  windowMs: number;
}

/** Budgets per resource; a resource left out is not limited (self-hosted has no limits). */
export type FakeRateLimits = Partial<Record<FakeResource, FakeBudget>>;

/**
 * Langfuse Cloud Hobby's budgets (`getPlanBasedRateLimitConfig`, "cloud:hobby"); `prompts` is
 * unlimited on every plan.
 */
export const HOBBY_LIMITS: Required<Omit<FakeRateLimits, "prompts">> = {
  ingestion: { points: 1000, windowMs: 60_000 },
  "public-api": { points: 30, windowMs: 60_000 },
  "trace-delete": { points: 50, windowMs: 86_400_000 },
  "score-delete": { points: 50, windowMs: 86_400_000 },
  "annotation-queues": { points: 100, windowMs: 60_000 },
};

/** Which budget a request counts against, as Langfuse's route handlers choose it. */
export function resourceOf(method: string, path: string): FakeResource {
  if (path === "/api/public/ingestion" || path.startsWith("/api/public/otel/")) return "ingestion";
  if (method === "DELETE" && path === "/api/public/traces") return "trace-delete";
  if (method === "DELETE" && path.startsWith("/api/public/scores/")) return "score-delete";
  if (path === "/api/public/v2/prompts" || path.startsWith("/api/public/v2/prompts/")) {
    return "prompts";
  }
  if (path.startsWith("/api/public/annotation-queues")) return "annotation-queues";
  return "public-api";
}

/** Fixed windows per resource; `consume` throws Langfuse's 429 when the budget is spent. */
export class FakeLimiter {
  readonly #windows = new Map<FakeResource, { startMs: number; consumed: number }>();

  /** `announce`: also put the headers on accepted answers (Langfuse v4.16.0 does not). */
  constructor(
    private readonly limits: FakeRateLimits,
    private readonly now: () => number,
    private readonly announce = false,
  ) {}

  /**
   * Counts one request of `resource`; throws the 429 when it leaves less than 1 point.
   * Answers the headers for the accepted answer: none unless announcing.
   */
  consume(resource: FakeResource): Record<string, string> {
    const budget = this.limits[resource];
    if (budget === undefined) return {};
    const at = this.now();
    let window = this.#windows.get(resource);
    if (window === undefined || at >= window.startMs + budget.windowMs) {
      window = { startMs: at, consumed: 0 };
      this.#windows.set(resource, window);
    }
    window.consumed++;
    const remaining = Math.max(0, budget.points - window.consumed);
    const msBeforeNext = window.startMs + budget.windowMs - at;
    if (remaining >= 1) {
      if (!this.announce) return {};
      // A success announces what a next request would find: 0 once it would be refused.
      const headers = rateLimitHeaders(budget.points, msBeforeNext, at);
      headers["x-ratelimit-remaining"] = String(remaining - 1);
      delete headers["retry-after"];
      return headers;
    }
    throw new RateLimitAnswer({ points: budget.points, msBeforeNext, nowMs: at });
  }
}

/** Where a refused request stands in its window. */
export interface RateLimitState {
  /** The window's budget. */
  points: number;
  /** Until the window ends. */
  msBeforeNext: number;
  /** The clock when refused, epoch ms. */
  nowMs: number;
}

/**
 * Langfuse's 429 (`createUnstablePublicApiRateLimitError`): `{message, code: "rate_limited",
 * details: {retryAfterSeconds, limit, remaining, resetAt}}` with the rate-limit headers.
 */
export class RateLimitAnswer extends HttpAnswer {
  readonly #state: RateLimitState;

  constructor(state: RateLimitState) {
    super(
      429,
      "Rate limit exceeded",
      rateLimitHeaders(state.points, state.msBeforeNext, state.nowMs),
    );
    this.#state = state;
  }

  override body(): Record<string, unknown> {
    const { points, msBeforeNext, nowMs } = this.#state;
    return {
      message: this.message,
      code: "rate_limited",
      details: {
        retryAfterSeconds: Math.ceil(msBeforeNext / 1000),
        limit: points,
        remaining: 0,
        resetAt: new Date(nowMs + msBeforeNext).toISOString(),
      },
    };
  }
}

/** The headers of Langfuse's 429 (`createHttpHeaderFromRateLimit`). */
export function rateLimitHeaders(
  points: number,
  msBeforeNext: number,
  nowMs: number,
): Record<string, string> {
  return {
    "retry-after": String(Math.ceil(msBeforeNext / 1000)),
    "x-ratelimit-limit": String(points),
    "x-ratelimit-remaining": "0",
    "x-ratelimit-reset": new Date(nowMs + msBeforeNext).toString(),
  };
}
