/**
 * `load --workers N` measured: the `load` command itself (planning, emitting, batching,
 * protobuf or JSON, HTTP) into the counting receiver (`receiver.ts`, its own process) with 1
 * and more worker threads, interleaved, on Deno and Bun. Delivered is what the receiver
 * counted; spans/s is delivered over the load process's wall time from its report; CPU is the
 * load process's user + system time (`/usr/bin/time`), over delivered spans. `run.ts` runs the
 * same (`_load.ts`) in its rounds with `--workers`; this script is for a curve of worker counts.
 *
 * @example
 * deno run -A scripts/bench/workers.ts --sessions 20000 --workers 1,2 --repeat 2
 */
import { spawn } from "node:child_process";
import { availableParallelism } from "node:os";
import { createInterface } from "node:readline";
import type { ReceiverCount } from "./receiver.ts";
import { runLoad } from "./_load.ts";

const HERE = new URL(".", import.meta.url).pathname;
const args = new Map<string, string>();
for (let i = 2; i < Deno.args.length + 2; i += 2) args.set(Deno.args[i - 2], Deno.args[i - 1]);
const sessions = Number(args.get("--sessions") ?? "20000");
const workerCounts = (args.get("--workers") ?? "1,2").split(",").map(Number);
const repeat = Number(args.get("--repeat") ?? "2");
const runtimes = (args.get("--runtimes") ?? "deno,bun").split(",");
const protocol = args.get("--protocol") ?? "http/protobuf";

function startReceiver(): Promise<{ url: string; stop: () => void }> {
  return new Promise((resolve, reject) => {
    const child = spawn("deno", ["run", "-A", `${HERE}/receiver.ts`, "--decode", "count"], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    child.on("error", reject);
    createInterface({ input: child.stdout }).once(
      "line",
      (url) => resolve({ url, stop: () => child.kill("SIGTERM") }),
    );
  });
}

async function call(url: string, path: string, method = "GET"): Promise<ReceiverCount> {
  return await (await fetch(`${url}${path}`, { method })).json() as ReceiverCount;
}

interface Row {
  runtime: string;
  workers: number;
  delivered: number;
  generated: number;
  spansPerSecond: number;
  cpuUsPerSpan: number;
  peakRssMb: number;
  wallS: number;
}

async function once(url: string, runtime: string, workers: number): Promise<Row> {
  await call(url, "/reset", "POST");
  const result = await runLoad({
    runtime: runtime as "deno" | "bun",
    sessions,
    workers,
    protocol: protocol as "http/json" | "http/protobuf",
    url,
  });
  const counted = await call(url, "/count");
  return {
    runtime,
    workers,
    delivered: counted.spans,
    generated: result.generated,
    spansPerSecond: Math.round(counted.spans / result.seconds),
    cpuUsPerSpan: Math.round((result.cpuSeconds * 1e6) / counted.spans * 10) / 10,
    peakRssMb: Math.round(result.peakRssMb),
    wallS: Math.round(result.seconds * 10) / 10,
  };
}

const receiver = await startReceiver();
const rows: Row[] = [];
try {
  for (let round = 0; round < repeat; round++) {
    for (const runtime of runtimes) {
      for (const workers of workerCounts) {
        const row = await once(receiver.url, runtime, workers);
        rows.push(row);
        console.error(JSON.stringify(row));
      }
    }
  }
} finally {
  receiver.stop();
}
console.log(
  `load --workers, ${sessions} sessions of order-status (${protocol}), ${repeat} round(s), ` +
    `${availableParallelism()} cores; the median round of each (every round in brackets):\n`,
);
console.log("| runtime | workers | spans/s | CPU µs/span | peak RSS MB | delivered | lost |");
console.log("| ------- | ------: | ------: | ----------: | ----------: | --------: | ---: |");
for (const runtime of runtimes) {
  for (const workers of workerCounts) {
    const mine = rows.filter((r) => r.runtime === runtime && r.workers === workers)
      .sort((a, b) => a.spansPerSecond - b.spansPerSecond);
    // The lower median: with two rounds, the slower one.
    const median = mine[Math.floor((mine.length - 1) / 2)];
    const each = rows.filter((r) => r.runtime === runtime && r.workers === workers)
      .map((r) => r.spansPerSecond).join(", ");
    const lost = Math.max(...mine.map((r) => r.generated - r.delivered));
    console.log(
      `| ${runtime} | ${workers} | ${median.spansPerSecond} (${each}) | ${median.cpuUsPerSpan} | ` +
        `${Math.max(...mine.map((r) => r.peakRssMb))} | ${median.delivered} | ${lost} |`,
    );
  }
}
