/**
 * `--abort-on-fail`: judges the run's latency and rate thresholds every second while it goes,
 * after a warm-up (k6's `delayAbortEval`), and remembers the first one missed; the run polls
 * `missed` and stops as on Ctrl-C.
 */
import { LatencyHistogram } from "../plan/stats.ts";
import {
  firstMissed,
  formatCheck,
  latencyObservations,
  rateOf,
  type Threshold,
  type ThresholdCheck,
} from "../plan/thresholds.ts";
import { type DeliveryFeed, teeLatency } from "../export/stats.ts";
import type { SessionsView } from "../load/workers.ts";

/** The default `--abort-delay`: the first seconds of a run (connections, ramp) are not judged. */
export const DEFAULT_ABORT_DELAY_MS = 10_000;

/** Options for {@link AbortWatch}. */
export interface AbortWatchOptions {
  thresholds: readonly Threshold[];
  /** How long after `watch` the thresholds are first judged, ms. */
  delayMs: number;
  /** The clock, ms. */
  now: () => number;
  /** How often they are judged, ms; default 1 000. */
  intervalMs?: number;
}

/** Watches a run's delivery for a threshold missed. */
export class AbortWatch {
  readonly #options: AbortWatchOptions;
  readonly #latency = new LatencyHistogram();
  #timer?: ReturnType<typeof setInterval>;
  /** The first threshold missed, once one is: the run stops. */
  missed?: ThresholdCheck;

  constructor(options: AbortWatchOptions) {
    this.#options = options;
  }

  /** The `stopped` text of a run stopped on `check`. */
  static stoppedText(check: ThresholdCheck): string {
    return `threshold ${formatCheck(check)} missed (--abort-on-fail)`;
  }

  /**
   * Starts judging `view` and the latencies of `feed`; returns the feed for other listeners
   * (the HTML report), which still get every latency.
   */
  watch(feed: DeliveryFeed, view: SessionsView): DeliveryFeed {
    const startMs = this.#options.now();
    this.#timer = setInterval(() => {
      if (this.#options.now() - startMs < this.#options.delayMs) return;
      this.missed = firstMissed(this.#options.thresholds, {
        exportLatencyMs: latencyObservations(this.#latency),
        failedRate: rateOf(view.failed, view.acknowledged + view.failed),
        droppedRate: rateOf(view.live.dropped, view.live.started + view.live.dropped),
        spansPerSecond: 0,
      });
      if (this.missed) this.stop();
    }, this.#options.intervalMs ?? 1_000);
    // Never what keeps the process alive: a run that throws exits without calling stop().
    this.#timer.unref?.();
    return teeLatency(feed, (ms) => this.#latency.record(ms));
  }

  /** Stops judging. */
  stop(): void {
    clearInterval(this.#timer);
  }
}
