/**
 * Why a file operation failed, in the tool's words rather than the runtime's: the messages of
 * Node's error codes and of Deno's permission errors differ between runtimes and say little to
 * a user. Pure.
 */

/** Why a file operation failed, e.g. "no space left on the device". */
export function fsReason(error: unknown): string {
  const code = (error as { code?: string } | undefined)?.code;
  if (code === "EEXIST" || code === "ENOTDIR") return "a file is in the way";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EROFS") return "the file system is read-only";
  if (code === "ENOSPC") return "no space left on the device";
  if (code === "EDQUOT") return "the disk quota is used up";
  if (code === "EISDIR") return "it is a directory";
  if (code === "ENOENT") return "no such file or directory";
  const denial = denoDenial(error);
  if (denial) {
    // The deno tasks grant reading and writing files, which does not cover devices.
    return `Deno was not given ${denial.kind} access (${denial.flag})` +
      (denial.kind === "all"
        ? ", which a device file such as /dev/full needs; choose a regular file in a directory " +
          "you can write"
        : "");
  }
  return (error as Error)?.message ?? String(error);
}

/** An access Deno refused: its kind (read, write, net, env, sys, run, all), what for, the flag. */
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
