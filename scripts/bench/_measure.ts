/**
 * What every benchmark worker shares: the result line it prints, the runtime's name, a peak-RSS
 * sampler, and the session source (the reference script planned with seed 0, 1, 2, …).
 */
import { readFileSync } from "node:fs";
import process from "node:process";
import { planSession } from "../../src/plan/session.ts";
import { countSpans, type SessionPlan } from "../../src/plan/types.ts";
import { readScriptFile } from "../../src/script/read.ts";

/** The script every worker replays. */
export const BENCH_SCRIPT = "conversations/order-status.yaml";
/** Every session ends at this instant, so runs differ only in their seeds. */
export const BENCH_END_MS = Date.parse("2026-11-25T12:00:00Z");

/** Which path a run measures: the pipeline in one thread, the ceiling, the SDK, or the `load` command. */
export type BenchMode = "replay" | "ceiling" | "sdk" | "load";

/** The one JSON line a worker prints when it is done. */
export interface WorkerResult {
  runtime: string;
  mode: BenchMode;
  protocol: string;
  /** Sessions planned and emitted. */
  sessions: number;
  /** Spans created (handed to the exporter). */
  generated: number;
  /** Spans the exporter reports as delivered; null when it cannot tell (the SDK). */
  acknowledged: number | null;
  /** Spans the exporter reports as failed; null when it cannot tell (the SDK). */
  failed: number | null;
  /** From the first session planned to the last span flushed. */
  seconds: number;
  /** CPU time of this process over the same span, user + system, all threads. */
  cpuSeconds: number;
  /** acknowledged / seconds (generated / seconds when the exporter cannot tell). */
  spansPerSecond: number;
  /** Highest `process.memoryUsage().rss` seen, sampled every 100 ms and every 100 sessions. */
  peakRssMb: number;
  /** The kernel's high-water mark of resident memory (VmHWM), when /proc has it. */
  hwmMb: number | null;
}

/** "deno", "bun" or "node". */
export function runtimeName(): string {
  if (process.versions.bun) return "bun";
  if (process.versions.deno) return "deno";
  return "node";
}

/** CPU seconds (user + system) since `since`, a `process.cpuUsage()` reading. */
export function cpuSecondsSince(since: ReturnType<typeof process.cpuUsage>): number {
  const used = process.cpuUsage(since);
  return round((used.user + used.system) / 1e6, 3);
}

/** Tracks the peak resident set size of this process. */
export class RssSampler {
  #peak = 0;
  readonly #timer: ReturnType<typeof setInterval>;

  /** Starts sampling every `intervalMs` (default 100). */
  constructor(intervalMs = 100) {
    this.#timer = setInterval(() => this.sample(), intervalMs);
    this.sample();
  }

  /** Takes one sample now. */
  sample(): void {
    const rss = process.memoryUsage.rss();
    if (rss > this.#peak) this.#peak = rss;
  }

  /** Stops sampling; returns the peak in MB (10^6 bytes). */
  stop(): number {
    clearInterval(this.#timer);
    this.sample();
    return round(this.#peak / 1e6, 1);
  }
}

/** The kernel's peak RSS of this process in MB, or null off Linux. */
export function kernelPeakRssMb(): number | null {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
    return match ? round(Number(match[1]) * 1024 / 1e6, 1) : null;
  } catch {
    return null;
  }
}

/** Plans sessions of the reference script, seed after seed. */
export class SessionSource {
  /** Sessions handed out so far. */
  sessions = 0;
  /** Spans in the sessions handed out so far. */
  spans = 0;

  private constructor(
    private readonly script: Awaited<ReturnType<typeof readScriptFile>>,
  ) {}

  /** Loads and validates the script once. */
  static async load(file = BENCH_SCRIPT): Promise<SessionSource> {
    return new SessionSource(await readScriptFile(file));
  }

  /** Plans the next session (seed = its index). */
  next(): SessionPlan {
    const plan = planSession(this.script.script, {
      seed: this.sessions,
      endMs: BENCH_END_MS,
      file: this.script.file,
    });
    this.sessions++;
    for (const turn of plan.turns) this.spans += countSpans(turn.root);
    return plan;
  }
}

/** Reads `--name value` flags and bare `--flag` switches. */
export function parseFlags(args: string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith("--")) throw new Error(`unexpected argument "${arg}"`);
    const next = args[i + 1];
    if (next === undefined || next.startsWith("--")) flags.set(arg.slice(2), "true");
    else {
      flags.set(arg.slice(2), next);
      i++;
    }
  }
  return flags;
}

/** A positive whole number from a flag, or the default. */
export function intFlag(flags: Map<string, string>, name: string, fallback: number): number {
  const text = flags.get(name);
  if (text === undefined) return fallback;
  const value = Number(text.replaceAll("_", ""));
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`--${name} must be a positive whole number, not "${text}"`);
  }
  return value;
}

/** Rounds to `digits` decimals. */
export function round(value: number, digits = 0): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
