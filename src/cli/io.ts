import type { Clock } from "../load/clock.ts";

/** What commands need from the outside world, passed in so tests can run them in-process. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  env: Record<string, string | undefined>;
  now(): number;
  /** A fresh random seed for unseeded runs. */
  randomSeed(): number;
  /** Whether Ctrl-C was pressed. */
  interrupted(): boolean;
  /** Whether output may use ANSI colours. */
  color: boolean;
  /** Progress output of long runs (stderr); default none. */
  progress?: (text: string) => void;
  /** Whether stderr is a terminal (a live progress line). */
  errIsTty?: boolean;
  /** The clock load runs wait on; default the system clock. */
  clock?: Clock;
  /** Asks a yes/no question; absent when nobody can answer (stdin is not a terminal). */
  confirm?: (question: string) => Promise<boolean>;
}
