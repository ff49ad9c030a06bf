/**
 * Permission errors in the tool's own words: Deno refusing an access its flags did not grant
 * (`NotCapable`), or the operating system refusing a path (EACCES, EPERM, EROFS). They are the
 * user's to fix, so they end a command with exit 2 and say what to do, never "Internal error".
 */
import { taskCommand } from "../runtime.ts";
import { denoDenial, fsReason } from "../text/fs_reason.ts";

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
  const code = (error as { code?: unknown } | null)?.code;
  if (code !== "EACCES" && code !== "EPERM" && code !== "EROFS") return undefined;
  const reason = fsReason(error);
  const { path, syscall } = error as { path?: unknown; syscall?: unknown };
  const verb = typeof syscall === "string" ? syscall : "use";
  return typeof path === "string"
    ? `Cannot ${verb} "${path}": ${reason}`
    : `Cannot ${verb}: ${reason}`;
}
