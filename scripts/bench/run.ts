/**
 * The benchmark, in one run on one machine: starts the counting OTLP receiver as its own
 * process, then runs each measurement as a child process in turn — session-replay over
 * OTLP/HTTP (JSON and protobuf, Deno and Bun) in one thread, the `load` command with
 * `--workers N` threads, the in-process ceiling (same planning, emitting, batching and
 * serialising, no HTTP) and the Langfuse JS SDK reference — reads what
 * the receiver counted for each, and prints a Markdown table (also written to out/bench.md).
 *
 * Options: `--spans N` per measurement (default 200 000); `--repeat N` rounds (default 3; the
 * table shows the median round, and compares rates within a round); `--only a,b` runs whose
 * id has one of these parts (`deno`, `bun`, `ceiling`, `replay`, `workers`, `sdk`, `json`,
 * `protobuf`) or is one of these ids (`deno-replay-json`, `bun-workers-2-protobuf`);
 * `--workers 1,2` (default) the worker counts of the `load` runs; `--million` adds runs of 1 000 000 spans per
 * runtime (protobuf) for peak memory (the pipeline, and `load` with 1 and the most workers), `--only million` runs just those; `--receiver-decode full`
 * makes the receiver build every span (as the preview does) instead of walking each message
 * and counting, which costs it about a core of the two this machine has.
 *
 * @example
 * deno run -A scripts/bench/run.ts                  # 200 000 spans per measurement, 3 rounds
 * deno run -A scripts/bench/run.ts --spans 50000 --repeat 1 --only deno
 * deno run -A scripts/bench/run.ts --only million   # 1 000 000 spans per runtime, protobuf
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import process from "node:process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { ReceiverCount } from "./receiver.ts";
import { intFlag, parseFlags, round, type WorkerResult } from "./_measure.ts";
import { LOAD_SPANS_PER_SESSION, runLoad } from "./_load.ts";
import {
  cpuPerSpan,
  details,
  fmt,
  type Measurement,
  millionLine,
  type Outcome,
  peakMb,
  rate,
  type Rounds,
  table,
  verdict,
} from "./_report.ts";

/** This folder, so the workers are found from any working directory. */
const HERE = fileURLToPath(new URL(".", import.meta.url)).replace(/\/$/, "");

/**
 * Per runtime: each ceiling right before the run it bounds, then the `load` command with each
 * worker count, then the SDK script.
 */
function plan(spans: number, workerCounts: number[]): Measurement[] {
  const runs: Measurement[] = [];
  for (const runtime of ["deno", "bun"] as const) {
    for (const protocol of ["http/json", "http/protobuf"] as const) {
      const short = protocol.slice(5);
      const one = { runtime, protocol, spans, workers: 1 };
      runs.push({ id: `${runtime}-ceiling-${short}`, mode: "ceiling", ...one });
      runs.push({ id: `${runtime}-replay-${short}`, mode: "replay", ...one });
      for (const workers of workerCounts) {
        runs.push({
          id: `${runtime}-workers-${workers}-${short}`,
          runtime,
          mode: "load",
          protocol,
          spans,
          workers,
        });
      }
    }
    runs.push({
      id: `${runtime}-sdk`,
      runtime,
      mode: "sdk",
      protocol: "http/json",
      spans,
      workers: 1,
    });
  }
  return runs;
}

/** Runs the `load` command; its result in the shape of a worker's, for the report. */
async function loadResult(run: Measurement, url: string): Promise<WorkerResult> {
  const sessions = Math.max(1, Math.round(run.spans / LOAD_SPANS_PER_SESSION));
  const load = await runLoad({
    runtime: run.runtime,
    sessions,
    workers: run.workers,
    protocol: run.protocol,
    url,
  });
  return {
    runtime: run.runtime,
    mode: "load",
    protocol: run.protocol,
    sessions,
    generated: load.generated,
    acknowledged: load.acknowledged,
    failed: load.failed,
    seconds: load.seconds,
    cpuSeconds: load.cpuSeconds,
    spansPerSecond: round(load.acknowledged / load.seconds),
    peakRssMb: load.peakRssMb,
    hwmMb: null,
  };
}

