/**
 * Why a file operation failed, in the tool's words rather than the runtime's: the messages of
 * Node's error codes and of Deno's permission errors differ between runtimes and say little to
 * a user. Pure.
 */

/** Why a file operation failed, e.g. "no space left on the device". */
export function fsReason(error: unknown): string {
  const code = (error as { code?: string } | undefined)?.code;
  const name = (error as Error | undefined)?.name;
  if (code === "EEXIST" || code === "ENOTDIR") return "a file is in the way";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EROFS") return "the file system is read-only";
  if (code === "ENOSPC") return "no space left on the device";
  if (code === "EDQUOT") return "the disk quota is used up";
  if (code === "EISDIR") return "it is a directory";
  if (code === "ENOENT") return "no such file or directory";
  // Deno's permission errors: the deno tasks grant reading and writing files, which does not
  // cover devices such as /dev/full.
  if (name === "NotCapable" || name === "PermissionDenied") {
    const needs = /Requires (\w+) access/.exec((error as Error).message)?.[1];
    return `Deno's permissions for this run do not allow it${
      needs === "all" ? " (a device file needs --allow-all)" : needs ? ` (it needs ${needs})` : ""
    }; choose a regular file in a directory you can write`;
  }
  return (error as Error)?.message ?? String(error);
}
