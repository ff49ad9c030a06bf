/**
 * A load profile: the arrival schedule of a load run as a small YAML document, in the spirit of
 * k6 `stages` and Artillery `phases`. Reading the file is the caller's job; this module holds
 * the schema and turns a validated profile into `Phase`s.
 *
 * @example
 * ```yaml
 * phases:
 *   - { duration: 2m, rate: 1/s, rampTo: 20/s }   # warm up
 *   - { duration: 10m, rate: 20/s }               # hold
 *   - { duration: 1m, rate: 20/s, rampTo: 0/s }   # drain
 * poisson: true
 * thresholds: [export_p95<2s, failed_rate<0.1%]
 * stress: { payload: { bytes: 256KB, unicode: true }, width: 50 }
 * ```
 */
import { z } from "zod";
import { MAX_LIVE_DURATION_MS, parseDuration } from "../script/duration.ts";
import { parseRate, type Phase } from "./arrivals.ts";
import { parseThreshold, ThresholdError } from "./thresholds.ts";
import { Stress } from "../script/schema_stress.ts";

const RATE_HINT = 'must be a rate like "20/s", "300/m" or "5000/h"';

/** A rate of sessions per second, minute or hour: "20/s", "300/m", "5000/h". */
export const Rate = z.string({ error: RATE_HINT }).refine(isRate, { error: RATE_HINT })
  .describe('Sessions per second, minute or hour: "20/s", "300/m", "5000/h"');

/** One phase: a duration at a rate, ramping linearly to `rampTo` when it is given. */
export const LoadPhase = z.strictObject({
  duration: z.string({ error: 'must be a duration like "30s", "2m" or "1h"' })
    .refine((text) => (parseDuration(text) ?? 0) > 0, {
      error: 'must be a positive duration like "30s", "2m" or "1h"',
      abort: true,
    })
    .refine((text) => parseDuration(text)! <= MAX_LIVE_DURATION_MS, {
      error: "must be at most 7d",
    })
    .describe('How long the phase lasts: "30s", "2m", "1h"'),
  rate: Rate.describe("The arrival rate at the start of the phase"),
  rampTo: Rate.optional().describe("The arrival rate at the end; ramps linearly from `rate`"),
});

/** A load profile: phases run one after another; `poisson` draws random gaps. */
export const LoadProfile = z.strictObject({
  phases: z.array(LoadPhase).min(1, { error: "must list at least one phase" }),
  poisson: z.boolean().optional().describe(
    "Exponential gaps around the rate (a Poisson process) instead of even spacing; default false",
  ),
  thresholds: z.array(
    z.string().superRefine((text, ctx) => {
      const problem = thresholdProblem(text);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    }),
  ).optional().describe(
    'Threshold expressions, as --threshold takes them: "export_p95<2s", "failed_rate<0.1%"',
  ),
  stress: Stress.optional().describe(
    "Stress shapes for every script of the run, as a script's stress section; each field given " +
      "here wins over the script's own",
  ),
});

/** A validated load profile, as written. */
export type LoadProfileInput = z.infer<typeof LoadProfile>;

/** Converts a validated profile into the arrival schedule `arrivalStream` reads. */
export function toPhases(profile: LoadProfileInput): Phase[] {
  return profile.phases.map((phase) => {
    const durationMs = parseDuration(phase.duration);
    if (durationMs === undefined) throw new RangeError(`unchecked duration "${phase.duration}"`);
    const converted: Phase = { durationMs, rate: parseRate(phase.rate) };
    if (phase.rampTo !== undefined) converted.rampTo = parseRate(phase.rampTo);
    return converted;
  });
}

function thresholdProblem(text: string): string | undefined {
  try {
    parseThreshold(text);
    return undefined;
  } catch (error) {
    if (error instanceof ThresholdError) return error.message;
    throw error;
  }
}

function isRate(text: string): boolean {
  try {
    parseRate(text);
    return true;
  } catch {
    return false;
  }
}
