/**
 * The live scheduler: sessions arrive at their scheduled offsets and each session's turns are
 * sent when their (compressed) end comes. One loop takes timed events in order from a heap: an
 * arrival plans a session, a due turn joins the senders' line. A sleeping session costs a heap
 * entry, not a slot. What is bounded is what costs: sessions sending at once (`concurrency`:
 * turns due and waiting for the export queue), sessions alive at once (`maxAlive`: their plans
 * are held in memory) and, in the pipeline, requests in flight. An arrival that cannot start
 * on time (more than `lateToleranceMs` late, or with `maxAlive` sessions alive) is dropped and
 * counted, as k6's arrival-rate executors count dropped_iterations, never queued.
 */
import { emitTurn } from "../emit/emit.ts";
import type { Pipeline } from "../export/pipeline.ts";
import { arrivalStream, type Phase } from "../plan/arrivals.ts";
import type { Arrival, SessionFactory } from "../plan/instances.ts";
import { holds, type Partition, WHOLE } from "../plan/partition.ts";
import { Rng } from "../plan/random.ts";
import type { SessionPlan } from "../plan/types.ts";
import type { Clock } from "./clock.ts";
import { EventQueue } from "./event_queue.ts";

/** A live schedule: arrival phases, even or Poisson, and the time scale of every session. */
export interface LiveSchedule {
  kind: "live";
  phases: Phase[];
  poisson: boolean;
  /** Every session's timeline is compressed this many times (see `compressTimeline`). */
  timeScale: number;
  /** Schedule at most this many arrivals (of the whole run, every part together). */
  maxSessions?: number;
}

/** Default of `LiveOptions.concurrency`. */
export const DEFAULT_CONCURRENCY = 64;
/** Default of `LiveOptions.maxAlive`: about 20 KB of plan each, so some 200 MB at most. */
export const DEFAULT_MAX_ALIVE = 10_000;
/** Default of `LiveOptions.lateToleranceMs`. */
export const DEFAULT_LATE_TOLERANCE_MS = 1_000;

/** What the live scheduler needs. */
export interface LiveOptions {
  factory: SessionFactory;
  pipeline: Pipeline;
  seed: number;
  clock: Clock;
  /** True stops new sessions (Ctrl-C) and the turns not yet sent. */
  stopped: () => boolean;
  /** Called with each session once done (turns not sent are left out) and its arrival index. */
  onSession: (plan: SessionPlan, index: number) => void;
  /** Called with a session the stop cut short, whole, and how many of its turns were sent. */
  onCut?: (plan: SessionPlan, sent: number) => void;
  /**
   * The arrivals this process starts: arrival i (0-based, in the whole schedule) is session i
   * and belongs to one part (see `partition.ts`); the others are other shards'. Default all.
   */
  partition?: Partition;
  /** The run's start, epoch ms on `clock` (shared by the workers of one run); default now. */
  startMs?: number;
  /**
   * Sessions sending at once: a session holds a slot from the moment its turn is due until
   * the export queue has taken the turn; default 64. When every slot is taken the scheduler
   * waits, and arrivals that fall more than `lateToleranceMs` behind are dropped.
   */
  concurrency?: number;
  /** Sessions alive (started, not finished) at once; an arrival beyond it is dropped; default 10,000. */
  maxAlive?: number;
  /** How late an arrival may start before it is dropped, ms; default 1000. */
  lateToleranceMs?: number;
  /** Counts to update as the run goes (progress reads them); default a fresh one. */
  counts?: LiveCounts;
}

/** What became of a live run's arrivals, updated as it runs. */
export class LiveCounts {
  /** Arrivals whose time came: started + dropped. */
  scheduled = 0;
  /** Sessions started. */
  started = 0;
  /** Arrivals dropped because the run was more than the tolerance behind them. */
  droppedLate = 0;
  /** Arrivals dropped because `maxAlive` sessions were alive. */
  droppedAlive = 0;
  /** Sessions started and not finished. */
  alive = 0;
  /** The most sessions alive at once. */
  peakAlive = 0;
  /** Sessions whose turn is due and not yet taken by the export queue. */
  sending = 0;
  /** The latest any arrival or turn was handled after its time, ms. */
  maxLagMs = 0;

  /** Arrivals dropped, for either reason. */
  get dropped(): number {
    return this.droppedLate + this.droppedAlive;
  }
}

/** The arrival offsets of a live schedule for a seed, computed one at a time. */
export function liveArrivals(schedule: LiveSchedule, seed: number): Generator<number, void> {
  return arrivalStream(schedule.phases, {
    poisson: schedule.poisson,
    rng: new Rng(seed, "arrivals"),
  });
}

interface LiveSession {
  plan: SessionPlan;
  /** The arrival index, which is the session's index in the run. */
  index: number;
  /** Turns taken by the export queue. */
  sent: number;
}

const ARRIVAL = "arrival";
type LiveEvent = typeof ARRIVAL | LiveSession;

/** The longest the loop sleeps before it checks whether the run was stopped. */
const POLL_MS = 100;

