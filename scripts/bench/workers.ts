/**
 * `load --workers N` measured: the `load` command itself (planning, emitting, batching,
 * protobuf or JSON, HTTP) into the counting receiver (`receiver.ts`, its own process) with 1
 * and more worker threads, interleaved, on Deno and Bun. Delivered is what the receiver
 * counted; spans/s is delivered over the load process's wall time from its report; CPU is the
 * load process's user + system time (`/usr/bin/time`), over delivered spans.
 *
 * @example
 * deno run -A scripts/bench/workers.ts --sessions 20000 --workers 1,2 --repeat 2
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { ReceiverCount } from "./receiver.ts";

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
  const dir = await mkdtemp(join(tmpdir(), "bench-workers-"));
  const report = join(dir, "report.json");
  const load = [
    "src/main.ts",
    "load",
    "conversations/order-status.yaml",
    "--sessions",
    String(sessions),
    "--seed",
    "1",
    "--at",
    "2026-11-20T14:00:00Z",
    "--workers",
    String(workers),
    "--out-dir",
    dir,
    "--report",
    report,
  ];
  const command = runtime === "deno" ? ["deno", "run", "-A", ...load] : ["bun", ...load];
  await call(url, "/reset", "POST");
  const timing = await new Promise<string>((resolve, reject) => {
    const child = spawn("/usr/bin/time", ["-f", "TIME %U %S %M", ...command], {
      env: {
        ...Deno.env.toObject(),
        OTEL_EXPORTER_OTLP_ENDPOINT: url,
        OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
      },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let err = "";
    child.stderr.on("data", (chunk) => (err += chunk));
    child.on("error", reject);
    child.on(
      "exit",
      (code) =>
        code === 0 ? resolve(err) : reject(new Error(`${command.join(" ")}: ${code}\n${err}`)),
    );
  });
  const [user, system, rssKb] = /TIME (\S+) (\S+) (\d+)/.exec(timing)!.slice(1).map(Number);
  const counted = await call(url, "/count");
  const result = JSON.parse(await readFile(report, "utf8"));
  return {
    runtime,
    workers,
    delivered: counted.spans,
    generated: result.spans.generated,
    spansPerSecond: Math.round((counted.spans * 1000) / result.durationMs),
    cpuUsPerSpan: Math.round(((user + system) * 1e6) / counted.spans * 10) / 10,
    // /usr/bin/time's max RSS is of the process; worker threads share it.
    peakRssMb: Math.round(rssKb / 1024),
    wallS: Math.round(result.durationMs / 100) / 10,
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
