/**
 * Compressing a planned session's timeline for live runs with `--time-scale K`: every moment
 * of the session moves K times closer to its start, so think times, step durations, gaps and
 * times to first token all shrink by K and the session plays K times faster. Timestamps stay
 * consistent with the wall clock a live run sends them by: a turn is sent when its compressed
 * end comes, never before its spans end. Pure.
 */
import type { ObservationPlan, SessionPlan } from "./types.ts";

/**
 * The plan with every timestamp t moved to `startMs + round((t - startMs) / scale)`. The map
 * is monotonic, so children stay inside their parents and turns keep their order; a scale of 1
 * returns the plan as it is.
 */
export function compressTimeline(plan: SessionPlan, startMs: number, scale: number): SessionPlan {
  if (!(scale > 0) || !Number.isFinite(scale)) {
    throw new RangeError(`Cannot compress a session by ${scale}: the scale must be a number > 0`);
  }
  if (scale === 1) return plan;
  const at = (t: number) => startMs + Math.round((t - startMs) / scale);
  const observation = (obs: ObservationPlan): ObservationPlan => ({
    ...obs,
    startMs: at(obs.startMs),
    endMs: at(obs.endMs),
    ...(obs.completionStartMs === undefined
      ? {}
      : { completionStartMs: at(obs.completionStartMs) }),
    children: obs.children.map(observation),
  });
  return { ...plan, turns: plan.turns.map((turn) => ({ ...turn, root: observation(turn.root) })) };
}
