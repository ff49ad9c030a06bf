/**
 * How real a load's sessions read, measured on their plans: how many sessions have an error
 * and whether the agent saw its failures, whether people behave like people (sessions a day,
 * never two at once, coming back to the same kind of conversation), and whether planted
 * findings and scores agree, and whether what users say and agents answer varies (see
 * realism_text.ts). Pure: plans in, numbers out.
 */
import { TextCounter, type TextStats } from "./realism_text.ts";
import { type ObservationPlan, preOrder, type SessionPlan } from "./types.ts";

/** A load's realism numbers. Shares are 0..1. */
export interface RealismStats {
  sessions: number;
  /** Sessions with at least one ERROR observation. */
  sessionsWithError: number;
  /** sessionsWithError / sessions (0 when there are none). */
  errorShare: number;
  /** Tool and retriever observations at ERROR. */
  failedSteps: number;
  /** Of those, the ones followed in their turn by a generation whose input shows the failure. */
  failuresShown: number;
  /** failuresShown / failedSteps (1 when no step failed). */
  failuresShownShare: number;
  /** Failed steps no later generation of their turn shows, by `script: step`. */
  failuresNotShown: Record<string, number>;
  /** The most sessions one user started on one UTC day. */
  maxSessionsPerUserDay: number;
  /** Pairs of one user's sessions that overlap in time, over all users. */
  overlappingPairs: number;
  /** Users with more than one session. */
  returningUsers: number;
  /** Share of returning users' sessions that are of the script each of them has most. */
  returningOnMainScript: number;
  /** Planted findings by kind. */
  findingsPerKind: Record<string, number>;
  /** Planted findings by script. */
  findingsPerScript: Record<string, number>;
  /** Sessions planted `unsolved` with a score (session or turn) of value `resolved`. */
  unsolvedScoredResolved: number;
  /** Per score name, each comment sent and the values it was sent with. */
  commentValues: Record<string, Record<string, (string | number)[]>>;
  /** Comments sent with more than one value of their score. */
  commentsOnSeveralValues: number;
  /** What users say and agents answer, and the input tokens generations report. */
  text: TextStats;
}

/** A session's span in time and script, as the user side of the numbers needs it. */
interface Visit {
  startMs: number;
  endMs: number;
  script: string;
}

/** Accumulates sessions into realism numbers; keeps each session's times and script per user. */
export class RealismCounter {
  #sessions = 0;
  #withError = 0;
  #failedSteps = 0;
  #failuresShown = 0;
  #unsolvedResolved = 0;
  readonly #notShown = new Map<string, number>();
  readonly #kinds = new Map<string, number>();
  readonly #perScript = new Map<string, number>();
  readonly #visits = new Map<string, Visit[]>();
  readonly #comments = new Map<string, Map<string, Set<string | number>>>();
  readonly #text = new TextCounter();

