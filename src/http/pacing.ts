/**
 * Paces requests by what the server answers about its rate limits, per resource, so a run
 * slows down instead of collecting 429s. Langfuse Cloud
 * (`web/src/features/public-api/server/RateLimitService.ts`, v4.16.0) sends the headers only on
 * its 429s: `Retry-After` (seconds), `X-RateLimit-Limit` (points per window),
 * `X-RateLimit-Remaining` (0) and `X-RateLimit-Reset` (a JavaScript `Date#toString()`, e.g.
 * "Thu Dec 03 2026 07:41:00 GMT+0000 (Coordinated Universal Time)"). Other servers send them on
 * every answer; a `Remaining` of 0 on a success closes the resource until `Reset` as well.
 * Pure: the time is passed in, nothing sleeps here; the caller waits.
 *
 * @example
 * ```ts
 * const pacer = new Pacer();
 * await sleep(pacer.waitMs("ingestion", Date.now()));
 * const response = await fetch(url, init);
 * pacer.observe("ingestion", response.status, response.headers, Date.now());
 * ```
 */

/** The response headers the pacer reads; `Headers` fits. */
export interface HeaderSource {
  get(name: string): string | null;
}

/** Holds, per resource, the time before which no request should be sent. */
export class Pacer {
  readonly #closedUntil = new Map<string, number>();

  /** How long to wait before the next request of `resource`, in ms (0: send now). */
  waitMs(resource: string, nowMs: number): number {
    return Math.max(0, (this.#closedUntil.get(resource) ?? 0) - nowMs);
  }

  /** The epoch ms `resource` is closed until, or undefined when it is open. */
  closedUntil(resource: string, nowMs: number): number | undefined {
    const until = this.#closedUntil.get(resource);
    return until !== undefined && until > nowMs ? until : undefined;
  }

  /**
   * Learns from one answer: a 429 closes `resource` for its Retry-After (or until its Reset,
   * or 1 s when it says neither); a Remaining of 0 closes it until Reset. Answers the epoch ms
   * it is closed until, or undefined.
   */
  observe(
    resource: string,
    status: number,
    headers: HeaderSource,
    nowMs: number,
  ): number | undefined {
    const retryAfter = retryAfterMs(headers.get("retry-after"), nowMs);
    const reset = resetAtMs(headers.get("x-ratelimit-reset"), nowMs);
    let until: number | undefined;
    if (status === 429) {
      until = retryAfter !== undefined ? nowMs + retryAfter : reset ?? nowMs + 1000;
    } else if (headers.get("x-ratelimit-remaining")?.trim() === "0" && reset !== undefined) {
      until = reset;
    }
    if (until === undefined || until <= nowMs) return undefined;
    this.#closedUntil.set(resource, Math.max(until, this.#closedUntil.get(resource) ?? 0));
    return this.#closedUntil.get(resource);
  }
}

/** `Retry-After` in ms from now: delta seconds or an HTTP date; undefined when absent or bad. */
export function retryAfterMs(value: string | null, nowMs: number): number | undefined {
  const text = value?.trim() ?? "";
  if (text === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/**
 * `X-RateLimit-Reset` as epoch ms. Accepts a date (Langfuse's `Date#toString()`, ISO 8601, an
 * HTTP date), epoch seconds or ms, or seconds from now (a number below 10^9). A date to the
 * second is taken as the end of that second, since `Date#toString()` drops the milliseconds.
 */
export function resetAtMs(value: string | null, nowMs: number): number | undefined {
  const text = value?.trim() ?? "";
  if (text === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) {
    const n = Number(text);
    if (n < 1e9) return nowMs + Math.round(n * 1000);
    return n < 1e12 ? Math.round(n * 1000) : Math.round(n);
  }
  const at = Date.parse(text.replace(/\s*\(.*\)\s*$/, ""));
  if (Number.isNaN(at)) return undefined;
  // A date without milliseconds is the reset rounded down: wait for the end of that second.
  return /\d\.\d/.test(text) ? at : at + 1000;
}
