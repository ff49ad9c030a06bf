/**
 * The entry of a load worker thread (`node:worker_threads`, on Deno and Bun): runs one part of
 * the run (see `part.ts`) with its own pipeline and reports to the main thread: progress every
 * PROGRESS_MS (with its export latencies and session starts since the last, for `--html`),
 * the sessions file's lines in chunks, and at the end every count, exactly.
 * The main thread sends `stop` on Ctrl-C or when another worker's export failed for good.
 */
import { parentPort, workerData } from "node:worker_threads";
import { systemClock } from "./clock.ts";
import { type PartSpec, startPart } from "./part.ts";
import type { WorkerMessage } from "./workers.ts";

/** How often a worker reports its counts. */
const PROGRESS_MS = 100;
/** Lines of the sessions file sent to the main thread at once. */
const LINES_PER_MESSAGE = 256;

if (parentPort) {
  const port = parentPort;
  const spec = workerData as PartSpec;
  let stopped = false;
  let lines: string[] = [];
  // For --html: what happened since the last progress message.
  let latencies: number[] = [];
  let starts: number[] = [];
  // For the time-to-visible probe: [trace id, epoch ms] acknowledged since the last message.
  let acknowledgedTraces: [string, number][] = [];
  const post = (message: WorkerMessage) => port.postMessage(message);
  const flushLines = () => {
    if (lines.length === 0) return;
    post({ type: "lines", lines });
    lines = [];
  };
  // Every worker starts on the main thread's word, so the live schedule has one start for all.
  // A stop before the start (another worker failed to load) starts nothing and reports at once.
  const startMs = await new Promise<number | undefined>((resolve) => {
    port.on("message", (message: { type: string; startMs?: number }) => {
      if (message.type === "stop") {
        stopped = true;
        resolve(undefined);
      }
      if (message.type === "start") resolve(message.startMs);
    });
    post({ type: "ready" });
  });
  try {
    const part = startPart({ ...spec, ...(startMs === undefined ? {} : { startMs }) }, {
      clock: systemClock,
      stopped: () => stopped,
      onLine: (line) => {
        lines.push(line);
        if (lines.length >= LINES_PER_MESSAGE) flushLines();
      },
      ...(spec.timeline ? { onStart: (startMs: number) => starts.push(startMs) } : {}),
      ...(spec.acknowledgedTraces
        ? {
          onAcknowledged: (ids: string[], atMs: number) => {
            for (const id of ids) acknowledgedTraces.push([id, atMs]);
          },
        }
        : {}),
    });
    if (spec.timeline) part.stats.onLatency((ms) => latencies.push(ms));
    const progress = () => {
      flushLines();
      const { stats, counts } = part;
      post({
        type: "progress",
        generated: stats.generated,
        acknowledged: stats.acknowledged,
        failed: stats.failed,
        retried: stats.retried,
        requests: stats.requests,
        byStatus: Object.fromEntries(stats.byStatus),
        failures: Object.fromEntries(stats.failures),
        sessions: part.population.sessions,
        started: counts.started,
        alive: counts.alive,
        dropped: counts.dropped,
        inFlight: part.inFlight(),
        ...(part.fatal() ? { fatal: part.fatal() } : {}),
        ...(spec.timeline ? { latencies, starts } : {}),
        ...(spec.acknowledgedTraces ? { acknowledgedTraces } : {}),
      });
      latencies = [];
      starts = [];
      acknowledgedTraces = [];
    };
    const timer = setInterval(progress, PROGRESS_MS);
    try {
      const result = await part.done;
      progress();
      post({
        type: "done",
        stats: result.stats.state(),
        population: result.population.tally(),
        ...(result.live ? { live: { ...result.live, dropped: result.live.dropped } } : {}),
        ...(result.fatal ? { fatal: result.fatal } : {}),
        ...(result.crashed ? { crashed: result.crashed } : {}),
        listed: result.listed,
        ...(result.review ? { review: result.review } : {}),
      });
    } finally {
      clearInterval(timer);
    }
  } catch (error) {
    flushLines();
    post({ type: "error", message: (error as Error).stack ?? String(error) });
  }
  // The main thread ends this thread once it has the report (Deno's parentPort cannot be
  // closed or unref'ed from inside, so the thread would otherwise stay up listening).
}
