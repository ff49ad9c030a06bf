/**
 * A run's time series in bounded memory: per-time-bucket counts (sessions started, spans
 * generated, acknowledged and failed, requests, retries, responses by status) and export
 * latencies summarised per bucket by a small fixed log-scale histogram (p50/p95/p99).
 *
 * Buckets start `bucketMs` wide (1 s); when a run outgrows `maxBuckets`, the width doubles and
 * neighbouring buckets merge (counts add, histograms add), so a week-long live run holds at
 * most `maxBuckets` buckets of under 1 kB each. Pure: every time is passed in.
 */

/** The histogram's relative resolution: a bucket's quantiles are within 5% of the exact value. */
export const SERIES_RELATIVE_ERROR = 0.05;
/** Latencies at or below this (10 µs) share the first histogram bucket. */
export const SERIES_MIN_MS = 0.01;
/** Latencies above this (about 2.8 h) share the last histogram bucket. */
export const SERIES_MAX_MS = 1e7;

const GAMMA = (1 + SERIES_RELATIVE_ERROR) / (1 - SERIES_RELATIVE_ERROR);
const LOG_GAMMA = Math.log(GAMMA);
const TOP = Math.ceil(Math.log(SERIES_MAX_MS / SERIES_MIN_MS) / LOG_GAMMA);
const SLOTS = TOP + 2;

/** How a recorder buckets time. */
export interface TimelineOptions {
  /** Width of the first buckets, ms; default 1000. */
  bucketMs?: number;
  /** Most buckets kept; past it the width doubles and pairs merge. Default 720. */
  maxBuckets?: number;
}

/** Counts to add to the bucket of one moment; absent fields add nothing. */
export interface TimelineCounts {
  sessions?: number;
  generated?: number;
  acknowledged?: number;
  failed?: number;
  requests?: number;
  retried?: number;
  /** Live runs: arrivals dropped. */
  dropped?: number;
  /** Responses by HTTP status, or "network" / "timeout". */
  statuses?: Record<string, number>;
}

/** One bucket as plain data: counts over `[t, t + bucketMs)`, t from the series start. */
export interface TimelinePoint {
  /** Start of the bucket, ms after the series start. */
  t: number;
  sessions: number;
  generated: number;
  acknowledged: number;
  failed: number;
  requests: number;
  retried: number;
  dropped: number;
  statuses: Record<string, number>;
  /** Export latencies that ended in this bucket, ms; absent when none. */
  latency?: Quantiles;
  /** Time to visible of the probed traces acknowledged in this bucket, ms; absent when none. */
  visible?: Quantiles;
}

/** A bucket's latencies summarised. */
export interface Quantiles {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** A recorded series as plain data, for reports. */
export interface TimelineSeries {
  /** Epoch ms of the first bucket's start. */
  startMs: number;
  /** Width of every bucket, ms. */
  bucketMs: number;
  /** Every bucket from the start to the last one with data, in order (empty ones included). */
  points: TimelinePoint[];
}

/** Latencies of one bucket: counts in fixed log-scale slots, with the exact min and max. */
class SmallHistogram {
  readonly counts = new Uint32Array(SLOTS);
  count = 0;
  min = Infinity;
  max = -Infinity;

  record(ms: number): void {
    this.counts[slotOf(ms)]++;
    this.count++;
    if (ms < this.min) this.min = ms;
    if (ms > this.max) this.max = ms;
  }

  merge(other: SmallHistogram): void {
    for (let i = 0; i < SLOTS; i++) this.counts[i] += other.counts[i];
    this.count += other.count;
    this.min = Math.min(this.min, other.min);
    this.max = Math.max(this.max, other.max);
  }

