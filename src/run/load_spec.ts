/** What a load run is asked to do: the command's flags and files, resolved and checked. */
import type { Threshold } from "../plan/thresholds.ts";
import type { Target } from "../export/target.ts";
import type { ScriptFile } from "../script/read.ts";
import type { LoadSchedule } from "../load/runner.ts";
import type { Scale } from "./scale.ts";
import type { ReviewRun } from "./review.ts";
import type { DialectChoice } from "../plan/dialects.ts";

/** What to load, as the command resolved it from flags and files. */
export interface LoadSpec {
  /** The script files as given, in order. */
  files: string[];
  /** The scripts, validated. */
  scripts: ScriptFile[];
  /** Each script's weight, by name, where --weight gave one. */
  weights: ReadonlyMap<string, number>;
  /** The review layer, read and checked. */
  review: ReviewRun;
  /** `--dialect`: one dialect or shares drawn per session; default Langfuse's own. */
  dialect?: DialectChoice;
  /** A real target (never the preview). */
  target: Target;
  seed: number;
  /** Whether the seed was chosen (--seed): only then is an earlier anchor re-used. */
  seeded: boolean;
  /** Backfill or live; a backfill's `endMs` becomes the run's anchor. */
  schedule: LoadSchedule;
  /** `--at` of a backfill. */
  at?: string;
  /** The size of the user pool. */
  users: number;
  /** --shard and --workers. */
  scale: Scale;
  /** Worker threads asked for, and whether --workers gave them (then a lowering is said). */
  workers: { asked: number; given: boolean };
  /** Sessions sending at once (live). */
  concurrency: number;
  /** Where the sessions file and the default report go. */
  outDir: string;
  /** `--report`: the report's path; default beside the sessions file. */
  reportPath?: string;
  /** Where the HTML report goes; undefined: none. */
  html?: string;
  /** Spans a request and requests in flight; default the pipeline's. */
  pipeline: { maxBatchSpans?: number; maxInFlight?: number };
  /** The failure, drop and rate budgets (--max-failed, --max-dropped, --min-rate). */
  budgets: { maxFailed: number; maxDropped: number; minRate?: number };
  /** The --threshold expressions (and the profile's). */
  thresholds: Threshold[];
  /** --abort-on-fail: judge the thresholds while the run goes, after `delayMs`. */
  abort?: { delayMs: number };
  /**
   * The time-to-visible probe (a load to Langfuse, unless --no-visible): --visible-timeout
   * and --visible-reads.
   */
  visible?: { timeoutMs: number; readsPerSecond: number };
  /** Live metrics (--metrics-otlp, --metrics-file), exported every `intervalMs`. */
  metrics?: MetricsSpec;
}

/** Where a run's live metrics go; at least one of `otlpUrl` and `file`. */
export interface MetricsSpec {
  /** The OTLP/HTTP metrics endpoint (full URL). */
  otlpUrl?: string;
  /** Its headers (OTEL_EXPORTER_OTLP_METRICS_HEADERS). */
  headers?: Record<string, string>;
  /** The JSON-lines file. */
  file?: string;
  intervalMs: number;
}
