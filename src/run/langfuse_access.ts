/**
 * Access to Langfuse's public API from the environment: the variables checked (a usage error
 * names the missing ones, never a value), one client per run or command, and API failures
 * turned into exit 6. One client means one pacer: every step of a run (the production check,
 * prompts and score configs, queues, scores, comments, verify) spends one rate-limit budget
 * and waits out a 429 that an earlier step met instead of meeting it again.
 */
import { LangfuseApiError } from "../langfuse/api_error.ts";
import { LangfuseClient, type LangfuseClientOptions } from "../langfuse/client.ts";
import { checkUrl, TargetError } from "../export/target.ts";
import { type Clock, systemClock } from "../load/clock.ts";
import { CliError, EXIT } from "./exit_codes.ts";

/** The Langfuse variables, or a usage error naming the missing ones (never any value). */
export function langfuseEnv(
  env: Record<string, string | undefined>,
  command: string,
): { baseUrl: string; publicKey: string; secretKey: string } {
  const baseUrl = env.LANGFUSE_BASE_URL || env.LANGFUSE_HOST;
  const missing = [
    ...(baseUrl ? [] : ["LANGFUSE_BASE_URL (or LANGFUSE_HOST)"]),
    ...(env.LANGFUSE_PUBLIC_KEY ? [] : ["LANGFUSE_PUBLIC_KEY"]),
    ...(env.LANGFUSE_SECRET_KEY ? [] : ["LANGFUSE_SECRET_KEY"]),
  ];
  if (missing.length > 0) {
    throw new CliError(
      `${command} needs ${missing.join(" and ")} to be set (the Langfuse project to read from)`,
      EXIT.usage,
    );
  }
  // The same checks as the export target (no query, fragment, credentials or blocked port);
  // the error names the variable, never its value.
  try {
    checkUrl(baseUrl!, env.LANGFUSE_BASE_URL ? "LANGFUSE_BASE_URL" : "LANGFUSE_HOST");
  } catch (error) {
    if (error instanceof TargetError) throw new CliError(error.message, EXIT.usage);
    throw error;
  }
  return {
    baseUrl: baseUrl!.replace(/\/+$/, ""),
    publicKey: env.LANGFUSE_PUBLIC_KEY!,
    secretKey: env.LANGFUSE_SECRET_KEY!,
  };
}

/** Makes a client; tests pass one that counts. */
export type MakeLangfuseClient = (options: LangfuseClientOptions) => LangfuseClient;

/** Options for {@link langfuseClientFromEnv}. */
export interface LangfuseAccessOptions {
  /** Most GET requests a second; default 0 (unlimited). */
  readsPerSecond?: number;
  /** Clock for retry and rate-limit waits; default the system clock. */
  clock?: Clock;
  /** Default `new LangfuseClient(options)`. */
  make?: MakeLangfuseClient;
}

/**
 * The one client of a command that is not a run (purge, grade, record), and its host (safe to
 * print); a usage error names the missing variables.
 */
export function langfuseClientFromEnv(
  env: Record<string, string | undefined>,
  command: string,
  options: LangfuseAccessOptions = {},
): { client: LangfuseClient; host: string } {
  const keys = langfuseEnv(env, command);
  const clock = options.clock ?? systemClock;
  const client = (options.make ?? ((o) => new LangfuseClient(o)))({
    ...keys,
    ...(options.readsPerSecond === undefined ? {} : { readsPerSecond: options.readsPerSecond }),
    now: () => clock.now(),
    sleep: (ms) => clock.sleepUntil(clock.now() + ms),
  });
  return { client, host: keys.baseUrl };
}

/**
 * The Langfuse API of one run: its one client, made from the environment when a step first
 * needs it (a run to another target never makes one), and shared by every later step.
 */
export class RunLangfuse {
  readonly #env: Record<string, string | undefined>;
  readonly #command: string;
  readonly #options: LangfuseAccessOptions;
  #made?: { client: LangfuseClient; host: string };

  /** `command` names the run in a missing-variable error ("replay", "load"). */
  constructor(
    env: Record<string, string | undefined>,
    options: LangfuseAccessOptions & { command: string },
  ) {
    this.#env = env;
    this.#command = options.command;
    this.#options = options;
  }

  /** The run's client, made on first use. */
  get client(): LangfuseClient {
    return this.#access().client;
  }

  /** The Langfuse host the client talks to, without a trailing slash (safe to print). */
  get host(): string {
    return this.#access().host;
  }

  #access(): { client: LangfuseClient; host: string } {
    this.#made ??= langfuseClientFromEnv(this.#env, this.#command, this.#options);
    return this.#made;
  }
}

/** A LangfuseApiError as exit 6 (its message already names variables, never values). */
export function apiFailure(error: unknown): unknown {
  if (error instanceof LangfuseApiError) return new CliError(error.message, EXIT.langfuseApi);
  return error;
}
