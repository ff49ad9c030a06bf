/**
 * Latency statistics for load runs: an exact percentile over sorted values, and a streaming
 * histogram with constant memory for runs too long to keep every latency.
 *
 * Both use the nearest-rank definition: the p-th percentile of n values is the k-th smallest,
 * k = max(1, ceil(p/100 · n)), so it is always one of the values seen. The histogram returns
 * that same k-th value to within its bucket resolution.
 */

/** The histogram's relative resolution: quantiles are within 1% of the exact value. */
export const HISTOGRAM_RELATIVE_ERROR = 0.01;
/** Below this (1 µs) values share one bucket; quantiles there are within 1 µs. */
export const HISTOGRAM_MIN_MS = 0.001;
/** Above this (100 000 s, about 28 h) values share one bucket; quantiles there report the max. */
export const HISTOGRAM_MAX_MS = 1e8;

const GAMMA = (1 + HISTOGRAM_RELATIVE_ERROR) / (1 - HISTOGRAM_RELATIVE_ERROR);
const LOG_GAMMA = Math.log(GAMMA);
// Bucket 0 holds [0, MIN]; bucket i holds (MIN·γ^(i-1), MIN·γ^i]; the last one holds (MAX, ∞).
const TOP = Math.ceil(Math.log(HISTOGRAM_MAX_MS / HISTOGRAM_MIN_MS) / LOG_GAMMA);
const OVERFLOW = TOP + 1;

/** The 1-based nearest rank of fraction `q` among `n` values, tolerant of float round-off. */
function nearestRank(q: number, n: number): number {
  return Math.min(n, Math.max(1, Math.ceil(q * n - 1e-9)));
}

/** The p-th percentile (p in 0..100) of ascending values by nearest rank; undefined when empty. */
export function percentile(sortedValues: readonly number[], p: number): number | undefined {
  checkFraction(p / 100, `percentile ${p}`, "0 and 100");
  if (sortedValues.length === 0) return undefined;
  return sortedValues[nearestRank(p / 100, sortedValues.length) - 1];
}

/**
 * A streaming latency histogram: about 1 270 fixed log-scale buckets (constant memory, ~10 kB),
 * each 2% wide, so `quantile(q)` is within 1% (HISTOGRAM_RELATIVE_ERROR) of the exact
 * nearest-rank value for latencies between 1 µs and about 28 h; q = 0 and q = 1 are exact.
 */
export class LatencyHistogram {
  readonly #counts = new Float64Array(OVERFLOW + 1);
  #count = 0;
  #sum = 0;
  #min = Infinity;
  #max = -Infinity;

  /** Adds one latency in milliseconds (finite, >= 0). */
  record(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) {
      throw new RangeError(`Cannot record latency ${ms}: use a finite number of ms >= 0`);
    }
    this.#counts[bucketOf(ms)]++;
    this.#count++;
    this.#sum += ms;
    if (ms < this.#min) this.#min = ms;
    if (ms > this.#max) this.#max = ms;
  }

  /** How many latencies were recorded. */
  get count(): number {
    return this.#count;
  }

  /** The smallest latency recorded, exact; undefined when empty. */
  get min(): number | undefined {
    return this.#count === 0 ? undefined : this.#min;
  }

  /** The largest latency recorded, exact; undefined when empty. */
  get max(): number | undefined {
    return this.#count === 0 ? undefined : this.#max;
  }

  /** The mean latency, exact; undefined when empty. */
  get mean(): number | undefined {
    return this.#count === 0 ? undefined : this.#sum / this.#count;
  }

  /** The histogram as plain data (non-empty buckets only), to merge it in another thread or report. */
  state(): HistogramState {
    const buckets: [number, number][] = [];
    for (let i = 0; i < this.#counts.length; i++) {
      if (this.#counts[i] > 0) buckets.push([i, this.#counts[i]]);
    }
    return {
      buckets,
      count: this.#count,
      sum: this.#sum,
      ...(this.#count > 0 ? { min: this.#min, max: this.#max } : {}),
    };
  }

  /** Adds another histogram's latencies (from `state()`): the result is as if recorded here. */
  merge(other: HistogramState): void {
    for (const [bucket, count] of other.buckets) {
      if (!Number.isInteger(bucket) || bucket < 0 || bucket >= this.#counts.length) {
        throw new RangeError(`Cannot merge histogram bucket ${bucket}: out of range`);
      }
      this.#counts[bucket] += count;
    }
    this.#count += other.count;
    this.#sum += other.sum;
    if (other.min !== undefined && other.min < this.#min) this.#min = other.min;
    if (other.max !== undefined && other.max > this.#max) this.#max = other.max;
  }

  /** The q-quantile (q in 0..1, e.g. 0.95 for p95) within the resolution; undefined when empty. */
  quantile(q: number): number | undefined {
    checkFraction(q, `quantile ${q}`, "0 and 1");
    if (this.#count === 0) return undefined;
    const rank = nearestRank(q, this.#count);
    if (rank === 1) return this.#min;
    if (rank === this.#count) return this.#max;
    let seen = 0;
    let bucket = 0;
    for (; bucket < OVERFLOW; bucket++) {
      seen += this.#counts[bucket];
      if (seen >= rank) break;
    }
    const value = bucket === 0 ? this.#min : bucket === OVERFLOW ? this.#max : middleOf(bucket);
    return Math.min(this.#max, Math.max(this.#min, value));
  }
}

/** A latency histogram as plain data: [bucket, count] pairs and the exact count, sum, min, max. */
export interface HistogramState {
  buckets: [number, number][];
  count: number;
  sum: number;
  min?: number;
  max?: number;
}

function bucketOf(ms: number): number {
  if (ms <= HISTOGRAM_MIN_MS) return 0;
  if (ms > HISTOGRAM_MAX_MS) return OVERFLOW;
  return Math.min(TOP, Math.max(1, Math.ceil(Math.log(ms / HISTOGRAM_MIN_MS) / LOG_GAMMA)));
}

/** The value within 1% of every value in the bucket: 2·upper / (γ + 1). */
function middleOf(bucket: number): number {
  return (2 * HISTOGRAM_MIN_MS * GAMMA ** bucket) / (GAMMA + 1);
}

function checkFraction(q: number, what: string, bounds: string): void {
  if (!(q >= 0 && q <= 1)) {
    throw new RangeError(`Cannot compute ${what}: use a value between ${bounds}`);
  }
}