  /** The nearest-rank q-quantile, within SERIES_RELATIVE_ERROR; q = 0 and 1 are exact. */
  quantile(q: number): number {
    const rank = Math.min(this.count, Math.max(1, Math.ceil(q * this.count - 1e-9)));
    if (rank === 1) return this.min;
    if (rank === this.count) return this.max;
    let seen = 0;
    let slot = 0;
    for (; slot < SLOTS - 1; slot++) {
      seen += this.counts[slot];
      if (seen >= rank) break;
    }
    const value = slot === 0 ? this.min : slot === SLOTS - 1 ? this.max : middleOf(slot);
    return Math.min(this.max, Math.max(this.min, value));
  }
}

function slotOf(ms: number): number {
  if (ms <= SERIES_MIN_MS) return 0;
  if (ms > SERIES_MAX_MS) return SLOTS - 1;
  return Math.min(TOP, Math.max(1, Math.ceil(Math.log(ms / SERIES_MIN_MS) / LOG_GAMMA)));
}

/** The value within the resolution of every value in the slot: 2·upper / (γ + 1). */
function middleOf(slot: number): number {
  return (2 * SERIES_MIN_MS * GAMMA ** slot) / (GAMMA + 1);
}

/** Running totals of every count a bucket holds, by status too. */
export interface TimelineTotals {
  sessions: number;
  generated: number;
  acknowledged: number;
  failed: number;
  requests: number;
  retried: number;
  dropped: number;
  statuses: Map<string, number>;
}

interface Bucket extends TimelineTotals {
  latency?: SmallHistogram;
  visible?: SmallHistogram;
}

const COUNTERS = [
  "sessions",
  "generated",
  "acknowledged",
  "failed",
  "requests",
  "retried",
  "dropped",
] as const;

/** All counts zero. */
export function zeroTotals(): TimelineTotals {
  return emptyBucket();
}

function emptyBucket(): Bucket {
  return {
    sessions: 0,
    generated: 0,
    acknowledged: 0,
    failed: 0,
    requests: 0,
    retried: 0,
    dropped: 0,
    statuses: new Map(),
  };
}

function mergeInto(into: Bucket, from: Bucket): void {
  for (const key of COUNTERS) into[key] += from[key];
  for (const [status, n] of from.statuses) {
    into.statuses.set(status, (into.statuses.get(status) ?? 0) + n);
  }
  for (const key of ["latency", "visible"] as const) {
    const histogram = from[key];
    if (!histogram) continue;
    if (into[key]) into[key].merge(histogram);
    else into[key] = histogram;
  }
}

/** Records counts and latencies by time into at most `maxBuckets` buckets. */
export class TimelineRecorder {
  readonly #startMs: number;
  readonly #maxBuckets: number;
  #bucketMs: number;
  #buckets: Bucket[] = [];

  /** A recorder whose first bucket starts at `startMs` (epoch ms). */
  constructor(startMs: number, options: TimelineOptions = {}) {
    this.#startMs = startMs;
    this.#bucketMs = options.bucketMs ?? 1000;
    this.#maxBuckets = Math.max(2, options.maxBuckets ?? 720);
    if (!(this.#bucketMs > 0)) throw new RangeError("bucketMs must be above 0");
  }

  /** Width of the buckets now, ms. */
  get bucketMs(): number {
    return this.#bucketMs;
  }

  /** Buckets held now. */
  get size(): number {
    return this.#buckets.length;
  }

  /** Adds `counts` to the bucket holding `atMs` (times before the start go to the first). */
  add(atMs: number, counts: TimelineCounts): void {
    const bucket = this.#bucket(atMs);
    for (const key of COUNTERS) bucket[key] += counts[key] ?? 0;
    for (const [status, n] of Object.entries(counts.statuses ?? {})) {
      if (n !== 0) bucket.statuses.set(status, (bucket.statuses.get(status) ?? 0) + n);
    }
  }

  /** Records one export latency (ms, finite, >= 0) that ended at `atMs`. */
  latency(atMs: number, ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    const bucket = this.#bucket(atMs);
    (bucket.latency ??= new SmallHistogram()).record(ms);
  }

  /** Records one probed trace, acknowledged at `atMs`, that became visible `ms` later. */
  visible(atMs: number, ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    const bucket = this.#bucket(atMs);
    (bucket.visible ??= new SmallHistogram()).record(ms);
  }

  /** The series so far, as plain data. */
  series(): TimelineSeries {
    return {
      startMs: this.#startMs,
      bucketMs: this.#bucketMs,
      points: this.#buckets.map((bucket, index) => ({
        t: index * this.#bucketMs,
        sessions: bucket.sessions,
        generated: bucket.generated,
        acknowledged: bucket.acknowledged,
        failed: bucket.failed,
        requests: bucket.requests,
        retried: bucket.retried,
        dropped: bucket.dropped,
        statuses: Object.fromEntries(
          [...bucket.statuses].sort(([a], [b]) => a.localeCompare(b, "en", { numeric: true })),
        ),
        ...(bucket.latency ? { latency: quantiles(bucket.latency) } : {}),
        ...(bucket.visible ? { visible: quantiles(bucket.visible) } : {}),
      })),
    };
  }

  #bucket(atMs: number): Bucket {
    const offset = Math.max(0, atMs - this.#startMs);
    let index = Math.floor(offset / this.#bucketMs);
    while (index >= this.#maxBuckets) {
      this.#coarsen();
      index = Math.floor(offset / this.#bucketMs);
    }
    while (this.#buckets.length <= index) this.#buckets.push(emptyBucket());
    return this.#buckets[index];
  }

  /** Doubles the width: buckets 2i and 2i+1 become bucket i. */
  #coarsen(): void {
    const merged: Bucket[] = [];
    for (let i = 0; i < this.#buckets.length; i += 2) {
      const into = this.#buckets[i];
      const next = this.#buckets[i + 1];
      if (next) mergeInto(into, next);
      merged.push(into);
    }
    this.#buckets = merged;
    this.#bucketMs *= 2;
  }
}

function quantiles(histogram: SmallHistogram): Quantiles {
  return {
    count: histogram.count,
    p50: round(histogram.quantile(0.5)),
    p95: round(histogram.quantile(0.95)),
    p99: round(histogram.quantile(0.99)),
    max: round(histogram.max),
  };
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
