/** Progress of a long run: a live line on a terminal, otherwise a line every few seconds. */
import type { DeliveryStats } from "../export/stats.ts";
import { formatMs } from "../script/duration.ts";

/** Where progress goes and how often. */
export interface ProgressOptions {
  /** The run's delivery counts (a pipeline's stats, or the sum over worker threads). */
  stats: Pick<DeliveryStats, "generated" | "acknowledged" | "failed" | "retried">;
  /** Sessions started so far. */
  sessions: () => number;
  /** Live runs: sessions alive and arrivals dropped so far. */
  arrivals?: () => { alive: number; dropped: number };
  /** Sessions the run will start, when known (for the eta). */
  total?: number;
  /** Whether the output is a terminal (a live line) or not (a line every `intervalMs`). */
  tty: boolean;
  write: (text: string) => void;
  now: () => number;
  /** Default 250 ms on a terminal, 5000 ms otherwise. */
  intervalMs?: number;
}

/** Starts reporting; call the returned function to print a last line and stop. */
export function startProgress(options: ProgressOptions): () => void {
  const started = options.now();
  const line = () => {
    const elapsed = options.now() - started;
    const { stats } = options;
    const sessions = options.sessions();
    const rate = elapsed > 0 ? Math.round((stats.acknowledged * 1000) / elapsed) : 0;
    const eta = options.total && sessions > 0
      ? ` · eta ${formatMs(Math.max(0, (elapsed / sessions) * (options.total - sessions)))}`
      : "";
    const arrivals = options.arrivals?.();
    const live = arrivals ? ` · alive ${arrivals.alive} · dropped ${arrivals.dropped}` : "";
    return `sessions ${sessions}${
      options.total ? `/${options.total}` : ""
    }${live} · spans ${stats.generated}` +
      ` · ${rate} spans/s · acknowledged ${stats.acknowledged} · failed ${stats.failed}` +
      ` · retries ${stats.retried} · ${formatMs(elapsed)} elapsed${eta}`;
  };
  const timer = setInterval(() => {
    options.write(options.tty ? `\r\x1b[2K${line()}` : `${line()}\n`);
  }, options.intervalMs ?? (options.tty ? 250 : 5000));
  return () => {
    clearInterval(timer);
    options.write(options.tty ? `\r\x1b[2K${line()}\n` : `${line()}\n`);
  };
}
