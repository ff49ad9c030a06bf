/**
 * When a backfill's sessions start across its window: sessions per hour from the window's
 * start to its end (the daily rhythm, as a user will see it in Langfuse), and sessions by hour
 * of the day (UTC) summed over every day. Bounded: past `maxBins` hours, a bin holds several
 * hours. Pure: the times are passed in.
 */

const HOUR_MS = 3_600_000;

/** How the window is binned. */
export interface RhythmOptions {
  /** Most bins across the window; default 2000 (83 days at one hour a bin). */
  maxBins?: number;
}

/** The sessions' start times as plain data. */
export interface RhythmSeries {
  /** Epoch ms of the window's start (the first bin's start). */
  startMs: number;
  /** Epoch ms of the window's end. */
  endMs: number;
  /** Hours per bin: 1 unless the window is longer than `maxBins` hours. */
  binHours: number;
  /** Sessions per bin, from the window's start. */
  bins: number[];
  /** Sessions by the UTC hour of the day they started in, 0 to 23. */
  hourOfDay: number[];
}

/** Counts sessions by start time over a window. */
export class SessionRhythm {
  readonly #startMs: number;
  readonly #endMs: number;
  readonly #binHours: number;
  readonly #bins: number[];
  readonly #hourOfDay = new Array<number>(24).fill(0);

  /** A rhythm over the window `[startMs, endMs]` (epoch ms). */
  constructor(startMs: number, endMs: number, options: RhythmOptions = {}) {
    this.#startMs = startMs;
    this.#endMs = Math.max(startMs, endMs);
    const hours = Math.max(1, Math.ceil((this.#endMs - startMs) / HOUR_MS));
    const maxBins = Math.max(1, options.maxBins ?? 2000);
    this.#binHours = Math.ceil(hours / maxBins);
    this.#bins = new Array<number>(Math.ceil(hours / this.#binHours)).fill(0);
  }

  /** Counts one session that started at `atMs` (clamped into the window). */
  add(atMs: number): void {
    const clamped = Math.min(this.#endMs, Math.max(this.#startMs, atMs));
    const bin = Math.floor((clamped - this.#startMs) / (HOUR_MS * this.#binHours));
    this.#bins[Math.min(this.#bins.length - 1, bin)]++;
    this.#hourOfDay[new Date(clamped).getUTCHours()]++;
  }

  /** The counts so far. */
  series(): RhythmSeries {
    return {
      startMs: this.#startMs,
      endMs: this.#endMs,
      binHours: this.#binHours,
      bins: [...this.#bins],
      hourOfDay: [...this.#hourOfDay],
    };
  }
}
