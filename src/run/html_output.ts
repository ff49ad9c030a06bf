/**
 * `--html FILE` for load and replay: records the run's time series while it runs (the delivery
 * counts sampled every second, each export latency as it ends, each session's start for a
 * backfill's window) and writes the self-contained HTML report at the end, its data and its
 * text through the run's redactor like every other file.
 */
import { clearInterval, setInterval } from "node:timers";
import type { DeliveryFeed, DeliveryStats } from "../export/stats.ts";
import type { SessionPlan } from "../plan/types.ts";
import { htmlDataOfLoad, htmlDataOfReplay, renderHtmlReport } from "../report/html_report.ts";
import type { LoadReport } from "../report/load_report.ts";
import type { ShardMerge } from "../report/shard_report.ts";
import { PopulationCounter } from "../plan/population.ts";
import { redactorFor } from "../http/redact.ts";
import type { RunReport } from "../report/run_report.ts";
import { SessionRhythm } from "../report/session_rhythm.ts";
import {
  type TimelineOptions,
  TimelineRecorder,
  type TimelineTotals,
  zeroTotals,
} from "../report/timeline_series.ts";
import { writeOutput } from "./paths.ts";

/** What the recording reads and how. */
export interface HtmlRecordingOptions {
  now: () => number;
  /** Sessions started so far; default the sessions passed to `session()`. */
  sessions?: () => number;
  /** Live runs: arrivals dropped so far. */
  dropped?: () => number;
  /** A backfill's window (epoch ms): the sessions' starts are counted across it. */
  window?: { startMs: number; endMs: number };
  /** How often the counts are sampled, ms; default 1000. */
  intervalMs?: number;
  /** Bucketing of the series; default 1 s buckets, at most 720. */
  timeline?: TimelineOptions;
}

type Sample = TimelineTotals;

/** The series of one run for its HTML report. */
export class HtmlRecording {
  readonly #options: HtmlRecordingOptions;
  readonly #timeline: TimelineRecorder;
  readonly #rhythm?: SessionRhythm;
  #stats?: DeliveryFeed;
  #timer?: ReturnType<typeof setInterval>;
  #last: Sample = zeroTotals();
  #lastMs: number;
  #sessions = 0;

  /** A recording starting now. */
  constructor(options: HtmlRecordingOptions) {
    this.#options = options;
    this.#lastMs = options.now();
    this.#timeline = new TimelineRecorder(this.#lastMs, options.timeline);
    if (options.window) {
      this.#rhythm = new SessionRhythm(options.window.startMs, options.window.endMs);
    }
  }

