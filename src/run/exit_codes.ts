/** The process exit codes, one documented list (also in docs/targets.md). */
export const EXIT = {
  /** Everything was done and delivered. */
  ok: 0,
  /** A bug or an unexpected failure inside the tool. */
  internal: 1,
  /** The command line or environment is wrong. */
  usage: 2,
  /** A script is invalid; nothing was sent. */
  invalidScript: 3,
  /** Some spans were not delivered. */
  deliveryFailed: 4,
  /** Verification found differences. */
  verifyMismatch: 5,
  /** Langfuse's API refused or failed. */
  langfuseApi: 6,
  /**
   * A `--threshold` (or a profile's threshold) was missed, or `--abort-on-fail` stopped the run
   * on one; every span was delivered. 99 as k6's "thresholds have failed".
   */
  thresholdMissed: 99,
  /** Interrupted (Ctrl-C): stopped gracefully, what was in flight delivered, report written. */
  interrupted: 130,
  /**
   * Hung up (SIGHUP: the terminal closed or the SSH session dropped): stopped as on Ctrl-C, the
   * report written even though nothing can be printed any more; 128 + 1.
   */
  hungUp: 129,
  /** Terminated (SIGTERM, as Kubernetes stops a pod): stopped as on Ctrl-C; 128 + 15. */
  terminated: 143,
} as const;

/** An error that ends the command with a given exit code and a message for the user. */
export class CliError extends Error {
  override readonly name = "CliError";
  /** `exitCode` from EXIT. */
  constructor(message: string, readonly exitCode: number) {
    super(message);
  }
}
