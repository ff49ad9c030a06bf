/**
 * The shape of a generated population, accumulated session by session in constant memory:
 * sessions per script, turns per session, escalation and error rates. Printed at the end of a
 * load run so users can see it matches what they asked for.
 */
import { countSpans, type ObservationPlan, type SessionPlan } from "./types.ts";
import { ESCALATING_OUTCOMES } from "../script/vocabulary.ts";
import { count } from "../text/count.ts";

/** The population shape as the report shows it. */
export interface PopulationShape {
  sessions: number;
  sessionsPerScript: Record<string, number>;
  /** Sessions by how many turns they had. */
  turnsPerSession: Record<string, number>;
  /** Sessions by the outcome of their last turn. */
  lastOutcome: Record<string, number>;
  /** Share of sessions escalated or handed off to a human. */
  escalationRate: number;
  /** Share of sessions with at least one ERROR observation. */
  errorRate: number;
  /** Distinct users with at least one session. */
  users: number;
  /** Sessions of the most active user. */
  maxSessionsPerUser: number;
  traces: number;
  spans: number;
  /**
   * Sessions the run's stop (Ctrl-C, SIGTERM, SIGHUP, a failed export) cut short: started, not every
   * turn sent. Those with turns sent are counted above with them; the rest only here.
   */
  stoppedInProgress?: { sessions: number; turnsNotSent: number; spansNotSent: number };
}

/** Sessions cut short by a stop, and what of them was not sent. */
export interface InProgressTally {
  sessions: number;
  turns: number;
  spans: number;
}

/** Everything a PopulationCounter counted, as plain data, to merge counters exactly. */
export interface PopulationTally {
  sessions: number;
  escalated: number;
  errored: number;
  traces: number;
  spans: number;
  /** Scores planned (turn and session scores), sent or not. */
  scores: number;
  perScript: Record<string, number>;
  turns: Record<string, number>;
  outcomes: Record<string, number>;
  /** Sessions per user id. */
  users: Record<string, number>;
  /** Sessions cut short by a stop (absent in reports written before it was counted). */
  inProgress?: InProgressTally;
}

const ESCALATED = new Set(ESCALATING_OUTCOMES);

/** Accumulates sessions into a population shape. */
export class PopulationCounter {
  #sessions = 0;
  #busiest = 0;
  #escalated = 0;
  #errored = 0;
  #traces = 0;
  #spans = 0;
  #scores = 0;
  readonly #perScript = new Map<string, number>();
  readonly #turns = new Map<string, number>();
  readonly #outcomes = new Map<string, number>();
  readonly #users = new Map<string, number>();
  readonly #inProgress: InProgressTally = { sessions: 0, turns: 0, spans: 0 };

  /**
   * Counts a session the run's stop cut short after `sent` of its turns (those sent are
   * counted with `add`); the turns and spans not sent are counted here.
   */
  cut(plan: SessionPlan, sent: number): void {
    if (sent >= plan.turns.length) return;
    this.#inProgress.sessions++;
    for (const turn of plan.turns.slice(sent)) {
      this.#inProgress.turns++;
      this.#inProgress.spans += countSpans(turn.root);
    }
  }

