/**
 * Output paths checked before anything is sent: a run's ids live in its manifest or report, so
 * a directory that cannot be created must stop the run before the first span goes out, not
 * after. Each failure is a usage error naming the flag.
 */
import { constants } from "node:fs";
import { access, mkdir, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { CliError, EXIT } from "./exit_codes.ts";
import { permissionReason } from "./permissions.ts";
import { LinesFile, LinesFileError } from "../report/lines_file.ts";

/** Creates `dir` if needed and checks that it is a directory this process may write in. */
export async function prepareDir(dir: string, flag: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw new CliError(`${flag}: cannot create the directory ${dir}: ${why(error)}`, EXIT.usage);
  }
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new CliError(`${flag}: ${dir} is a file, not a directory`, EXIT.usage);
  }
  try {
    await access(dir, constants.W_OK);
  } catch (error) {
    throw new CliError(`${flag}: cannot write in the directory ${dir}: ${why(error)}`, EXIT.usage);
  }
}

/** Checks that `file` can be written: not a directory, and its directory ready (see above). */
export async function prepareFile(file: string, flag: string): Promise<void> {
  const info = await stat(file).catch(() => undefined);
  if (info?.isDirectory()) {
    throw new CliError(`${flag}: ${file} is a directory; give a file name`, EXIT.usage);
  }
  await prepareDir(dirname(file), flag);
}

function why(error: unknown): string {
  const code = (error as { code?: string }).code;
  if (code === "EEXIST" || code === "ENOTDIR") return "a file is in the way";
  return permissionReason(error) ?? (error as Error).message ?? String(error);
}

/** Opens a JSON-lines file a run writes as it goes (the sessions file); exit 2 if it cannot. */
export function openLines(file: string): LinesFile {
  return asUsageError(() => LinesFile.open(file));
}

/** Closes it; a write that failed on the way (a full disk) ends the command with exit 2. */
export function closeLines(file: LinesFile): void {
  asUsageError(() => file.close());
}

function asUsageError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof LinesFileError) throw new CliError(error.message, EXIT.usage);
    throw error;
  }
}
