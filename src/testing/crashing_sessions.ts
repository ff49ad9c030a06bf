/**
 * A process that runs a load's sessions across two worker threads where one throws mid-run (a
 * template no check lets through, put into the script in memory), then prints the result as
 * JSON and returns without calling exit: the process ends only if every worker thread was
 * ended. For tests of a worker that throws, run as `deno run -A` / `bun` with the receiver URL.
 */
import process from "node:process";
import { resolveTarget } from "../export/target.ts";
import { systemClock } from "../load/clock.ts";
import { startSessions } from "../load/workers.ts";
import { loadScriptFile } from "../script/load.ts";

/** The quick script with a second turn (reached by half the sessions) that throws when planned. */
export async function crashingScript() {
  const { file, script } = await loadScriptFile("fixtures/scripts/quick.yaml");
  script.turns[1].input = "{{ not a template }}";
  return { file, script };
}

if (import.meta.main) {
  const [url] = process.argv.slice(2);
  const running = startSessions(
    {
      scripts: [await crashingScript()],
      population: { seed: 3, users: 50 },
      target: resolveTarget({}, { OTEL_EXPORTER_OTLP_ENDPOINT: url }),
      schedule: { kind: "backfill", sessions: 20_000, endMs: Date.now(), spreadMs: 86_400_000 },
      seed: 3,
      partition: { index: 0, count: 1 },
      pipeline: { maxDelayMs: 0, maxBatchSpans: 16 },
    },
    { clock: systemClock, stopped: () => false, onLine: () => {} },
    2,
  );
  const result = await running.done;
  console.log(JSON.stringify({
    crashed: result.crashed,
    stats: result.stats.state(),
    sessions: result.population.sessions,
  }));
}
