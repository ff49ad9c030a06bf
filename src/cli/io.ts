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
}
