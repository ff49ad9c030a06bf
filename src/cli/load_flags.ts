/**
 * The flags of `load`, declared once (see flags.ts), and which of them apply to which mode. A
 * flag that does not apply to the chosen mode is a usage error instead of being ignored; checked
 * before the scripts are read, so nothing is sent.
 */
import { DEFAULT_CONCURRENCY, DEFAULT_MAX_ALIVE } from "../load/live.ts";
import { THRESHOLD_METRICS } from "../plan/thresholds.ts";
import { DEFAULT_ABORT_DELAY_MS } from "../run/abort_watch.ts";
import { CliError, EXIT } from "../run/exit_codes.ts";
import {
  dialectFlag,
  durationFlag,
  HELP_FLAG,
  intFlag,
  listFlag,
  numberFlag,
  rateFlag,
  seedFlag,
  switchFlag,
  textFlag,
} from "./flags.ts";
import { MAX_LIVE_DURATION_MS, MAX_SPREAD_MS, MIN_SPREAD_MS } from "../run/limits.ts";
import { METRICS_FLAGS } from "./metrics_flags.ts";
import { HTML_FLAG, LOAD_TARGET_FLAGS } from "./options.ts";
import { REVIEW_FLAGS } from "./review_flags.ts";
import { SCALE_FLAGS } from "./scale_flags.ts";
import { VISIBLE_FLAGS } from "./visible_flags.ts";

/** The `load` flag values this module looks at. */
export interface LoadFlagValues {
  sessions?: string;
  spread?: string;
  at?: string;
  duration?: string;
  rate?: string;
  ramp?: string;
  profile?: string;
  poisson?: boolean;
  "time-scale"?: string;
  concurrency?: string;
  "max-dropped"?: string;
}

/**
 * The largest `--time-scale`: 10,000 plays a day-long session in under 9 s; more squeezes every
 * duration to nothing.
 */
export const MAX_TIME_SCALE = 10_000;

/**
 * The bounds of `load`'s count flags; above them a run is a typo or cannot fit in memory (a
 * backfill plans its sessions' times up front): sessions and users ten million, sessions alive
 * at once {@link DEFAULT_MAX_ALIVE}, spans a request ten thousand (requests split at 4 MiB
 * anyway), requests in flight 64 per worker; a failure or drop budget is any whole number.
 */
export const LOAD_COUNT_BOUNDS = {
  sessions: 10_000_000,
  users: 10_000_000,
  concurrency: DEFAULT_MAX_ALIVE,
  "batch-size": 10_000,
  "max-in-flight": 64,
} as const;

/** How a live flag's duration is bounded: at most a week. */
const LIVE_DURATION = { maxMs: MAX_LIVE_DURATION_MS, maxText: "7d" };

/** A backfill's flags. */
export const BACKFILL_FLAGS = {
  sessions: intFlag("N", "how many sessions (at most 10,000,000)", {
    max: LOAD_COUNT_BOUNDS.sessions,
  }),
  spread: durationFlag("D", "over how long before now, e.g. 14d (default 1d, from 1m to 1826d)", {
    maxMs: MAX_SPREAD_MS,
    maxText: "1826d (5 years)",
    minMs: MIN_SPREAD_MS,
    minText: "1m (sessions last minutes; a shorter window ends them all at once)",
    default: 86_400_000,
  }),
  at: textFlag(
    "TIME",
    "end the window at TIME instead of now: -2h, 2026-11-20T14:00:00Z (from 2000-01-01 to a " +
      "day ahead)",
  ),
};

/** A live run's flags. */
export const LIVE_FLAGS = {
  duration: durationFlag(
    "D",
    "how long new sessions arrive, e.g. 10m (at most 7d); the run ends when the last session " +
      "started in it ends (at most D plus the longest session)",
    LIVE_DURATION,
  ),
  rate: rateFlag("R", "arrival rate, e.g. 20/s, 300/m"),
  ramp: durationFlag("D", "ramp from 0 to the rate over D first (at most 7d)", LIVE_DURATION),
  profile: textFlag(
    "FILE",
    "arrival phases from a YAML load profile instead of --duration, --rate and --ramp (see " +
      "docs/load.md)",
  ),
  poisson: switchFlag("Poisson arrivals instead of evenly spaced ones"),
  "time-scale": numberFlag(
    "K",
    `play every session K times faster (default 1, at most ${MAX_TIME_SCALE}): think times, ` +
      "step durations, gaps and times to first token are all divided by K, so the waits " +
      "between turns and until each turn's end shrink by K, and so do the latencies the spans " +
      "show; arrivals keep their rate",
    { max: MAX_TIME_SCALE, example: "10 or 0.5", default: 1 },
  ),
  concurrency: intFlag(
    "N",
    `sessions sending at once (default ${DEFAULT_CONCURRENCY}, at most 10000): a session holds ` +
      "a slot only while its turn is due and waiting for the export queue; a session waiting " +
      "out a think time holds none. At most 10,000 sessions are alive at once (about 20 KB " +
      "each).",
    { max: LOAD_COUNT_BOUNDS.concurrency, default: DEFAULT_CONCURRENCY },
  ),
  "max-dropped": intFlag(
    "N",
    "most arrivals allowed to be dropped (default 0). An arrival is dropped, never queued, when " +
      "it cannot start within 1s of its time (the target or this machine is too slow for the " +
      "rate) or 10,000 sessions are alive",
    { min: 0, default: 0 },
  ),
};

