/**
 * What Ctrl-C (SIGINT), SIGTERM and SIGHUP mean to a run. SIGTERM is how Kubernetes, Docker and
 * systemd ask a process to stop, and SIGHUP is what a closed terminal or a dropped SSH session
 * sends, so both are treated as Ctrl-C is. A terminal sends SIGINT to the whole
 * foreground process group, and `deno task` / `bun run` forward it to their child as well, so
 * one key press can reach the tool twice within milliseconds: signals that close together
 * count as one. The first stops the run gracefully (no new sessions, in-flight spans delivered,
 * report written, exit 130 for SIGINT, 143 for SIGTERM or 129 for SIGHUP); a second, deliberate one later
 * quits at once.
 */
import { exitCodeFor, type StopSignal } from "../run/stop.ts";

/** Options for {@link interruptHandler}. */
export interface InterruptOptions {
  /** The clock, in ms. */
  now: () => number;
  /** Signals within this many ms after the first count as the same one; default 1 000. */
  sameWithinMs?: number;
  /** Whether the command stops gracefully on the first signal; default true. */
  graceful?: boolean;
  /** Called once, on the first signal to a graceful command. */
  onStop?: (signal: StopSignal) => void;
  /** Called when the tool should quit at once, with the exit code for the signal. */
  onQuit: (code: number) => void;
}

/** The signal listener and whether it has fired; `handle` is what each signal calls. */
export interface InterruptHandler {
  /** Call on every SIGINT (the default), SIGTERM or SIGHUP. */
  handle(signal?: StopSignal): void;
  /** Whether a stop signal was received. */
  interrupted(): boolean;
  /** The first signal received, if any. */
  signal(): StopSignal | undefined;
}

/** A stop policy: first stops gracefully, echoes within `sameWithinMs` are ignored, later quits. */
export function interruptHandler(options: InterruptOptions): InterruptHandler {
  const sameWithinMs = options.sameWithinMs ?? 1_000;
  let firstMs: number | undefined;
  let first: StopSignal | undefined;
  return {
    handle(signal = "SIGINT") {
      const now = options.now();
      if (firstMs === undefined) {
        firstMs = now;
        first = signal;
        if (options.graceful ?? true) options.onStop?.(signal);
        else options.onQuit(exitCodeFor(signal));
        return;
      }
      if (now - firstMs > sameWithinMs) options.onQuit(exitCodeFor(first!));
    },
    interrupted: () => firstMs !== undefined,
    signal: () => first,
  };
}