/** Runs a live schedule to its end, or until stopped; the caller closes the pipeline. */
export async function runLive(options: LiveOptions, schedule: LiveSchedule): Promise<LiveCounts> {
  const { clock, pipeline } = options;
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const maxAlive = options.maxAlive ?? DEFAULT_MAX_ALIVE;
  const tolerance = options.lateToleranceMs ?? DEFAULT_LATE_TOLERANCE_MS;
  const counts = options.counts ?? new LiveCounts();
  // An error while planning or sending ends the run: the loop and the sender both stop, what
  // was handed over is delivered, and the error is thrown once they have.
  let failure: { error: unknown } | undefined;
  const stop = () =>
    options.stopped() || pipeline.batcher.fatal !== undefined || failure !== undefined;
  const emit = {
    tracer: pipeline.tracer,
    tracerFor: pipeline.tracerFor,
    ids: pipeline.ids,
    backpressure: () => pipeline.batcher.ready(),
  };

  const start = options.startMs ?? clock.now();
  const partition = options.partition ?? WHOLE;
  const events = new EventQueue<LiveEvent>();
  const arrivals = liveArrivals(schedule, options.seed);
  // Arrivals of the whole schedule drawn so far; the next one of this part is `arrivalIndex`.
  let drawn = 0;
  let arrivalIndex = -1;
  let arrival: Arrival | undefined;
  const alive = new Set<LiveSession>();
  const line: LiveSession[] = [];
  let worker: Promise<void> | undefined;
  let wake: (() => void) | undefined;

  const nextArrival = () => {
    for (;;) {
      if (schedule.maxSessions !== undefined && drawn >= schedule.maxSessions) return;
      const next = arrivals.next();
      if (next.done) return;
      const index = drawn++;
      // Every arrival of the run is given its user, in order, whichever part starts it.
      const given = options.factory.arrive(index, {
        startMs: start + next.value,
        timeScale: schedule.timeScale,
      });
      if (!holds(partition, index)) continue;
      arrivalIndex = index;
      arrival = given;
      events.push(start + next.value, ARRIVAL);
      return;
    }
  };
  const finish = (session: LiveSession) => {
    alive.delete(session);
    counts.alive = alive.size;
    const { plan, sent } = session;
    if (sent < plan.turns.length) options.onCut?.(plan, sent);
    options.onSession(
      sent === plan.turns.length ? plan : { ...plan, turns: plan.turns.slice(0, sent) },
      session.index,
    );
  };
  const nextTurn = (session: LiveSession) => {
    const turn = session.plan.turns[session.sent];
    if (turn === undefined) finish(session);
    else events.push(turn.root.endMs, session);
  };
  const signal = () => {
    const waiting = wake;
    wake = undefined;
    waiting?.();
  };
  // Hands due turns to the export queue in the order they came due; one turn at a time, so
  // the queue overruns its bound by one turn at most.
  const work = async () => {
    try {
      while (line.length > 0 && !stop()) {
        const session = line[0];
        await emitTurn(session.plan, session.plan.turns[session.sent], emit);
        line.shift();
        counts.sending = line.length;
        session.sent++;
        nextTurn(session);
        signal();
      }
    } catch (error) {
      failure = { error };
    } finally {
      worker = undefined;
      signal();
    }
  };
  const until = () => new Promise<void>((resolve) => (wake = resolve));

  try {
    await loop();
  } catch (error) {
    failure ??= { error };
  }
  // Stopped (or done): the turn being handed over finishes; what was not sent is left out.
  while (worker !== undefined) await worker;
  for (const session of [...alive]) finish(session);
  counts.sending = 0;
  if (failure !== undefined) throw failure.error;
  return counts;

  async function loop(): Promise<void> {
    nextArrival();
    while (!stop()) {
      const due = events.peek();
      if (due === undefined) {
        if (worker === undefined) break;
        await until();
        continue;
      }
      const now = clock.now();
      if (now < due.atMs) {
        await clock.sleepUntil(Math.min(due.atMs, now + POLL_MS));
        continue;
      }
      if (due.value !== ARRIVAL && line.length >= concurrency) {
        // Every sending slot is taken: the target (or this machine) is slower than the schedule.
        await until();
        continue;
      }
      events.pop();
      counts.maxLagMs = Math.max(counts.maxLagMs, now - due.atMs);
      if (due.value !== ARRIVAL) {
        line.push(due.value);
        counts.sending = line.length;
        worker ??= work();
        continue;
      }
      counts.scheduled++;
      const index = arrivalIndex;
      const given = arrival!;
      nextArrival();
      if (now - due.atMs > tolerance) {
        counts.droppedLate++;
      } else if (alive.size >= maxAlive) {
        counts.droppedAlive++;
      } else {
        // Planned at its scheduled time, so a run's sessions start on the schedule's offsets.
        // Session i is arrival i, so a dropped arrival does not shift the sessions after it.
        const plan = options.factory.plan(index, {
          startMs: due.atMs,
          timeScale: schedule.timeScale,
        }, given);
        counts.started++;
        const session: LiveSession = { plan, index, sent: 0 };
        alive.add(session);
        counts.alive = alive.size;
        counts.peakAlive = Math.max(counts.peakAlive, alive.size);
        nextTurn(session);
      }
    }
  }
}
