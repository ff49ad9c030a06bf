/** Test helper: runs a package task (`deno task …` / `bun run …`) as a user does, in a child process. */
import process from "node:process";
import { spawn } from "node:child_process";
import { taskProcess } from "../runtime.ts";

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
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, {
      env: { ...process.env, ...options.env, NO_COLOR: "1" },
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
