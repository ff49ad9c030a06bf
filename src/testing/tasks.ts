/**
 * Test helper: runs a command the way a user does, through the package task of the runtime
 * running the tests (`deno task <name> …` under Deno, `bun run <name> …` under Bun), so the
 * task's own flags (Deno's permissions) are part of what is tested.
 */
import { spawn } from "node:child_process";
import process from "node:process";

/** How a task run ended and what it printed. */
export interface TaskRun {
  /** The exit code; null when a signal ended it. */
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Options for {@link runTask}. */
export interface TaskOptions {
  /** Variables added to the environment; LANGFUSE_* and OTEL_* of the test's own are removed. */
  env?: Record<string, string>;
  /** Killed after this long; default 120 s. */
  timeoutMs?: number;
}

/** `deno task` or `bun run`, as the runtime running the tests takes it. */
export function taskRunner(): string[] {
  return "Deno" in globalThis ? [process.execPath, "task", "-q"] : [process.execPath, "run"];
}

/** Runs the package task `name` with `args` and answers how it ended. */
export function runTask(name: string, args: string[], options: TaskOptions = {}): Promise<TaskRun> {
  const [command, ...prefix] = taskRunner();
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^(LANGFUSE_|OTEL_)/.test(key)),
  );
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...prefix, name, ...args], {
      env: { ...inherited, NO_COLOR: "1", ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 120_000);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
