/**
 * The scale-out flags of `load`: `--shard K/N` (this process sends part K of N of the seeded
 * population; see `plan/partition.ts`) and `--workers N` (worker threads in this process).
 * Checked before anything is read or sent.
 */
import { parseShard, WHOLE } from "../plan/partition.ts";
import type { Scale } from "../run/scale.ts";
import { isAbsoluteAt } from "../run/anchor.ts";
import { CliError, EXIT } from "../run/exit_codes.ts";
import { intFlag, textFlag } from "./flags.ts";

/** The most worker threads `--workers` takes. */
export const MAX_WORKERS = 256;

/** The scale-out flags, declared once (see flags.ts). */
export const SCALE_FLAGS = {
  workers: intFlag(
    "N",
    "worker threads sending at once, each with its own pipeline (default: the machine's cores, " +
      "1 for --target file; 1 sends from this thread; at most the machine's cores, and no more " +
      "than a backfill's sessions); the sessions are the same whatever N",
    { max: MAX_WORKERS, what: "a whole number of at least 1", overMax: `at most ${MAX_WORKERS}` },
  ),
  shard: textFlag(
    "K/N",
    "send only part K of N (K from 1 to N) of the seeded population, for running N processes " +
      "or machines at once: needs --seed and, for a backfill, an absolute --at; combine their " +
      "reports with report merge",
  ),
};

/** The `load` flag values this module looks at. */
export interface ScaleFlagValues {
  shard?: string;
  workers?: string;
  seed?: string;
  sessions?: string;
  at?: string;
}

/**
 * Reads --shard and --workers (whose value {@link SCALE_FLAGS} has checked); throws a usage
 * error naming the flag.
 */
export function scaleFromFlags(values: ScaleFlagValues, defaultWorkers: number): Scale {
  let shard = WHOLE;
  if (values.shard !== undefined) {
    try {
      shard = parseShard(values.shard);
    } catch (error) {
      throw new CliError(`--shard ${(error as Error).message}`, EXIT.usage);
    }
    if (values.seed === undefined) {
      throw new CliError(
        `--shard ${values.shard} needs --seed: every shard must draw the same population`,
        EXIT.usage,
      );
    }
    if (values.sessions !== undefined && !isAbsoluteAt(values.at)) {
      throw new CliError(
        `--shard ${values.shard} needs --at with an absolute time (e.g. --at 2026-11-20T14:00:00Z)` +
          ": every shard must lay the backfill out in the same window, whenever it starts",
        EXIT.usage,
      );
    }
  }
  const workers = values.workers === undefined ? defaultWorkers : Number(values.workers);
  return { shard, sharded: values.shard !== undefined, workers: Math.max(1, workers) };
}

/**
 * Refuses more worker threads than the machine has cores: each worker is a thread that keeps a
 * core busy, so more only share the cores and slow each other down. Absent cores (in-process
 * tests) are not checked.
 */
export function checkWorkersFit(values: ScaleFlagValues, cores: number | undefined): void {
  if (values.workers === undefined || cores === undefined) return;
  const workers = Number(values.workers);
  if (workers > cores) {
    throw new CliError(
      `--workers ${workers} is more than this machine's ${cores} core${cores === 1 ? "" : "s"}: ` +
        `each worker is a thread that keeps a core busy; use at most ${cores}, or --shard to ` +
        "spread a run over machines",
      EXIT.usage,
    );
  }
}