  /** Counts one session (its turns as sent). */
  add(plan: SessionPlan): void {
    if (plan.turns.length === 0) return;
    this.#sessions++;
    this.#text.add(plan.script, plan.turns);
    let error = false;
    for (const turn of plan.turns) {
      const order = preOrder(turn.root);
      for (const [i, obs] of order.entries()) {
        if (obs.level !== "ERROR") continue;
        error = true;
        if (obs.type !== "tool" && obs.type !== "retriever") continue;
        this.#failedSteps++;
        const next = order.slice(i + 1).find((later) => later.type === "generation");
        if (next && showsFailure(next, obs)) this.#failuresShown++;
        else bump(this.#notShown, `${plan.script}: ${obs.name}`);
      }
    }
    if (error) this.#withError++;
    for (const { finding } of plan.findings) {
      bump(this.#kinds, finding);
      bump(this.#perScript, plan.script);
    }
    if (
      plan.findings.some((f) => f.finding === "unsolved") &&
      plan.scores.some((score) => score.value === "resolved")
    ) this.#unsolvedResolved++;
    for (const score of plan.scores) {
      if (score.comment === undefined) continue;
      let byComment = this.#comments.get(score.name);
      if (!byComment) this.#comments.set(score.name, byComment = new Map());
      let values = byComment.get(score.comment);
      if (!values) byComment.set(score.comment, values = new Set());
      values.add(score.value);
    }
    let visits = this.#visits.get(plan.userId);
    if (!visits) this.#visits.set(plan.userId, visits = []);
    visits.push({
      startMs: plan.turns[0].root.startMs,
      endMs: plan.turns.at(-1)!.root.endMs,
      script: plan.script,
    });
  }

  /** The numbers so far. */
  stats(): RealismStats {
    let maxPerDay = 0;
    let overlapping = 0;
    let returning = 0;
    let returningSessions = 0;
    let onMain = 0;
    for (const visits of this.#visits.values()) {
      const days = new Map<string, number>();
      for (const visit of visits) {
        maxPerDay = Math.max(
          maxPerDay,
          bump(days, new Date(visit.startMs).toISOString().slice(0, 10)),
        );
      }
      overlapping += overlaps(visits);
      if (visits.length < 2) continue;
      returning++;
      returningSessions += visits.length;
      const scripts = new Map<string, number>();
      for (const visit of visits) bump(scripts, visit.script);
      onMain += Math.max(...scripts.values());
    }
    const commentValues: RealismStats["commentValues"] = {};
    let several = 0;
    for (const [name, byComment] of this.#comments) {
      commentValues[name] = {};
      for (const [comment, values] of byComment) {
        commentValues[name][comment] = [...values].sort((a, b) =>
          String(a).localeCompare(String(b))
        );
        if (values.size > 1) several++;
      }
    }
    return {
      sessions: this.#sessions,
      sessionsWithError: this.#withError,
      errorShare: this.#sessions === 0 ? 0 : this.#withError / this.#sessions,
      failedSteps: this.#failedSteps,
      failuresShown: this.#failuresShown,
      failuresShownShare: this.#failedSteps === 0 ? 1 : this.#failuresShown / this.#failedSteps,
      failuresNotShown: Object.fromEntries(this.#notShown),
      maxSessionsPerUserDay: maxPerDay,
      overlappingPairs: overlapping,
      returningUsers: returning,
      returningOnMainScript: returningSessions === 0 ? 0 : onMain / returningSessions,
      findingsPerKind: Object.fromEntries(this.#kinds),
      findingsPerScript: Object.fromEntries(this.#perScript),
      unsolvedScoredResolved: this.#unsolvedResolved,
      commentValues,
      commentsOnSeveralValues: several,
      text: this.#text.stats(),
    };
  }
}

/** The realism numbers of a load's plans. */
export function realismStats(plans: Iterable<SessionPlan>): RealismStats {
  const counter = new RealismCounter();
  for (const plan of plans) counter.add(plan);
  return counter.stats();
}

/**
 * Whether a generation's input shows a failed step: some message (or the input itself) holds
 * the step's status message or its error output as JSON text.
 */
export function showsFailure(generation: ObservationPlan, failed: ObservationPlan): boolean {
  const input = JSON.stringify(generation.input ?? null);
  const needles: string[] = [];
  if (failed.statusMessage) needles.push(failed.statusMessage);
  if (failed.output !== undefined) needles.push(JSON.stringify(failed.output));
  // Each needle as it reads inside the input's JSON: once escaped, or twice inside a string.
  return needles.some((needle) => {
    const once = JSON.stringify(needle).slice(1, -1);
    return input.includes(once) || input.includes(JSON.stringify(once).slice(1, -1));
  });
}

/** Pairs of visits that overlap in time. */
function overlaps(visits: Visit[]): number {
  const sorted = [...visits].sort((a, b) => a.startMs - b.startMs);
  let pairs = 0;
  for (let i = 0; i < sorted.length; i++) {
    for (let j = i + 1; j < sorted.length && sorted[j].startMs < sorted[i].endMs; j++) pairs++;
  }
  return pairs;
}

function bump(map: Map<string, number>, key: string): number {
  const count = (map.get(key) ?? 0) + 1;
  map.set(key, count);
  return count;
}
