/**
 * Which `load` flags apply to which mode, and the bounds of its time flags. A flag that does not
 * apply to the chosen mode is a usage error instead of being ignored; checked before the
 * scripts are read, so nothing is sent.
 */
import { CliError, EXIT } from "./exit_codes.ts";
import { durationFlag, MAX_LIVE_DURATION_MS, MAX_SPREAD_MS, MIN_SPREAD_MS } from "./limits.ts";

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

const BACKFILL_ONLY = ["spread", "at"] as const;
const LIVE_ONLY = ["ramp", "poisson", "time-scale", "concurrency", "max-dropped"] as const;
const NOT_WITH_PROFILE = ["duration", "rate", "ramp"] as const;

/** Throws a usage error for a flag the mode ignores or a time flag out of bounds. */
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
  if (values.spread !== undefined) {
    durationFlag(values.spread, "--spread", {
      maxMs: MAX_SPREAD_MS,
      maxText: "1826d (5 years)",
      minMs: MIN_SPREAD_MS,
      minText: "1m (sessions last minutes; a shorter window ends them all at once)",
    });
  }
  for (const flag of ["duration", "ramp"] as const) {
    const text = values[flag];
    if (text !== undefined) {
      durationFlag(text, `--${flag}`, { maxMs: MAX_LIVE_DURATION_MS, maxText: "7d" });
    }
  }
  const scale = values["time-scale"];
  if (
    scale !== undefined &&
    (!/^\d+(\.\d+)?$/.test(scale) || !(Number(scale) > 0) || Number(scale) > MAX_TIME_SCALE)
  ) {
    throw new CliError(
      `--time-scale must be a positive number like 10 or 0.5, at most ${MAX_TIME_SCALE}, ` +
        `not "${scale}"`,
      EXIT.usage,
    );
  }
}
