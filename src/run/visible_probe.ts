/**
 * The time-to-visible probe of a load to Langfuse: a sample of the traces acknowledged is read
 * back through the public API (v4: observations v2 by trace id; v3: the trace) until each is
 * readable or the timeout passes. It runs beside the pipeline: the send path only hands it
 * trace ids (`acknowledged`, which never waits), and its reads are spaced within their own
 * rate on the run's one Langfuse client, so they share its pacing of Langfuse's budgets.
 *
 * @example
 * ```ts
 * const probe = new VisibleProbe({ client, seed, timeoutMs: 600_000, readsPerSecond: 1, clock });
 * host.onAcknowledged = (ids, atMs) => probe.acknowledged(ids, atMs);
 * // ... the run sends ...
 * const field = await probe.finish();
 * ```
 */
import type { LangfuseClient, LangfuseGeneration } from "../langfuse/client.ts";
import { chosenForProbe, nextReadDelayMs, roomForOneMore } from "../plan/visible_sample.ts";
import { VisibleTally } from "../report/visible_report.ts";
import type { VisibleReport } from "../run_record/schema.ts";
import type { Clock } from "../load/clock.ts";
import { formatMs } from "../script/duration.ts";

/** The default `--visible-timeout`: Langfuse's FAQ says traces appear within 10 minutes. */
export const DEFAULT_VISIBLE_TIMEOUT_MS = 600_000;
/** The default `--visible-reads`: Langfuse Cloud Hobby's public API allows 30 reads a minute. */
export const DEFAULT_VISIBLE_READS_PER_SECOND = 0.5;
/** The least time between two reads of one trace, ms. */
export const DEFAULT_VISIBLE_POLL_MS = 250;
/** How long the probe sleeps at most before it looks at `stopped` again, ms. */
const LOOK_MS = 250;
/**
 * How long past the last trace's timeout the run waits for a read still in flight (the client
 * waiting out a 429), at least, ms; then the traces left are undecided.
 */
const LATE_MS = 10_000;

/** Options for {@link VisibleProbe}. */
export interface VisibleProbeOptions {
  /** The run's client, its reads spaced at `readsPerSecond` (see LangfuseClient.withReadRate). */
  client: Pick<LangfuseClient, "detectGeneration" | "traceVisible">;
  /** Chooses the sample: the same traces for a seed. */
  seed: number;
  /** How long a trace is read before it counts as never visible, ms. */
  timeoutMs: number;
  /** The read budget: traces are watched only while their reads fit in it. */
  readsPerSecond: number;
  /** The least time between two reads of one trace; default {@link DEFAULT_VISIBLE_POLL_MS}. */
  pollMs?: number;
  /** Each k-th trace is chosen (by id and seed); default 1, every trace the budget has room for. */
  every?: number;
  clock: Clock;
  /** True stops probing (Ctrl-C): the traces not yet decided are counted undecided. */
  stopped: () => boolean;
  /**
   * How long past the last trace's timeout a read still in flight is waited for, ms; default
   * a tenth of the timeout, at least 10 s.
   */
  lateMs?: number;
  /** Called when the probe gives up (stopped, or reads waiting too long): aborts its reads. */
  cancelReads?: () => void;
  /** Each trace found, with when it was acknowledged (epoch ms): the HTML page's series. */
  onFound?: (acknowledgedMs: number, ms: number) => void;
}

interface Watched {
  acknowledgedMs: number;
  dueMs: number;
}

/** Probes the traces acknowledged until each is readable or timed out. */
export class VisibleProbe {
  readonly #options: VisibleProbeOptions;
  readonly #pollMs: number;
  readonly #every: number;
  readonly #tally = new VisibleTally();
  readonly #watched = new Map<string, Watched>();
  #generation?: LangfuseGeneration;
  #closed = false;
  /** Stopped while a read was in flight: the loop's late answer changes nothing. */
  #abandoned = false;
  #ended = false;
  #lastAcknowledgedMs = -Infinity;
  /** Until then the budget had no room: chosen traces are left out without counting reads. */
  #fullUntilMs = -Infinity;
  #wake?: () => void;
  readonly #done: Promise<void>;

  /** Starts probing: the read API is asked for at once (one or two reads). */
  constructor(options: VisibleProbeOptions) {
    this.#options = options;
    this.#pollMs = options.pollMs ?? DEFAULT_VISIBLE_POLL_MS;
    this.#every = Math.max(1, options.every ?? 1);
    this.#done = this.#run();
  }