/** The flags of every `load`: population, output, thresholds, target and review. */
export const RUN_FLAGS = {
  users: intFlag(
    "N",
    "size of the user pool, at most 10,000,000 and what the script's user id format can draw " +
      "(default: a user for every 4 sessions; live runs also 1.5 users for each session that " +
      "can be under way at once, up to one a session). A user is in one session at a time, at " +
      "most 12 a day, and mostly comes back to the same script, as long as the pool is large " +
      "enough",
    { max: LOAD_COUNT_BOUNDS.users },
  ),
  weight: listFlag(
    "NAME=W",
    "weight of the script named NAME (repeatable; default its own weight)",
  ),
  seed: seedFlag("reproducible population; a re-run overwrites the same traces"),
  dialect: dialectFlag(
    "write the spans as this instrumentation would: langfuse (default), genai, openinference, " +
      "vercel; or a population of apps, each session's dialect drawn by share from the seed: " +
      "mixed=langfuse:50,vercel:30,openinference:20 (see docs/dialects.md)",
    { mixed: true },
  ),
  report: textFlag("FILE", "write the JSON report here too"),
  html: HTML_FLAG,
  "out-dir": textFlag(
    "DIR",
    "where the sessions file and the default report go (default out)",
    { default: "out" },
  ),
  "batch-size": intFlag("N", "spans per export request (default 512, at most 10000)", {
    max: LOAD_COUNT_BOUNDS["batch-size"],
  }),
  "max-in-flight": intFlag("N", "export requests at once (default 4, at most 64)", {
    max: LOAD_COUNT_BOUNDS["max-in-flight"],
  }),
  "max-failed": intFlag("N", "most spans allowed to fail (default 0)", { min: 0, default: 0 }),
  ...SCALE_FLAGS,
  "min-rate": rateFlag("R", "least acknowledged spans per second, e.g. 500/s"),
  threshold: listFlag(
    "EXPR",
    "a threshold the run must meet, k6 style (repeatable; also a profile's thresholds list): " +
      "METRIC OP VALUE with OP one of < <= > >= and METRIC one of " +
      `${THRESHOLD_METRICS.join(", ")}; e.g. export_p95<2s, failed_rate<0.1%, ` +
      "spans_per_s>=500. Each is listed met or missed; a miss exits 99",
  ),
  "abort-on-fail": switchFlag(
    "stop the run as Ctrl-C does once a latency or rate threshold is missed (judged every " +
      "second after --abort-delay), report written, exit 99",
  ),
  "abort-delay": durationFlag(
    "D",
    "how long the run goes before --abort-on-fail judges (default 10s)",
    { maxMs: Number.MAX_SAFE_INTEGER, default: DEFAULT_ABORT_DELAY_MS },
  ),
  ...METRICS_FLAGS,
  ...VISIBLE_FLAGS,
  ...LOAD_TARGET_FLAGS,
  ...REVIEW_FLAGS,
  help: HELP_FLAG,
};

/** Every flag of `load`. */
export const LOAD_FLAGS = { ...BACKFILL_FLAGS, ...LIVE_FLAGS, ...RUN_FLAGS };

const BACKFILL_ONLY = ["spread", "at"] as const;
const LIVE_ONLY = ["ramp", "poisson", "time-scale", "concurrency", "max-dropped"] as const;
const NOT_WITH_PROFILE = ["duration", "rate", "ramp"] as const;

/** Throws a usage error for a flag the mode ignores. */
export function checkLoadFlags(values: LoadFlagValues): void {
  const live = values.duration !== undefined || values.rate !== undefined ||
    values.profile !== undefined;
  const backfill = values.sessions !== undefined;
  // Both or neither: the schedule's own message says which flags to give.
  if (backfill && !live) {
    for (const flag of LIVE_ONLY) {
      if (values[flag] !== undefined) {
        throw new CliError(
          `--${flag} applies to a live run (--duration and --rate, or --profile), ` +
            "not to a backfill (--sessions), which sends as fast as the target takes",
          EXIT.usage,
        );
      }
    }
  }
  if (live && !backfill) {
    for (const flag of BACKFILL_ONLY) {
      if (values[flag] !== undefined) {
        throw new CliError(
          `--${flag} applies to a backfill (--sessions), not to a live run, ` +
            "whose sessions happen now",
          EXIT.usage,
        );
      }
    }
  }
  if (values.profile !== undefined) {
    for (const flag of NOT_WITH_PROFILE) {
      if (values[flag] !== undefined) {
        throw new CliError(
          `--${flag} does not apply with --profile: the profile's phases give the durations ` +
            "and rates",
          EXIT.usage,
        );
      }
    }
  }
}
