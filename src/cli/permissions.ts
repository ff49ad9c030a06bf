/**
 * Permission errors in the tool's own words: Deno refusing an access its flags did not grant
 * (`NotCapable`), or the operating system refusing a path (EACCES, EPERM, EROFS). They are the
 * user's to fix, so they end a command with exit 2 and say what to do, never "Internal error".
 */
import { taskCommand } from "../runtime.ts";

/** An access Deno refused: its kind (read, write, net, env, sys, run), what for, the flag. */
export interface DenoDenial {
  kind: string;
  /** The path, host, variable or item asked for, when Deno names it. */
  target?: string;
  /** The flag that grants it, e.g. `--allow-write`. */
  flag: string;
}

/** The access Deno refused, when `error` is Deno's NotCapable error; else undefined. */
export function denoDenial(error: unknown): DenoDenial | undefined {
  if (!(error instanceof Error) || error.name !== "NotCapable") return undefined;
  const access = /Requires (\w+) access(?: to "([^"]*)")?/.exec(error.message);
  if (!access) return undefined;
  const flag = /--allow-[a-z-]+/.exec(error.message)?.[0] ?? `--allow-${access[1]}`;
  return { kind: access[1], ...(access[2] !== undefined ? { target: access[2] } : {}), flag };
}

/** Why a path could not be used, in a few words, when a permission is the cause; else undefined. */
export function permissionReason(error: unknown): string | undefined {
  const denial = denoDenial(error);
  if (denial) return `Deno was not given ${denial.kind} access (${denial.flag})`;
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EROFS") return "the file system is read-only";
  return undefined;
}

/**
 * The message for a permission error that reached `main` while `command` ran (undefined: not a
 * known command), or undefined when `error` is something else.
 */
export function permissionMessage(error: unknown, command?: string): string | undefined {
  const denial = denoDenial(error);
  if (denial) {
    const what = denial.target === undefined ? "" : ` to "${denial.target}"`;
    const task = command === undefined
      ? `Each command's task (${taskCommand("<command>")}) grants every permission it needs`
      : `\`${taskCommand(command)}\` grants every permission ${command} needs`;
    return `Deno did not give session-replay ${denial.kind} access${what} (${denial.flag}). ` +
      `${task}; with deno run, add ${denial.flag}.`;
  }
  const reason = permissionReason(error);
  if (reason === undefined) return undefined;
  const { path, syscall } = error as { path?: unknown; syscall?: unknown };
  const verb = typeof syscall === "string" ? syscall : "use";
  return typeof path === "string"
    ? `Cannot ${verb} "${path}": ${reason}`
    : `Cannot ${verb}: ${reason}`;
}
