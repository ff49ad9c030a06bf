import type { Clock } from "../load/clock.ts";
import type { StopSignal } from "./stop.ts";

/** What commands need from the outside world, passed in so tests can run them in-process. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  env: Record<string, string | undefined>;
  now(): number;
  /** A fresh random seed for unseeded runs. */
  randomSeed(): number;
  /** Whether Ctrl-C was pressed (or SIGTERM or SIGHUP received). */
  interrupted(): boolean;
  /** Which signal stopped the run, when one did; absent: Ctrl-C (SIGINT). */
  stopSignal?: () => StopSignal | undefined;
  /** Whether output may use ANSI colours. */
  color: boolean;
  /** Progress output of long runs (stderr); default none. */
  progress?: (text: string) => void;
  /** Whether stderr is a terminal (a live progress line). */
  errIsTty?: boolean;
  /** The machine's cores, the default of `load --workers`; absent: 1 (in-process, as tests run). */
  cores?: () => number;
  /** The clock load runs wait on; default the system clock (worker threads always use it). */
  clock?: Clock;
  /** Asks a yes/no question; absent when nobody can answer (stdin is not a terminal). */
  confirm?: (question: string) => Promise<boolean>;
}
