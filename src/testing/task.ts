/**
 * Test helper: runs a command the way a user does, as a package task of the runtime running
 * the tests (`deno task load …` under Deno, `bun run load …` under Bun), in its own process.
 */
import process from "node:process";
import { spawn } from "node:child_process";

/** How a task ended and what it printed. */
export interface TaskResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `task` (a `deno.json` task and `package.json` script of the same name) with `args`.
 * The environment is this process's without its Langfuse and OpenTelemetry variables, plus `env`.
 */
export function runTask(
  task: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<TaskResult> {
  const isDeno = "Deno" in globalThis;
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(LANGFUSE_|OTEL_)/.test(name)),
  );
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [...(isDeno ? ["task", "--quiet", task] : ["run", "--silent", task]), ...args],
      { env: { ...inherited, NO_COLOR: "1", ...env }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
