/**
 * Delivery accounting: every span handed to the exporter ends up acknowledged or failed, with
 * a reason. `generated === acknowledged + failed + pending` at every moment, and pending is 0
 * once the batcher has flushed.
 */

import { type HistogramState, LatencyHistogram } from "../plan/stats.ts";

/** Every count of a DeliveryStats as plain data, to merge the stats of several pipelines. */
export interface DeliveryState {
  generated: number;
  acknowledged: number;
  failures: Record<string, number>;
  requests: number;
  retried: number;
  byStatus: Record<string, number>;
  latency: HistogramState;
}

/** What a reader of delivery counts sees as they go (one pipeline's, or several summed). */
export type DeliveryFeed = Pick<
  DeliveryStats,
  | "generated"
  | "acknowledged"
  | "failed"
  | "failures"
  | "requests"
  | "retried"
  | "byStatus"
  | "onLatency"
>;

/**
 * `feed`, whose latencies also go to `first` before any listener set on the result: several
 * watchers (--abort-on-fail, live metrics, the HTML report) share one feed's single listener.
 */
export function teeLatency(feed: DeliveryFeed, first: (ms: number) => void): DeliveryFeed {
  feed.onLatency(first);
  return {
    get generated() {
      return feed.generated;
    },
    get acknowledged() {
      return feed.acknowledged;
    },
    get failed() {
      return feed.failed;
    },
    get failures() {
      return feed.failures;
    },
    get requests() {
      return feed.requests;
    },
    get retried() {
      return feed.retried;
    },
    get byStatus() {
      return feed.byStatus;
    },
    onLatency(listener) {
      feed.onLatency(listener ? (ms) => (first(ms), listener(ms)) : first);
    },
  };
}

/** A latency histogram that also hands each latency to a listener (the HTML report's timeline). */
class ObservedHistogram extends LatencyHistogram {
  listener?: (ms: number) => void;

  override record(ms: number): void {
    super.record(ms);
    this.listener?.(ms);
  }
}

/** Counts of one run's delivery, shared by the batcher and the senders. */
export class DeliveryStats {
  readonly #observed = new ObservedHistogram();
  /** Spans handed to the exporter. */
  generated = 0;
  /** Spans the target acknowledged. */
  acknowledged = 0;
  /** Spans that failed, by reason. */
  readonly failures = new Map<string, number>();
  /** HTTP requests, including retries. */
  requests = 0;
  /** Requests that were retries of an earlier attempt. */
  retried = 0;
  /** Responses by HTTP status, or by "network" / "timeout" when none came. */
  readonly byStatus = new Map<string, number>();
  /** Duration of each successful export call, retries included, in ms (constant memory). */
  readonly latency: LatencyHistogram = this.#observed;

  /** Also hands each export latency (ms) to `listener` as it is recorded; undefined stops it. */
  onLatency(listener: ((ms: number) => void) | undefined): void {
    this.#observed.listener = listener;
  }

  /** Spans that failed, all reasons together. */
  get failed(): number {
    let sum = 0;
    for (const count of this.failures.values()) sum += count;
    return sum;
  }

  /** Spans generated but neither acknowledged nor failed yet. */
  get pending(): number {
    return this.generated - this.acknowledged - this.failed;
  }

  /** Records `count` spans as failed for `reason`. */
  fail(count: number, reason: string): void {
    if (count <= 0) return;
    this.failures.set(reason, (this.failures.get(reason) ?? 0) + count);
  }

  /** Records one response (or its absence) by status. */
  response(status: string): void {
    this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + 1);
  }

  /** Every count as plain data (see `merge`). */
  state(): DeliveryState {
    return {
      generated: this.generated,
      acknowledged: this.acknowledged,
      failures: Object.fromEntries(this.failures),
      requests: this.requests,
      retried: this.retried,
      byStatus: Object.fromEntries(this.byStatus),
      latency: this.latency.state(),
    };
  }

  /** Adds another pipeline's counts (from `state()`), latencies included. */
  merge(other: DeliveryState): void {
    this.generated += other.generated;
    this.acknowledged += other.acknowledged;
    for (const [reason, count] of Object.entries(other.failures)) this.fail(count, reason);
    this.requests += other.requests;
    this.retried += other.retried;
    for (const [status, count] of Object.entries(other.byStatus)) {
      this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + count);
    }
    this.latency.merge(other.latency);
  }

  /** The counts as plain data, for reports. */
  snapshot(): {
    spans: {
      generated: number;
      acknowledged: number;
      failed: number;
      failures: Record<string, number>;
    };
    requests: { total: number; retried: number; byStatus: Record<string, number> };
  } {
    return {
      spans: {
        generated: this.generated,
        acknowledged: this.acknowledged,
        failed: this.failed,
        failures: Object.fromEntries(this.failures),
      },
      requests: {
        total: this.requests,
        retried: this.retried,
        byStatus: Object.fromEntries(this.byStatus),
      },
    };
  }
}