function command(run: Measurement, url: string): string[] {
  const sdk = run.mode === "sdk";
  const file = `${HERE}/${sdk ? "langfuse_sdk_worker.ts" : "replay_worker.ts"}`;
  const args = ["--spans", String(run.spans)];
  if (run.mode === "ceiling") args.push("--ceiling", "--protocol", run.protocol);
  else if (run.mode === "replay") args.push("--url", url, "--protocol", run.protocol);
  else args.push("--url", url);
  return run.runtime === "deno" ? ["deno", "run", "-A", file, ...args] : ["bun", file, ...args];
}

/** Runs a child process to its end; resolves with its last stdout line. */
function runChild(argv: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => out += chunk);
    child.on("error", reject);
    child.on("close", (code) => {
      const last = out.trim().split("\n").at(-1) ?? "";
      if (code === 0) resolve(last);
      else reject(new Error(`${argv.join(" ")} exited with ${code}: ${last.slice(0, 300)}`));
    });
  });
}

/** Starts the receiver process; resolves with its URL and a way to stop it. */
function startReceiver(decode: string): Promise<{ url: string; stop: () => void }> {
  return new Promise((resolve, reject) => {
    const child = spawn("deno", ["run", "-A", `${HERE}/receiver.ts`, "--decode", decode], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    child.on("error", reject);
    child.on("exit", (code) => reject(new Error(`the receiver exited with ${code}`)));
    createInterface({ input: child.stdout }).once(
      "line",
      (url) => resolve({ url, stop: () => child.kill("SIGTERM") }),
    );
  });
}

async function receiverCall(url: string, path: string, method = "GET"): Promise<ReceiverCount> {
  const response = await fetch(`${url}${path}`, { method });
  return await response.json() as ReceiverCount;
}

/** Machine-wide busy CPU, and this process's own plus its reaped children's CPU, in seconds. */
function cpuTicks(): { busy: number; mine: number } | undefined {
  try {
    const [user, nice, system, _idle, _iowait, irq, softirq, steal] = readFileSync(
      "/proc/stat",
      "utf8",
    ).split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
    // After the ")" of /proc/self/stat, utime stime cutime cstime are fields 12 to 15 (ticks).
    const stat = readFileSync("/proc/self/stat", "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ").map(Number);
    return {
      busy: (user + nice + system + irq + softirq + steal) / 100,
      mine: (fields[11] + fields[12] + fields[13] + fields[14]) / 100,
    };
  } catch {
    return undefined;
  }
}

async function measure(run: Measurement, url: string): Promise<Outcome> {
  const http = run.mode !== "ceiling";
  if (http) await receiverCall(url, "/reset", "POST");
  const before = cpuTicks();
  const result = run.mode === "load"
    ? await loadResult(run, url)
    : JSON.parse(await runChild(command(run, url))) as WorkerResult;
  const receiver = http ? await receiverCall(url, "/count") : undefined;
  const after = cpuTicks();
  const otherCpu = before && after
    ? round(
      Math.max(
        0,
        after.busy - before.busy - (after.mine - before.mine) - (receiver?.cpuMs ?? 0) / 1000,
      ),
      1,
    )
    : undefined;
  const delivered = receiver ? receiver.spans : result.acknowledged ?? 0;
  return { run, result, delivered, receiver, otherCpu };
}

function machine(): string {
  const version = (argv: string[]) => {
    try {
      return execFileSync(argv[0], argv.slice(1), { encoding: "utf8" }).split("\n")[0].trim();
    } catch {
      return `${argv[0]} not found`;
    }
  };
  let model = cpus()[0]?.model ?? "unknown CPU";
  try {
    model = /model name\s*:\s*(.+)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? model;
  } catch { /* not Linux */ }
  return `${version(["deno", "--version"])}, bun ${version(["bun", "--version"])}; ` +
    `${cpus().length} cores (${model}), ${round(totalmem() / 2 ** 30)} GiB`;
}

if (import.meta.main) {
  const flags = parseFlags(process.argv.slice(2));
  const spans = intFlag(flags, "spans", 200_000);
  const repeat = intFlag(flags, "repeat", 3);
  const only = flags.get("only")?.split(",");
  const decode = flags.get("receiver-decode") ?? "count";
  if (decode !== "full" && decode !== "count") {
    throw new Error(`--receiver-decode must be full or count, not "${decode}"`);
  }
  const workerCounts = (flags.get("workers") ?? "1,2").split(",").map((text) => {
    const value = Number(text);
    if (!Number.isInteger(value) || value <= 0) {
      throw new Error(`--workers must be positive whole numbers, e.g. 2 or 1,2, not "${text}"`);
    }
    return value;
  });
  const runs = plan(spans, workerCounts).filter((run) =>
    !only || only.some((term) => run.id === term || run.id.split("-").includes(term))
  );
  const withMillion = flags.has("million") || (only?.includes("million") ?? false);

  const receiver = await startReceiver(decode);
  process.on("SIGINT", () => {
    receiver.stop();
    process.exit(130);
  });
  const rounds: Rounds = new Map(runs.map((run) => [run.id, []]));
  const millions: Outcome[] = [];
  const started = performance.now();
  try {
    // Rounds rather than repeating each run in place: a slow spell hits one round of each.
    for (let r = 1; r <= repeat && runs.length > 0; r++) {
      for (const run of runs) {
        console.error(`round ${r}/${repeat}: ${run.id} (${fmt(run.spans)} spans)…`);
        const outcome = await measure(run, receiver.url);
        console.error(
          `  ${fmt(rate(outcome))} spans/s, ${fmt(outcome.delivered)} delivered, ` +
            `${cpuPerSpan(outcome) ?? "?"} µs CPU/span`,
        );
        rounds.get(run.id)!.push(outcome);
      }
    }
    if (withMillion) {
      const most = Math.max(...workerCounts);
      for (const runtime of ["deno", "bun"] as const) {
        const one = { runtime, protocol: "http/protobuf", spans: 1_000_000 } as const;
        // The pipeline, then the load command with one worker and with the most asked for.
        const millionRuns: Measurement[] = [
          { id: `${runtime}-replay-protobuf-1M`, mode: "replay", ...one, workers: 1 },
          ...[...new Set([1, most])].map((workers): Measurement => ({
            id: `${runtime}-workers-${workers}-protobuf-1M`,
            mode: "load",
            ...one,
            workers,
          })),
        ];
        for (const run of millionRuns) {
          console.error(`running ${run.id} (${fmt(run.spans)} spans)…`);
          const outcome = await measure(run, receiver.url);
          console.error(`  ${fmt(rate(outcome))} spans/s, peak RSS ${peakMb(outcome.result)} MB`);
          millions.push(outcome);
        }
      }
    }
  } finally {
    receiver.stop();
  }

  const report = [
    ...(runs.length > 0
      ? [
        `Spans per second into an OTLP/HTTP receiver on 127.0.0.1 in another process ` +
        `(decoding ${decode === "full" ? "every span" : "the message structure only"}); ` +
        `${fmt(spans)} spans of \`conversations/order-status.yaml\` sessions per run ` +
        `(seed 0, 1, 2, …); median of ${repeat} round${repeat === 1 ? "" : "s"}.`,
        "",
        table(rounds),
        "",
      ]
      : []),
    ...millions.flatMap((million) => [millionLine(million), ""]),
    ...verdict(rounds, millions).map((line) => `- ${line}`),
    "",
    details(new Map([...rounds, ...millions.map((m): [string, Outcome[]] => [m.run.id, [m]])])),
    "",
    `Machine: ${machine()}. Total ${round((performance.now() - started) / 1000)} s. ` +
    `Reproduce: \`deno run -A scripts/bench/run.ts${
      process.argv.slice(2).map((arg) => ` ${arg}`).join("")
    }\`.`,
  ].join("\n");
  console.log(report);
  mkdirSync("out", { recursive: true });
  writeFileSync("out/bench.md", report + "\n");
  process.exit(0);
}
