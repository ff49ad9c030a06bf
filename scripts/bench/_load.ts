/**
 * One run of the `load` command itself (planning, emitting, batching, serialising, HTTP, with
 * `--workers N` threads) into the counting receiver, timed by `/usr/bin/time`: CPU is the whole
 * process's user + system time (every thread, from its start to its exit), peak RSS the
 * process's (its threads share it).
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import process from "node:process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { BENCH_SCRIPT } from "./_measure.ts";

/** The repository's entry point, found from this folder. */
const MAIN = fileURLToPath(new URL("../../src/main.ts", import.meta.url));

/** Spans of order-status load sessions per session with seed 1 (20 000 sessions, 209 613 spans). */
export const LOAD_SPANS_PER_SESSION = 209_613 / 20_000;

/** What to run. */
export interface LoadRunOptions {
  runtime: "deno" | "bun";
  /** Backfill sessions (seed 1, window ending 2026-11-20T14:00:00Z). */
  sessions: number;
  /** `--workers N`. */
  workers: number;
  protocol: "http/json" | "http/protobuf";
  /** The receiver's base URL. */
  url: string;
}

/** What one load run reported and cost. */
export interface LoadRunResult {
  /** Spans the load made (its report's `spans.generated`). */
  generated: number;
  /** Spans the load counts as acknowledged. */
  acknowledged: number;
  /** Spans the load counts as failed. */
  failed: number;
  /** The load's own wall time from its report (first session to last span settled), in s. */
  seconds: number;
  /** User + system CPU of the whole process, all threads, start to exit, in s. */
  cpuSeconds: number;
  /** The process's maximum resident set, in MB (10^6 bytes). */
  peakRssMb: number;
}

/** The `load` argv for a runtime (without `/usr/bin/time`). */
export function loadArgv(options: LoadRunOptions, dir: string): string[] {
  const load = [
    MAIN,
    "load",
    BENCH_SCRIPT,
    "--sessions",
    String(options.sessions),
    "--seed",
    "1",
    "--at",
    "2026-11-20T14:00:00Z",
    "--workers",
    String(options.workers),
    "--out-dir",
    dir,
    "--report",
    join(dir, "report.json"),
  ];
  return options.runtime === "deno" ? ["deno", "run", "-A", ...load] : ["bun", ...load];
}

/** Runs `load` once under `/usr/bin/time`; rejects with its stderr's tail when it fails. */
export async function runLoad(options: LoadRunOptions): Promise<LoadRunResult> {
  const dir = await mkdtemp(join(tmpdir(), "bench-load-"));
  try {
    const command = loadArgv(options, dir);
    const timing = await new Promise<string>((resolve, reject) => {
      const child = spawn("/usr/bin/time", ["-f", "TIME %U %S %M", ...command], {
        env: {
          ...process.env,
          OTEL_EXPORTER_OTLP_ENDPOINT: options.url,
          OTEL_EXPORTER_OTLP_PROTOCOL: options.protocol,
        },
        stdio: ["ignore", "ignore", "pipe"],
      });
      let err = "";
      child.stderr.setEncoding("utf8");
      child.stderr.on("data", (chunk: string) => (err += chunk));
      child.on("error", reject);
      child.on(
        "close",
        (code) =>
          code === 0
            ? resolve(err)
            : reject(new Error(`${command.join(" ")} exited with ${code}: ${err.slice(-600)}`)),
      );
    });
    const match = /TIME (\S+) (\S+) (\d+)/.exec(timing);
    if (!match) throw new Error(`no timing from /usr/bin/time: ${timing.slice(-300)}`);
    const [user, system, rssKb] = match.slice(1).map(Number);
    const report = JSON.parse(await readFile(join(dir, "report.json"), "utf8")) as {
      durationMs: number;
      spans: { generated: number; acknowledged: number; failed: number };
    };
    return {
      generated: report.spans.generated,
      acknowledged: report.spans.acknowledged,
      failed: report.spans.failed,
      seconds: report.durationMs / 1000,
      cpuSeconds: Math.round((user + system) * 100) / 100,
      peakRssMb: Math.round(rssKb * 1024 / 1e5) / 10,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
