/** Test helper: runs a package task (`deno task …` / `bun run …`) as a user does, in a child process. */
import process from "node:process";
import { spawn } from "node:child_process";
import { taskProcess } from "./cli_process.ts";

/** How a task ended and what it printed. */
export interface TaskResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Options for {@link startTask}. */
export interface TaskOptions {
  /** Added to the environment; NO_COLOR is always set. */
  env?: Record<string, string>;
  /** Leave out this process's Langfuse and OpenTelemetry variables; default false. */
  isolated?: boolean;
  /** Keep the task runner's own line about the command it runs out of stderr; default false. */
  quiet?: boolean;
  /** Called with stdout as printed so far, after each chunk. */
  onStdout?: (stdout: string) => void;
  /** Killed (SIGKILL) after this long; default 60 s. */
  timeoutMs?: number;
}

/** Starts the task `name` with `args`; resolves when it exits. */
export function startTask(
  name: string,
  args: string[],
  options: TaskOptions = {},
): Promise<TaskResult> {
  const { command, args: argv } = taskProcess(name, args);
  if (options.quiet) argv.splice(1, 0, "Deno" in globalThis ? "--quiet" : "--silent");
  const inherited = options.isolated
    ? Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !/^(LANGFUSE_|OTEL_)/.test(name)),
    )
    : process.env;
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, {
      env: { ...inherited, ...options.env, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      options.onStdout?.(stdout);
    });
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const guard = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Runs `task` with `args` as a user does, quietly, in an environment without this process's
 * Langfuse and OpenTelemetry variables, plus `env`.
 */
export function runTask(
  task: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<TaskResult> {
  return startTask(task, args, { env, isolated: true, quiet: true, timeoutMs: 300_000 });
}
