/**
 * `load --workers N`: the run's sessions split across N worker threads (`node:worker_threads`,
 * on Deno and Bun), each with its own pipeline, by the same round-robin partition as
 * `--shard` (worker w of N inside shard k of n runs part k + n·w of n·N), so the population is
 * exactly the one a single worker sends. The main thread merges their counts exactly (spans,
 * failures by reason, requests, statuses, the latency histogram, the population), writes the
 * sessions file from their lines, stops them all on Ctrl-C or when one's export failed for
 * good or one crashed (a worker that throws or dies ends the run, never hangs it), and
 * concatenates their parts of a file target in worker order.
 */
import { Worker } from "node:worker_threads";
import { availableParallelism } from "node:os";
import { createReadStream, createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import { type DeliveryFeed, type DeliveryState, DeliveryStats } from "../export/stats.ts";
import { subPartition } from "../plan/partition.ts";
import type { ReviewSelection } from "../plan/review_select.ts";
import { PopulationCounter, type PopulationTally } from "../plan/population.ts";
import type { Clock } from "./clock.ts";
import { LiveCounts } from "./live.ts";
import { keepListed, type PartResult, type PartSpec, startPart } from "./part.ts";

/** What a worker thread posts to the main thread. */
export type WorkerMessage =
  | { type: "ready" }
  | {
    type: "progress";
    generated: number;
    acknowledged: number;
    failed: number;
    retried: number;
    requests: number;
    byStatus: Record<string, number>;
    /** Failed spans by reason, so a worker that dies still has its failures counted. */
    failures: Record<string, number>;
    sessions: number;
    started: number;
    alive: number;
    dropped: number;
    /** Export requests under way. */
    inFlight: number;
    fatal?: string;
    /** With `timeline`: export latencies (ms) and session starts since the last message. */
    latencies?: number[];
    starts?: number[];
    /** With `acknowledgedTraces`: [trace id, epoch ms] of root spans acknowledged since. */
    acknowledgedTraces?: [string, number][];
  }
  | { type: "lines"; lines: string[] }
  | {
    type: "done";
    stats: DeliveryState;
    population: PopulationTally;
    live?: LiveCountsData;
    fatal?: string;
    crashed?: string;
    listed: [number, string][];
    review?: ReviewSelection;
  }
  | { type: "error"; message: string };

/** LiveCounts as plain data. */
type LiveCountsData = Omit<LiveCounts, "dropped"> & { dropped: number };

/** The machine's cores, the default of `--workers`. */
export function defaultWorkers(): number {
  return Math.max(1, availableParallelism());
}

/** Counts to show while the run goes, summed over the workers. */
export interface SessionsView {
  generated: number;
  acknowledged: number;
  failed: number;
  retried: number;
  /** Sessions sent (with at least one turn). */
  sessions: number;
  /** Live: sessions started, alive, arrivals dropped. */
  live: { started: number; alive: number; dropped: number };
  /** Export requests under way. */
  inFlight: number;
}

/** A finished run, every worker merged. */
export interface SessionsResult extends Omit<PartResult, "review"> {
  /** What each part's review selector selected (see ReviewSelector.absorb). */
  reviews: ReviewSelection[];
  /** Worker threads used (1: in-process). */
  workers: number;
  /**
   * When the workers' parts of a file target could not be joined into it: the file system's
   * error; the parts not joined are left beside it.
   */
  unjoined?: unknown;
}

/** A run under way. */
export interface RunningSessions {
  view: SessionsView;
  /**
   * The delivery counts as they go, summed over the workers. Worker threads hand on their
   * export latencies only when the spec asks for the `timeline`.
   */
  delivery: DeliveryFeed;
  done: Promise<SessionsResult>;
}

/** What `startSessions` needs from its host. */
export interface SessionsHost {
  /** The in-process run's clock (worker threads use the system clock). */
  clock: Clock;
  stopped: () => boolean;
  onLine: (line: string) => void;
  /**
   * Each session's start (epoch ms). Worker threads hand them on only when the spec asks for
   * the `timeline`.
   */
  onStart?: (startMs: number) => void;
  /**
   * With the spec's `acknowledgedTraces`: traces whose root spans were acknowledged, and when
   * (epoch ms; a worker thread's reach the main thread with its next progress message).
   */
  onAcknowledged?: (traceIds: string[], atMs: number) => void;
}

/** Starts the run in-process (`workers` 1) or across `workers` worker threads. */
export function startSessions(
  spec: PartSpec,
  host: SessionsHost,
  workers: number,
): RunningSessions {
  if (workers <= 1) {
    const part = startPart(spec, host);
    const view: SessionsView = {
      get generated() {
        return part.stats.generated;
      },
      get acknowledged() {
        return part.stats.acknowledged;
      },
      get failed() {
        return part.stats.failed;
      },
      get retried() {
        return part.stats.retried;
      },
      get sessions() {
        return part.population.sessions;
      },
      live: part.counts,
      get inFlight() {
        return part.inFlight();
      },
    };
    return {
      view,
      delivery: part.stats,
      done: part.done.then(({ review, ...result }) => ({
        ...result,
        reviews: review ? [review] : [],
        workers: 1,
      })),
    };
  }
  return startWorkers(spec, host, workers);
}

type Progress = Extract<WorkerMessage, { type: "progress" }>;
type Done = Extract<WorkerMessage, { type: "done" }>;

function startWorkers(spec: PartSpec, host: SessionsHost, count: number): RunningSessions {
  const progress: Progress[] = [];
  const view: SessionsView = {
    generated: 0,
    acknowledged: 0,
    failed: 0,
    retried: 0,
    sessions: 0,
    live: { started: 0, alive: 0, dropped: 0 },
    inFlight: 0,
  };
  const delivery = new WorkersFeed(progress);
  const refresh = () => {
    const sum = (key: Counter) => sumOf(progress, key);
    view.generated = sum("generated");
    view.acknowledged = sum("acknowledged");
    view.failed = sum("failed");
    view.retried = sum("retried");
    view.sessions = sum("sessions");
    view.live = { started: sum("started"), alive: sum("alive"), dropped: sum("dropped") };
    view.inFlight = sum("inFlight");
  };
  const filePart = (w: number) => `${spec.target.path}.worker${w + 1}`;
  const threads: Worker[] = [];
  let stopSent = false;
  const stopAll = () => {
    if (stopSent) return;
    stopSent = true;
    for (const thread of threads) thread.postMessage({ type: "stop" });
  };
  const results: Promise<Done>[] = [];
  let ready = 0;
  for (let w = 0; w < count; w++) {
    const workerSpec: PartSpec = {
      ...spec,
      partition: subPartition(spec.partition, w, count),
      ...(spec.target.path ? { target: { ...spec.target, path: filePart(w) } } : {}),
      // The run's bounds are shared out: the workers together send and hold what one would.
      ...(spec.concurrency === undefined
        ? {}
        : { concurrency: Math.max(1, Math.ceil(spec.concurrency / count)) }),
      ...(spec.maxAlive === undefined
        ? {}
        : { maxAlive: Math.max(1, Math.ceil(spec.maxAlive / count)) }),
    };
    const thread = new Worker(new URL("./load_worker.ts", import.meta.url), {
      workerData: workerSpec,
    });
    threads.push(thread);
    results.push(
      new Promise<Done>((resolve) => {
        let done: Done | undefined;
        // A worker that throws or dies ends the run as a crash: the others are stopped, and
        // its spans not yet acknowledged or failed are counted failed (see `lost`).
        const crash = (why: string) => {
          if (done) return;
          done = lost(progress[w], `load worker ${w + 1}: ${why}`);
          stopAll();
          resolve(done);
          void thread.terminate();
        };
        thread.on("message", (message: WorkerMessage) => {
          switch (message.type) {
            case "ready":
              // One start for all, once every worker is loaded: live arrivals are not late.
              if (++ready === count) {
                const startMs = Date.now();
                for (const t of threads) t.postMessage({ type: "start", startMs });
              }
              break;
            case "progress":
              progress[w] = message;
              refresh();
              for (const ms of message.latencies ?? []) delivery.latency(ms);
              for (const startMs of message.starts ?? []) host.onStart?.(startMs);
              for (const [id, atMs] of message.acknowledgedTraces ?? []) {
                host.onAcknowledged?.([id], atMs);
              }
              if (message.fatal) stopAll();
              break;
            case "lines":
              for (const line of message.lines) host.onLine(line);
              break;
            case "done":
              // Everything the worker sends comes before this (messages keep their order).
              done = message.crashed
                ? { ...message, crashed: `load worker ${w + 1}: ${message.crashed}` }
                : message;
              if (message.fatal || message.crashed) stopAll();
              resolve(done);
              void thread.terminate();
              break;
            case "error":
              crash(message.message);
              break;
          }
        });
        thread.on("error", (error) => crash((error as Error)?.stack ?? String(error)));
        thread.on("exit", (code) => crash(`ended (exit code ${code}) before its report`));
      }),
    );
  }
  const poll = setInterval(() => {
    if (host.stopped()) stopAll();
  }, 50);
  const done = (async (): Promise<SessionsResult> => {
    // Each result settles, crashed or not: every worker has ended (or was ended) by now.
    const parts = await Promise.all(results);
    clearInterval(poll);
    const merged = merge(parts, spec.schedule.kind === "live");
    if (spec.target.path) {
      try {
        await concatenate(spec.target.path, parts.map((_, w) => filePart(w)));
      } catch (error) {
        merged.unjoined = error;
      }
    }
    return merged;
  })();
  return { view, delivery, done };
}

/** The numeric counts of a progress message. */
type Counter = {
  [K in keyof Progress]-?: Progress[K] extends number ? K : never;
}[keyof Progress];

function sumOf(progress: readonly (Progress | undefined)[], key: Counter): number {
  return progress.reduce((total, p) => total + (p?.[key] ?? 0), 0);
}

/**
 * The workers' delivery counts as one pipeline's, from their last progress messages. A
 * latency reaches the listener when its message arrives: up to PROGRESS_MS after the export
 * ended, well inside the report's one-second buckets.
 */
class WorkersFeed implements DeliveryFeed {
  readonly #progress: readonly (Progress | undefined)[];
  #listener?: (ms: number) => void;

  constructor(progress: readonly (Progress | undefined)[]) {
    this.#progress = progress;
  }

  get generated(): number {
    return sumOf(this.#progress, "generated");
  }
  get acknowledged(): number {
    return sumOf(this.#progress, "acknowledged");
  }
  get failed(): number {
    return sumOf(this.#progress, "failed");
  }
  get failures(): Map<string, number> {
    return sumMaps(this.#progress.map((p) => p?.failures));
  }
  get requests(): number {
    return sumOf(this.#progress, "requests");
  }
  get retried(): number {
    return sumOf(this.#progress, "retried");
  }
  get byStatus(): Map<string, number> {
    return sumMaps(this.#progress.map((p) => p?.byStatus));
  }

  onLatency(listener: ((ms: number) => void) | undefined): void {
    this.#listener = listener;
  }

  latency(ms: number): void {
    this.#listener?.(ms);
  }
}

/** Counts by key, summed over the workers' messages. */
function sumMaps(counts: readonly (Record<string, number> | undefined)[]): Map<string, number> {
  const sum = new Map<string, number>();
  for (const byKey of counts) {
    for (const [key, n] of Object.entries(byKey ?? {})) sum.set(key, (sum.get(key) ?? 0) + n);
  }
  return sum;
}

function merge(parts: Done[], live: boolean): SessionsResult {
  const stats = new DeliveryStats();
  const population = new PopulationCounter();
  const counts = new LiveCounts();
  const listed: [number, string][] = [];
  for (const part of parts) {
    stats.merge(part.stats);
    population.merge(part.population);
    for (const [index, id] of part.listed) keepListed(listed, index, id);
    if (part.live) {
      counts.scheduled += part.live.scheduled;
      counts.started += part.live.started;
      counts.droppedLate += part.live.droppedLate;
      counts.droppedAlive += part.live.droppedAlive;
      // Each worker's own peak, added: at most this many were alive at once.
      counts.peakAlive += part.live.peakAlive;
      counts.maxLagMs = Math.max(counts.maxLagMs, part.live.maxLagMs);
    }
  }
  const fatal = parts.find((part) => part.fatal)?.fatal;
  const crashed = parts.find((part) => part.crashed)?.crashed;
  return {
    stats,
    population,
    ...(live ? { live: counts } : {}),
    ...(fatal ? { fatal } : {}),
    ...(crashed ? { crashed } : {}),
    listed,
    // Joined by the main thread's selector, which orders them by session index.
    reviews: parts.flatMap((part) => part.review ? [part.review] : []),
    workers: parts.length,
  };
}

/**
 * The report of a worker that ended without its own, from its last progress message: its
 * spans neither acknowledged nor failed by then are counted failed, with `crashed` as the
 * reason's cause. Its sessions were written to the sessions file as they went; they are not
 * in the population counts.
 */
function lost(last: Progress | undefined, crashed: string): Done {
  const stats = new DeliveryStats();
  if (last) {
    stats.merge({
      generated: last.generated,
      acknowledged: last.acknowledged,
      failures: last.failures,
      requests: last.requests,
      retried: last.retried,
      byStatus: last.byStatus,
      latency: new DeliveryStats().latency.state(),
    });
  }
  stats.fail(stats.pending, `not delivered: ${crashed.split("\n")[0]}`);
  return {
    type: "done",
    stats: stats.state(),
    population: new PopulationCounter().tally(),
    crashed,
    listed: [],
  };
}

/**
 * Joins the workers' file-target parts into `path`, in worker order, and removes each once it
 * is in; throws the first write error (a full disk), leaving the parts not yet joined.
 */
async function concatenate(path: string, parts: string[]): Promise<void> {
  const out = createWriteStream(path);
  let failure: Error | undefined;
  // Kept for the whole join: an error with no listener would end the process.
  out.on("error", (error) => failure ??= error);
  for (const part of parts) {
    await new Promise<void>((resolve, reject) => {
      const input = createReadStream(part);
      const stop = (error: Error) => {
        input.destroy();
        reject(error);
      };
      if (failure) return stop(failure);
      out.once("error", stop);
      const done = () => {
        out.off("error", stop);
        resolve();
      };
      input.on("error", (error: Error & { code?: string }) =>
        // A worker that sent nothing wrote no file.
        error.code === "ENOENT" ? done() : stop(error));
      input.on("end", done);
      input.pipe(out, { end: false });
    });
    await rm(part, { force: true });
  }
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ?? failure) ? reject(error ?? failure) : resolve())
  );
}