  /**
   * Traces whose root spans were acknowledged at `atMs` (epoch ms); the chosen ones the read
   * budget has room for are watched. Called from the send path: returns at once, reads nothing.
   */
  acknowledged(traceIds: readonly string[], atMs: number): void {
    if (this.#closed) return;
    const seed = this.#options.seed;
    for (const traceId of traceIds) {
      if (!chosenForProbe(traceId, { seed, every: this.#every })) continue;
      if (this.#watched.has(traceId)) continue;
      if (atMs < this.#fullUntilMs || !this.#room(atMs)) {
        this.#fullUntilMs = atMs + this.#pollMs;
        this.#tally.skipped++;
        continue;
      }
      this.#watched.set(traceId, { acknowledgedMs: atMs, dueMs: atMs + this.#pollMs });
      this.#lastAcknowledgedMs = Math.max(this.#lastAcknowledgedMs, atMs);
    }
    this.#wake?.();
  }

  /** How many traces are watched now (not decided yet). */
  get watching(): number {
    return this.#watched.size;
  }

  /**
   * No more traces come: resolves with the report field once every trace watched is decided
   * (up to the timeout after the last was acknowledged), or at once when the run is stopped
   * (without waiting for a read in flight). Reads still waiting (out a 429) well past the
   * timeout are given up: their traces are undecided.
   */
  async finish(): Promise<VisibleReport> {
    this.#closed = true;
    this.#wake?.();
    const { clock, stopped, timeoutMs } = this.#options;
    const last = Number.isFinite(this.#lastAcknowledgedMs)
      ? this.#lastAcknowledgedMs + timeoutMs
      : clock.now();
    const lateMs = last + (this.#options.lateMs ?? Math.max(LATE_MS, timeoutMs / 10));
    let looking = true;
    const stop = (async () => {
      while (looking && !stopped() && clock.now() < lateMs) {
        await clock.sleepUntil(Math.min(clock.now() + LOOK_MS, lateMs));
        // A clock that answers at once (a test's) must not run out the wait before a read under
        // way can answer: let I/O run between looks.
        await new Promise<void>((resolve) => setTimeout(resolve, 0));
      }
    })();
    await Promise.race([this.#done, stop]);
    looking = false;
    if (!this.#ended && !this.#abandoned) {
      if (!stopped()) {
        this.#tally.stopped ??= "a read was still waiting (Langfuse's rate limit?) " +
          `${formatMs(lateMs - last)} past the --visible-timeout of the last trace probed`;
      }
      this.#abandon();
    }
    return this.#tally.report({
      ...(this.#generation ? { api: this.#generation } : {}),
      readsPerSecond: this.#options.readsPerSecond,
      timeoutMs: this.#options.timeoutMs,
      sampleEvery: this.#every,
    });
  }

  #room(atMs: number): boolean {
    const ages = [...this.#watched.values()].map((w) => atMs - w.acknowledgedMs);
    return roomForOneMore(ages, {
      pollMs: this.#pollMs,
      readsPerSecond: this.#options.readsPerSecond,
    });
  }

  async #run(): Promise<void> {
    const { client, clock, timeoutMs } = this.#options;
    try {
      this.#generation = await client.detectGeneration();
    } catch (error) {
      this.#tally.stopped = `the read API could not be found: ${(error as Error).message}`;
    }
    while (this.#generation && !this.#options.stopped()) {
      if (this.#closed && this.#watched.size === 0) break;
      const next = this.#earliest();
      if (!next) {
        await this.#idle();
        continue;
      }
      const nowMs = clock.now();
      if (next[1].dueMs > nowMs) {
        await this.#sleepUntil(Math.min(next[1].dueMs, nowMs + LOOK_MS));
        continue;
      }
      const [traceId, watched] = next;
      let seen: boolean;
      try {
        seen = await client.traceVisible(traceId, this.#generation);
      } catch (error) {
        this.#tally.stopped = `a read failed: ${(error as Error).message}`;
        break;
      }
      if (this.#abandoned) return;
      this.#tally.reads++;
      // Readable by the time the answer came: an upper bound, within a read's spacing.
      const ageMs = clock.now() - watched.acknowledgedMs;
      if (seen) {
        this.#watched.delete(traceId);
        this.#tally.found(ageMs);
        this.#options.onFound?.(watched.acknowledgedMs, ageMs);
      } else if (ageMs >= timeoutMs) {
        this.#watched.delete(traceId);
        this.#tally.never(traceId);
      } else {
        // The last read falls on the timeout, so a trace is never judged early.
        watched.dueMs = Math.min(
          clock.now() + nextReadDelayMs(ageMs, { pollMs: this.#pollMs }),
          watched.acknowledgedMs + timeoutMs,
        );
      }
    }
    this.#ended = true;
    if (!this.#abandoned) this.#abandon();
  }

  /** Counts the traces not decided as undecided; the loop stops changing the tally. */
  #abandon(): void {
    this.#abandoned = true;
    // A read still under way would keep the process up after the summary.
    if (!this.#ended) this.#options.cancelReads?.();
    this.#tally.undecided += this.#watched.size;
    this.#watched.clear();
  }

  #earliest(): [string, Watched] | undefined {
    let best: [string, Watched] | undefined;
    for (const entry of this.#watched) {
      if (!best || entry[1].dueMs < best[1].dueMs) best = entry;
    }
    return best;
  }

  /**
   * Nothing to read: waits for a trace to be acknowledged or the probe to finish, looking at
   * `stopped` every LOOK_MS of real time. Not on the run's clock: a clock that answers at once (a
   * test's, or a backfill's that jumps) would spin here without ever letting the sending's I/O run.
   */
  #idle(): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.#wake?.(), LOOK_MS);
      this.#wake = () => {
        this.#wake = undefined;
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Sleeps until `epochMs`, or until a trace is acknowledged or the probe is finished. */
  #sleepUntil(epochMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#wake = () => {
        this.#wake = undefined;
        resolve();
      };
      void this.#options.clock.sleepUntil(epochMs).then(() => this.#wake?.());
    });
  }
}
