/**
 * A load's sessions across worker threads where one throws mid-run: a template no check lets
 * through, put into the script in memory, in the second turn (reached by half the sessions).
 * Run as a process (`deno run -A` / `bun`, with the receiver URL) it prints the result as JSON
 * and returns without calling exit: it ends only if every worker thread was ended.
 */
import process from "node:process";
import { resolveTarget } from "../src/export/target.ts";
import { systemClock } from "../src/load/clock.ts";
import { type RunningSessions, startSessions } from "../src/load/workers.ts";
import { readScriptFile } from "../src/script/read.ts";

/** Starts `sessions` backfill sessions of the crashing script to `url` across `workers` threads. */
export async function startCrashingSessions(
  url: string,
  options: { sessions: number; workers: number },
): Promise<RunningSessions> {
  const { file, script } = await readScriptFile("fixtures/scripts/quick.yaml");
  script.turns[1].input = "{{ not a template }}";
  return startSessions(
    {
      scripts: [{ file, script }],
      population: { seed: 3, users: 50 },
      target: resolveTarget({}, { OTEL_EXPORTER_OTLP_ENDPOINT: url }),
      schedule: {
        kind: "backfill",
        sessions: options.sessions,
        endMs: Date.now(),
        spreadMs: 86_400_000,
      },
      seed: 3,
      partition: { index: 0, count: 1 },
      pipeline: { maxDelayMs: 0, maxBatchSpans: 16 },
    },
    { clock: systemClock, stopped: () => false, onLine: () => {} },
    options.workers,
  );
}

if (import.meta.main) {
  const running = await startCrashingSessions(process.argv[2], { sessions: 20_000, workers: 2 });
  const result = await running.done;
  console.log(JSON.stringify({
    crashed: result.crashed,
    stats: result.stats.state(),
    sessions: result.population.sessions,
  }));
}
