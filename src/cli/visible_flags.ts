/**
 * The time-to-visible probe's flags of `load` (see docs/load.md, "Time to visible"), a table of
 * their own so the load table only spreads it.
 */
import {
  DEFAULT_VISIBLE_READS_PER_SECOND,
  DEFAULT_VISIBLE_TIMEOUT_MS,
} from "../run/visible_probe.ts";
import type { Threshold, ThresholdMetric } from "../plan/thresholds.ts";
import type { Target } from "../export/target.ts";
import type { LoadSpec } from "../run/load_spec.ts";
import { CliError, EXIT } from "../run/exit_codes.ts";
import { durationFlag, numberFlag, switchFlag } from "./flags.ts";

/** The longest `--visible-timeout`: a day. */
const MAX_VISIBLE_TIMEOUT_MS = 86_400_000;

/** `--visible-timeout`, `--visible-reads` and `--no-visible`. */
export const VISIBLE_FLAGS = {
  "visible-timeout": durationFlag(
    "D",
    "loads to Langfuse: read a sample of the traces back until each is readable; one not " +
      "readable D after it was acknowledged counts as never visible (default 10m, Langfuse's " +
      "FAQ; at most 1d). The run ends when the last trace probed is decided",
    { maxMs: MAX_VISIBLE_TIMEOUT_MS, maxText: "1d", default: DEFAULT_VISIBLE_TIMEOUT_MS },
  ),
  "visible-reads": numberFlag(
    "R",
    `the probe's read budget: at most R reads a second (default ` +
      `${DEFAULT_VISIBLE_READS_PER_SECOND}, Langfuse Cloud Hobby's 30 a minute; Core allows ` +
      "1000 a minute); traces beyond it are left out of the sample, and counted",
    { default: DEFAULT_VISIBLE_READS_PER_SECOND },
  ),
  "no-visible": switchFlag("do not probe time to visible (a load to Langfuse probes it)"),
};

/** The probe's flag values `visibleOf` reads. */
interface VisibleFlagValues {
  values: { "visible-timeout"?: string; "visible-reads"?: string; "no-visible"?: boolean };
  flags: { "visible-timeout": number; "visible-reads": number };
}

/**
 * The probe a load asks for: on for a load to Langfuse unless --no-visible. Its flags, or a
 * threshold on time to visible, without the probe are a usage error (nothing sent).
 */
export function visibleOf(
  { values, flags }: VisibleFlagValues,
  { target, thresholds }: { target: Pick<Target, "langfuseApi">; thresholds: Threshold[] },
): LoadSpec["visible"] {
  const given = (["visible-timeout", "visible-reads"] as const).find((flag) =>
    values[flag] !== undefined
  );
  if (given && values["no-visible"]) {
    throw new CliError(`--${given} does not apply with --no-visible`, EXIT.usage);
  }
  const probing = target.langfuseApi === true && !values["no-visible"];
  if (given && !probing) {
    throw new CliError(
      `--${given} applies to a load to Langfuse (LANGFUSE_BASE_URL and its keys), whose ` +
        "traces the probe reads back",
      EXIT.usage,
    );
  }
  const onVisible = thresholds.find((t) => VISIBLE_METRICS.includes(t.metric));
  if (onVisible && !probing) {
    throw new CliError(
      `--threshold ${onVisible.expression} needs the time-to-visible probe: a load to ` +
        "Langfuse (LANGFUSE_BASE_URL and its keys) without --no-visible",
      EXIT.usage,
    );
  }
  return probing
    ? { timeoutMs: flags["visible-timeout"], readsPerSecond: flags["visible-reads"] }
    : undefined;
}

const VISIBLE_METRICS: readonly ThresholdMetric[] = [
  "visible_p50",
  "visible_p95",
  "visible_p99",
  "never_visible",
];
