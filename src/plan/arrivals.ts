/**
 * Arrival schedules as data: when each session of a load run starts, as offsets in
 * milliseconds from the run start. Nothing here waits; the scheduler only sleeps until each
 * computed offset.
 *
 * The expected number of arrivals by time t is the integral of the rate, Λ(t). Evenly spaced
 * arrivals follow k6's ramping-arrival-rate (`cal`): arrival k (k = 0, 1, 2, …) is at the
 * moment Λ passes k. So the first arrival is at offset 0 (or at the start of the first phase
 * with a positive rate), a constant 2/s gives 0, 500, 1000, … ms, and a linear ramp solves a
 * quadratic. Poisson arrivals use time-rescaling: unit-rate exponential gaps in Λ, mapped back
 * through the same inverse, so the first Poisson arrival is after a random gap, not at 0.
 */
import type { Rng } from "./random.ts";

/** One stretch of a schedule: a constant rate, or a linear ramp when `rampTo` is set. */
export interface Phase {
  /** How long the phase lasts, in milliseconds. */
  durationMs: number;
  /** Sessions per second at the start of the phase. */
  rate: number;
  /** Sessions per second at the end of the phase, ramping linearly; default `rate`. */
  rampTo?: number;
}

/** How arrivals are drawn. */
export interface ArrivalOptions {
  /** Exponential gaps (a non-homogeneous Poisson process) instead of even spacing; default false. */
  poisson?: boolean;
  /** The seeded stream the Poisson gaps are drawn from; required when `poisson` is true. */
  rng?: Rng;
}

/** Every arrival's offset in ms from the run start, ascending; see `arrivalStream` for long runs. */
export function arrivalOffsets(phases: readonly Phase[], options: ArrivalOptions = {}): number[] {
  return [...arrivalStream(phases, options)];
}

/** The same offsets as `arrivalOffsets`, computed one at a time as they are consumed. */
export function arrivalStream(
  phases: readonly Phase[],
  options: ArrivalOptions = {},
): Generator<number, void, undefined> {
  phases.forEach(checkPhase);
  const poisson = options.poisson ?? false;
  const rng = options.rng;
  if (poisson && rng === undefined) {
    throw new RangeError("Cannot draw Poisson arrivals without a seeded rng: pass options.rng");
  }
  // Targets in Λ: 0, 1, 2, … for even spacing; cumulative exponential gaps for Poisson.
  const targets = poisson && rng ? exponentialSums(rng) : naturals();
  return invert(phases, targets);
}

/**
 * The expected number of arrivals over the whole schedule, Λ(end): the area under the rate. Even
 * spacing starts ceil(Λ) sessions (one at 0 as soon as the rate is positive), a Poisson process
 * about Λ; a schedule below 1 asks for less than one session.
 */
export function expectedArrivals(phases: readonly Phase[]): number {
  phases.forEach(checkPhase);
  return snap(
    phases.reduce(
      (sum, phase) =>
        sum + ((phase.rate + (phase.rampTo ?? phase.rate)) / 2) * phase.durationMs /
          1_000,
      0,
    ),
  );
}

/** The highest arrival rate of the schedule, sessions per second (0 for no phase). */
export function peakRate(phases: readonly Phase[]): number {
  return Math.max(0, ...phases.map((phase) => Math.max(phase.rate, phase.rampTo ?? 0)));
}

function* naturals(): Generator<number, void, undefined> {
  for (let k = 0;; k++) yield k;
}

function* exponentialSums(rng: Rng): Generator<number, void, undefined> {
  let sum = 0;
  for (;;) {
    sum += -Math.log(1 - rng.next());
    yield sum;
  }
}

/** Maps ascending targets of Λ to times; a target belongs to the phase where L0 <= target < L1. */
function* invert(
  phases: readonly Phase[],
  targets: Generator<number, void, undefined>,
): Generator<number, void, undefined> {
  let phaseIndex = 0;
  let startMs = 0;
  let before = 0; // Λ at the start of the current phase.
  let target = targets.next();
  while (phaseIndex < phases.length && !target.done) {
    const phase = phases[phaseIndex];
    const a = phase.rate;
    const c = phase.rampTo ?? phase.rate;
    const seconds = phase.durationMs / 1_000;
    const after = snap(before + ((a + c) / 2) * seconds);
    if (target.value >= after) {
      phaseIndex++;
      startMs += phase.durationMs;
      before = after;
      continue;
    }
    // Rate a + b·τ, so Λ within the phase is a·τ + b·τ²/2 = m; this form of the root is stable
    // for b = 0 and for falling ramps.
    const b = seconds > 0 ? (c - a) / seconds : 0;
    const m = target.value - before;
    const tau = m === 0 ? 0 : (2 * m) / (a + Math.sqrt(Math.max(0, a * a + 2 * b * m)));
    yield startMs + Math.min(tau, seconds) * 1_000;
    target = targets.next();
  }
}

/** Snaps Λ to a whole number when floating-point sums land a hair beside it. */
function snap(value: number): number {
  const whole = Math.round(value);
  return Math.abs(value - whole) <= 1e-9 * Math.max(1, whole) ? whole : value;
}

function checkPhase(phase: Phase, index: number): void {
  const fields: [string, number | undefined][] = [
    ["durationMs", phase.durationMs],
    ["rate", phase.rate],
    ["rampTo", phase.rampTo],
  ];
  for (const [field, value] of fields) {
    if (value === undefined && field === "rampTo") continue;
    if (value === undefined || !Number.isFinite(value) || value < 0) {
      throw new RangeError(
        `Cannot schedule phases[${index}]: ${field} must be a finite number >= 0, got ${value}`,
      );
    }
  }
}

const PER_SECOND: Record<string, number> = { s: 1, m: 60, h: 3_600 };
const RATE = /^(\d+(?:\.\d+)?)\s*\/\s*(s|m|h)$/;

/** Parses "20/s", "300/m" or "5000/h" into sessions per second; throws a RangeError otherwise. */
export function parseRate(text: string): number {
  const match = RATE.exec(text.trim());
  if (!match) {
    throw new RangeError(
      `Cannot read rate "${text}": use sessions per second, minute or hour, ` +
        `like "20/s", "300/m" or "5000/h"`,
    );
  }
  return Number(match[1]) / PER_SECOND[match[2]];
}

/** A schedule from command-line flags. */
export interface FlagPhasesOptions {
  /** The whole run, ramp included, in milliseconds. */
  durationMs: number;
  /** The steady rate in sessions per second. */
  rate: number;
  /** How long to ramp from 0 to `rate` at the start, in milliseconds; default 0 (no ramp). */
  rampMs?: number;
}

/** A ramp from 0 to `rate` over `rampMs`, then `rate` steady for the rest of `durationMs`. */
export function phasesFromFlags(options: FlagPhasesOptions): Phase[] {
  const rampMs = options.rampMs ?? 0;
  const { durationMs, rate } = options;
  if (rampMs > durationMs) {
    throw new RangeError(
      `Cannot ramp for ${rampMs}ms in a run of ${durationMs}ms: the ramp is part of the duration`,
    );
  }
  const phases: Phase[] = [];
  if (rampMs > 0) phases.push({ durationMs: rampMs, rate: 0, rampTo: rate });
  if (durationMs - rampMs > 0 || phases.length === 0) {
    phases.push({ durationMs: durationMs - rampMs, rate });
  }
  phases.forEach(checkPhase);
  return phases;
}
