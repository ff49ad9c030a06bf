/**
 * How a stopped run ends: each stop signal's exit code (128 + n) and the words a report uses for
 * it. The command line catches the signals (`cli/interrupt.ts`); the run only names them.
 */
import { EXIT } from "./exit_codes.ts";

/** The signals that stop a run. */
export type StopSignal = "SIGINT" | "SIGTERM" | "SIGHUP";

/** Each signal's exit code and how a report names the stop. */
const STOPS: Record<StopSignal, { code: number; text: string }> = {
  SIGINT: { code: EXIT.interrupted, text: "interrupted (Ctrl-C)" },
  SIGTERM: { code: EXIT.terminated, text: "terminated (SIGTERM)" },
  SIGHUP: { code: EXIT.hungUp, text: "hung up (SIGHUP)" },
};

/** The exit code of a run stopped by `signal`: 130 SIGINT, 143 SIGTERM, 129 SIGHUP (128 + n). */
export function exitCodeFor(signal: StopSignal): number {
  return STOPS[signal].code;
}

/** How a report names why the run stopped, e.g. "interrupted (Ctrl-C)" or "hung up (SIGHUP)". */
export function stopText(signal: StopSignal | undefined): string {
  return STOPS[signal ?? "SIGINT"].text;
}