  /** Starts sampling `stats` every interval and recording its latencies. */
  attach(stats: DeliveryFeed): this {
    this.#stats = stats;
    stats.onLatency((ms) => this.#timeline.latency(this.#options.now(), ms));
    this.#timer = setInterval(() => this.#sample(), this.#options.intervalMs ?? 1000);
    // Never what keeps the process alive: a run that throws exits without calling stop().
    this.#timer.unref();
    return this;
  }

  /** Counts one session (its start, for a backfill's window). */
  session(plan: SessionPlan): void {
    const start = plan.turns[0]?.root.startMs;
    if (start !== undefined) this.start(start);
  }

  /** Counts one session that starts at `startMs` (epoch ms). */
  start(startMs: number): void {
    this.#sessions++;
    this.#rhythm?.add(startMs);
  }

  /** One probed trace acknowledged at `acknowledgedMs` became visible `ms` later. */
  visible(acknowledgedMs: number, ms: number): void {
    this.#timeline.visible(acknowledgedMs, ms);
  }

  /** Takes a last sample and stops (idempotent). */
  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#stats) {
      this.#sample();
      this.#stats.onLatency(undefined);
      this.#stats = undefined;
    }
  }

  /** Writes the report of a load run to `path`, secrets removed. */
  async writeLoad(
    path: string,
    report: LoadReport,
    population: PopulationCounter,
    env: Record<string, string | undefined>,
  ): Promise<void> {
    this.stop();
    const data = htmlDataOfLoad(report, {
      timeline: this.#timeline.series(),
      population: population.shape(),
      usersBySessions: population.usersBySessions(),
      ...(this.#rhythm ? { rhythm: this.#rhythm.series() } : {}),
    });
    await write(path, data, env);
  }

  /** Writes the report of a replay to `path`, secrets removed. */
  async writeReplay(
    path: string,
    report: RunReport,
    plans: SessionPlan[],
    latency: DeliveryStats["latency"],
    env: Record<string, string | undefined>,
  ): Promise<void> {
    this.stop();
    const population = new PopulationCounter();
    for (const plan of plans) population.add(plan);
    const quantile = (q: number) => {
      const v = latency.quantile(q);
      return v === undefined ? undefined : Math.round(v * 10) / 10;
    };
    const data = htmlDataOfReplay(report, {
      timeline: this.#timeline.series(),
      population: population.shape(),
      usersBySessions: population.usersBySessions(),
      exportLatencyMs: { p50: quantile(0.5), p95: quantile(0.95), p99: quantile(0.99) },
    });
    await write(path, data, env);
  }

  /** Adds what changed since the last sample to the bucket of the interval it happened in. */
  #sample(): void {
    const stats = this.#stats;
    if (!stats) return;
    const now: Sample = {
      sessions: this.#options.sessions?.() ?? this.#sessions,
      generated: stats.generated,
      acknowledged: stats.acknowledged,
      failed: stats.failed,
      requests: stats.requests,
      retried: stats.retried,
      dropped: this.#options.dropped?.() ?? 0,
      statuses: new Map(stats.byStatus),
    };
    const last = this.#last;
    const nowMs = this.#options.now();
    const statuses: Record<string, number> = {};
    for (const [status, n] of now.statuses) {
      const delta = n - (last.statuses.get(status) ?? 0);
      if (delta !== 0) statuses[status] = delta;
    }
    // At the middle of the interval: timer jitter then never puts two samples in one bucket.
    this.#timeline.add((this.#lastMs + nowMs) / 2, {
      sessions: now.sessions - last.sessions,
      generated: now.generated - last.generated,
      acknowledged: now.acknowledged - last.acknowledged,
      failed: now.failed - last.failed,
      requests: now.requests - last.requests,
      retried: now.retried - last.retried,
      dropped: now.dropped - last.dropped,
      statuses,
    });
    this.#last = now;
    this.#lastMs = nowMs;
  }
}

/**
 * Writes the report of shards merged (`report merge --html`) to `path`, secrets removed. The
 * shards' reports keep no series over time, so the page has the run's totals, users and
 * population, and says where the series are.
 */
export async function writeMergedHtml(
  path: string,
  merge: ShardMerge,
  env: Record<string, string | undefined>,
): Promise<void> {
  const startMs = Date.parse(merge.report.startedAt);
  const data = htmlDataOfLoad(merge.report, {
    timeline: { startMs, bucketMs: 1000, points: [] },
    timelineNote: "The shards' reports keep no series over time: each shard's own load --html " +
      "page charts its part of the run.",
    population: merge.report.population,
    usersBySessions: merge.usersBySessions,
  });
  await write(path, data, env);
}

/** Every string of `value` (keys too) passed through `clean`. */
function cleanDeep<T>(value: T, clean: (text: string) => string): T {
  if (typeof value === "string") return clean(value) as T;
  if (Array.isArray(value)) return value.map((v) => cleanDeep(v, clean)) as T;
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [clean(k), cleanDeep(v, clean)]),
    ) as T;
  }
  return value;
}

async function write(
  path: string,
  data: Parameters<typeof renderHtmlReport>[0],
  env: Record<string, string | undefined>,
): Promise<void> {
  // The data is cleaned before it is escaped into HTML and JSON (where a secret's form could
  // change), then the whole page once more, as every file leaving the process.
  const clean = redactorFor(env);
  await writeOutput(path, clean(renderHtmlReport(cleanDeep(data, clean))), "--html");
}