  /** Counts one session. */
  add(plan: SessionPlan): void {
    this.#sessions++;
    this.#scores += plan.scores.length;
    bump(this.#perScript, plan.script);
    bump(this.#turns, String(plan.turns.length));
    bump(this.#outcomes, plan.turns.at(-1)?.outcome ?? "none");
    // Kept as it goes: a spread of every user's count overflows the stack for large pools.
    this.#busiest = Math.max(this.#busiest, bump(this.#users, plan.userId));
    if (plan.turns.some((turn) => ESCALATED.has(turn.outcome))) this.#escalated++;
    let error = false;
    for (const turn of plan.turns) {
      this.#traces++;
      const stack: ObservationPlan[] = [turn.root];
      while (stack.length > 0) {
        const obs = stack.pop()!;
        this.#spans++;
        if (obs.level === "ERROR") error = true;
        stack.push(...obs.children);
      }
    }
    if (error) this.#errored++;
  }

  /** The counts as plain data (see `merge`). */
  tally(): PopulationTally {
    return {
      sessions: this.#sessions,
      escalated: this.#escalated,
      errored: this.#errored,
      traces: this.#traces,
      spans: this.#spans,
      scores: this.#scores,
      perScript: Object.fromEntries(this.#perScript),
      turns: Object.fromEntries(this.#turns),
      outcomes: Object.fromEntries(this.#outcomes),
      users: Object.fromEntries(this.#users),
      ...(this.#inProgress.sessions > 0 ? { inProgress: { ...this.#inProgress } } : {}),
    };
  }

  /** Adds another counter's sessions (from `tally()`): the shape is as if counted here. */
  merge(other: PopulationTally): void {
    this.#sessions += other.sessions;
    this.#escalated += other.escalated;
    this.#errored += other.errored;
    this.#traces += other.traces;
    this.#spans += other.spans;
    this.#scores += other.scores;
    this.#inProgress.sessions += other.inProgress?.sessions ?? 0;
    this.#inProgress.turns += other.inProgress?.turns ?? 0;
    this.#inProgress.spans += other.inProgress?.spans ?? 0;
    const add = (map: Map<string, number>, from: Record<string, number>) => {
      for (const [key, count] of Object.entries(from)) map.set(key, (map.get(key) ?? 0) + count);
    };
    add(this.#perScript, other.perScript);
    add(this.#turns, other.turns);
    add(this.#outcomes, other.outcomes);
    for (const [user, count] of Object.entries(other.users)) {
      const total = (this.#users.get(user) ?? 0) + count;
      this.#users.set(user, total);
      this.#busiest = Math.max(this.#busiest, total);
    }
  }

  /** Scores the counted sessions planned. */
  get scores(): number {
    return this.#scores;
  }

  /** Sessions counted so far (cheap, for progress lines). */
  get sessions(): number {
    return this.#sessions;
  }

  /** How many users had each number of sessions: `{ "1": 412, "2": 96, ... }` (the Zipf tail). */
  usersBySessions(): Record<string, number> {
    const users = new Map<string, number>();
    for (const count of this.#users.values()) bump(users, String(count));
    return sorted(users);
  }

  /** The shape so far. */
  shape(): PopulationShape {
    const rate = (n: number) =>
      this.#sessions === 0 ? 0 : Math.round((n / this.#sessions) * 1e4) / 1e4;
    return {
      sessions: this.#sessions,
      sessionsPerScript: sorted(this.#perScript),
      turnsPerSession: sorted(this.#turns),
      lastOutcome: sorted(this.#outcomes),
      escalationRate: rate(this.#escalated),
      errorRate: rate(this.#errored),
      users: this.#users.size,
      maxSessionsPerUser: this.#busiest,
      traces: this.#traces,
      spans: this.#spans,
      ...(this.#inProgress.sessions > 0
        ? {
          stoppedInProgress: {
            sessions: this.#inProgress.sessions,
            turnsNotSent: this.#inProgress.turns,
            spansNotSent: this.#inProgress.spans,
          },
        }
        : {}),
    };
  }
}

function bump(map: Map<string, number>, key: string): number {
  const count = (map.get(key) ?? 0) + 1;
  map.set(key, count);
  return count;
}

function sorted(map: Map<string, number>): Record<string, number> {
  return Object.fromEntries(
    [...map.entries()].sort(([a], [b]) => a.localeCompare(b, "en", { numeric: true })),
  );
}

/** The shape as a few lines of text. */
export function formatShape(shape: PopulationShape): string {
  const share = (n: number) => `${n} (${pct(n / Math.max(1, shape.sessions))})`;
  const lines = [
    `  population ${count(shape.sessions, "session")}, ${count(shape.users, "user")} (busiest: ` +
    `${count(shape.maxSessionsPerUser, "session")}), ${count(shape.traces, "trace")}`,
    `    per script   ${
      Object.entries(shape.sessionsPerScript).map(([k, v]) => `${k} ${share(v)}`).join(", ")
    }`,
    `    turns        ${
      Object.entries(shape.turnsPerSession).map(([k, v]) => `${k}: ${share(v)}`).join(", ")
    }`,
    `    escalated    ${pct(shape.escalationRate)} of sessions; with an error ${
      pct(shape.errorRate)
    }`,
  ];
  const cut = shape.stoppedInProgress;
  if (cut) {
    lines.push(
      `    in progress  ${cut.sessions} session${cut.sessions === 1 ? "" : "s"} cut short by ` +
        `the stop: ${cut.turnsNotSent} turn${cut.turnsNotSent === 1 ? "" : "s"} ` +
        `(${cut.spansNotSent} span${cut.spansNotSent === 1 ? "" : "s"}) not sent`,
    );
  }
  return lines.join("\n");
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}
