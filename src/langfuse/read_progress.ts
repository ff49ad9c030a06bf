/**
 * Progress of long reads. A read phase ("sessions", "comments") says how far it got after each
 * request; a line such as `verify: reading comments 120/387` goes out once the phase has run
 * longer than `quietMs` (2 s), then at most every `everyMs` (5 s), and a last one when a phase
 * that spoke ends. Short phases say nothing, so quick runs stay quiet. Time is a parameter.
 *
 * @example
 * ```ts
 * const reads = new ReadProgress({ label: "verify", write: (l) => stderr.write(l), now: Date.now });
 * const phase = reads.phase("comments", comments.length);
 * for (const [i, c] of comments.entries()) { await check(c); phase.at(i + 1); }
 * phase.end();
 * ```
 */

/** Options for {@link ReadProgress}. */
export interface ReadProgressOptions {
  /** The command, first on each line, e.g. "verify"; required. */
  label: string;
  /** Where lines go (stderr), each ending in a newline; required. */
  write: (line: string) => void;
  /** Clock in epoch ms; required. */
  now: () => number;
  /** How long a phase runs before its first line; default 2 000 ms. */
  quietMs?: number;
  /** Least time between two lines of one phase; default 5 000 ms. */
  everyMs?: number;
}

/** One read phase: how far it got, told as it goes. */
export interface ReadPhase {
  /** `done` of the phase's total are read. */
  at(done: number): void;
  /** The phase is over; a phase that spoke says its last count. */
  end(): void;
}

/** A phase that tells nobody: for callers without progress. */
export const SILENT_PHASE: ReadPhase = { at() {}, end() {} };

/** Starts read phases whose progress goes to one writer. */
export class ReadProgress {
  readonly #options: Required<ReadProgressOptions>;

  /** Creates the reporter; nothing is written until a phase runs long. */
  constructor(options: ReadProgressOptions) {
    this.#options = { quietMs: 2_000, everyMs: 5_000, ...options };
  }

  /** Starts a phase reading `total` things, named by `what` ("comments"). */
  phase(what: string, total: number): ReadPhase {
    const { label, write, now, quietMs, everyMs } = this.#options;
    const started = now();
    let last: number | undefined;
    let done = 0;
    const line = () => write(`${label}: reading ${what} ${done}/${total}\n`);
    return {
      at(count: number): void {
        done = Math.min(total, count);
        const t = now();
        if (last === undefined ? t - started < quietMs : t - last < everyMs) return;
        last = t;
        line();
      },
      end(): void {
        if (last === undefined) return;
        done = total;
        line();
      },
    };
  }
}

/** The phase of `progress`, or one that tells nobody. */
export function phaseOf(
  progress: ReadProgress | undefined,
  what: string,
  total: number,
): ReadPhase {
  return progress === undefined ? SILENT_PHASE : progress.phase(what, total);
}
