/**
 * What Ctrl-C means to a run. A terminal sends SIGINT to the whole foreground process group, and
 * `deno task` / `bun run` forward it to their child as well, so one key press can reach the tool
 * twice within milliseconds: signals that close together count as one Ctrl-C. The first stops
 * the run gracefully (no new sessions, in-flight spans delivered, report written, exit 130); a
 * second, deliberate one later quits at once.
 */

/** Options for {@link interruptHandler}. */
export interface InterruptOptions {
  /** The clock, in ms. */
  now: () => number;
  /** Signals within this many ms after the first count as the same Ctrl-C; default 1 000. */
  sameWithinMs?: number;
  /** Whether the command stops gracefully on the first Ctrl-C; default true. */
  graceful?: boolean;
  /** Called once, on the first Ctrl-C of a graceful command. */
  onStop?: () => void;
  /** Called when the tool should quit at once (exit 130). */
  onQuit: () => void;
}

/** The SIGINT listener and whether it has fired; `handle` is what the signal calls. */
export interface InterruptHandler {
  /** Call on every SIGINT. */
  handle(): void;
  /** Whether a Ctrl-C was received. */
  interrupted(): boolean;
}

/** A Ctrl-C policy: first stops gracefully, echoes within `sameWithinMs` are ignored, later quits. */
export function interruptHandler(options: InterruptOptions): InterruptHandler {
  const sameWithinMs = options.sameWithinMs ?? 1_000;
  let firstMs: number | undefined;
  return {
    handle() {
      const now = options.now();
      if (firstMs === undefined) {
        firstMs = now;
        if (options.graceful ?? true) options.onStop?.();
        else options.onQuit();
        return;
      }
      if (now - firstMs > sameWithinMs) options.onQuit();
    },
    interrupted: () => firstMs !== undefined,
  };
}
