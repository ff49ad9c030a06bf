/**
 * Test helpers that run the CLI as a user does, through `deno task` / `bun run` under the
 * runtime running the tests, and signal it as a terminal or Kubernetes would.
 */
import process from "node:process";
import { spawn } from "node:child_process";

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

/** The package task `name` (e.g. "load") with `args`, as a program and its arguments. */
export function taskCommand(name: string, args: string[]): string[] {
  const { command, args: argv } = taskProcess(name, args);
  return [command, ...argv];
}

/** `script` run by the runtime running the tests, as a program and its arguments. */
export function scriptCommand(script: string, args: string[]): string[] {
  const { command, args: argv } = selfCommand(script, args);
  return [command, ...argv];
}

/** How a relayed command ended. */
export interface RelayedExit {
  /** The exit code; null when a signal ended the process instead. */
  code: number | null;
  /** The signal that ended it, if one did. */
  signal: string | null;
  stdout: string;
  stderr: string;
  /** From the signal sent to the end, ms; null when none was sent. */
  afterSignalMs: number | null;
}

/**
 * Node starts the command as a process group leader and, on each line read from its stdin,
 * sends the signal named in that line to the whole group (as a terminal's Ctrl-C does) or, for
 * a line "<SIGNAL> leader", to the leader only (as Kubernetes signals a container's first
 * process); a line "<SIGNAL> leader hangup" first closes the command's output, as a closed
 * terminal does, so its writes fail from then on. Then prints how the command exited and what
 * it printed (up to a hangup). Deno's node:child_process can neither start a
 * process group nor report a signalled child's own exit code.
 */
const RELAY = `const { spawn } = require("node:child_process");
const [command, ...args] = process.argv.slice(1);
const child = spawn(command, args, { detached: true, stdio: ["ignore", "pipe", "pipe"] });
let stdout = "";
let stderr = "";
let signalledAt = null;
child.stdout.on("data", (chunk) => (stdout += chunk));
child.stderr.on("data", (chunk) => (stderr += chunk));
process.stdin.setEncoding("utf8");
let pending = "";
process.stdin.on("data", (chunk) => {
  pending += chunk;
  let at;
  while ((at = pending.indexOf("\\n")) >= 0) {
    const [signal, who, hangup] = pending.slice(0, at).trim().split(" ");
    pending = pending.slice(at + 1);
    if (hangup) {
      child.stdout.destroy();
      child.stderr.destroy();
    }
    signalledAt ??= Date.now();
    try { process.kill(who === "leader" ? child.pid : -child.pid, signal); } catch {}
  }
});
const guard = setTimeout(() => process.kill(-child.pid, "SIGKILL"), 120000);
child.on("exit", (code, signal) => {
  clearTimeout(guard);
  const afterSignalMs = signalledAt === null ? null : Date.now() - signalledAt;
  console.log(JSON.stringify({ code, signal, stdout, stderr, afterSignalMs }));
  process.exit(0);
});`;

/** A command running under the relay. */
export interface Relayed {
  /** Sends `signal` to the command's process group, or to its first process only. */
  signal(signal: "SIGINT" | "SIGTERM" | "SIGHUP", to?: "group" | "leader"): void;
  /**
   * Closes the command's output, as a closing terminal or a dropped SSH session does, then
   * sends SIGHUP to its first process (the terminal's shell passes it to the job).
   */
  hangUp(): void;
  /** How the command ended. */
  exited: Promise<RelayedExit>;
}

/** Starts `command` (program and arguments) under the relay; `env` is added to this one's. */
export function relay(command: string[], env: Record<string, string> = {}): Relayed {
  const child = spawn("node", ["-e", RELAY, ...command], {
    env: { ...process.env, NO_COLOR: "1", ...env },
    stdio: ["pipe", "pipe", "inherit"],
  });
  let stdout = "";
  child.stdout!.on("data", (chunk) => (stdout += chunk));
  const exited = new Promise<RelayedExit>((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", () => {
      try {
        resolve(JSON.parse(stdout));
      } catch {
        reject(new Error(`the relay printed ${JSON.stringify(stdout)}`));
      }
    });
  });
  return {
    signal: (signal, to = "group") =>
      child.stdin!.write(`${signal}${to === "leader" ? " leader" : ""}\n`),
    hangUp: () => child.stdin!.write("SIGHUP leader hangup\n"),
    exited,
  };
}

/** Resolves once `check` answers true, polling every 20 ms; rejects after `timeoutMs`. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 60_000) {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`gave up waiting after ${timeoutMs}ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
