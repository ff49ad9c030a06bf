/** The one place that knows which runtime runs us, for starting a child process of ourselves. */
import process from "node:process";

/** The command and arguments that run `script` under the current runtime (Deno or Bun). */
export function selfCommand(script: string, args: string[]): { command: string; args: string[] } {
  const isDeno = "Deno" in globalThis;
  return {
    command: process.execPath,
    args: isDeno ? ["run", "--allow-all", script, ...args] : [script, ...args],
  };
}

/** The command and arguments that run the package task `name` as a user does: `deno task` or `bun run`. */
export function taskProcess(name: string, args: string[]): { command: string; args: string[] } {
  const isDeno = "Deno" in globalThis;
  return { command: process.execPath, args: [isDeno ? "task" : "run", name, ...args] };
}

/**
 * How a user runs the package task `name` under the runtime running now, for hints printed to
 * them: `deno task replay` under Deno, `bun run replay` under Bun (deno.json's tasks and
 * package.json's scripts carry the same names).
 */
export function taskCommand(name: string): string {
  return "Deno" in globalThis ? `deno task ${name}` : `bun run ${name}`;
}
