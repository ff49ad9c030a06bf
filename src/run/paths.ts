/**
 * Output paths: checked before anything is sent, and written at the end in the tool's own
 * words. A run's ids live in its manifest or report, so a directory that cannot be created or
 * a file that cannot be written must stop the run before the first span goes out, not after.
 * Each failure is a usage error naming the flag. A write can still fail at the end (a disk that
 * fills up, a device such as /dev/full): the command then prints its summary anyway and names
 * the file (see {@link writeOutput}).
 */
import { constants } from "node:fs";
import { access, mkdir, open, stat, unlink, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import process from "node:process";
import { CliError, EXIT } from "./exit_codes.ts";
import { fsReason } from "../text/fs_reason.ts";
import { LinesFile, LinesFileError } from "../run_record/lines_file.ts";

/** Creates `dir` if needed and checks that it is a directory this process may write in. */
export async function prepareDir(dir: string, flag: string): Promise<void> {
  // An existing directory is not created again: mkdir asks for more than a write into it
  // (Deno refuses mkdir on /dev even when the file in it may be written).
  let info = await statOrRefuse(dir, flag);
  if (info === undefined) {
    try {
      await mkdir(dir, { recursive: true });
    } catch (error) {
      throw new CliError(
        `${flag}: cannot create the directory ${dir}: ${fsReason(error)}`,
        EXIT.usage,
      );
    }
    info = await statOrRefuse(dir, flag);
  }
  if (!info?.isDirectory()) {
    throw new CliError(
      `${flag}: cannot create the directory ${dir}: a file is in the way`,
      EXIT.usage,
    );
  }
  try {
    await probeWrite(dir);
  } catch (error) {
    throw new CliError(
      `${flag}: cannot write in the directory ${dir}: ${fsReason(error)}`,
      EXIT.usage,
    );
  }
}

/**
 * Creates and removes a file in `dir`: a real write, since access(W_OK) asks the file system
 * only, and Deno answers it yes where its own permissions refuse the write that follows.
 */
async function probeWrite(dir: string): Promise<void> {
  const probe = join(dir, `.session-replay-probe-${process.pid}-${Date.now()}`);
  const handle = await open(probe, "wx");
  await handle.close();
  await unlink(probe);
}

/** Checks that `file` can be written: not a directory, writable if it exists, its directory ready. */
export async function prepareFile(file: string, flag: string): Promise<void> {
  const info = await statOrRefuse(file, flag);
  if (info?.isDirectory()) {
    throw new CliError(`${flag}: ${file} is a directory; give a file name`, EXIT.usage);
  }
  if (info !== undefined) {
    try {
      await access(file, constants.W_OK);
    } catch (error) {
      throw new CliError(`${flag}: cannot write ${file}: ${fsReason(error)}`, EXIT.usage);
    }
  }
  await prepareDir(dirname(file), flag);
}

/** A file a command writes (or reads, where a write must not replace it) and the flag naming it. */
export interface NamedPath {
  flag: string;
  /** Absent: the command does not write it this time. */
  path: string | undefined;
}

/**
 * Refuses two of `paths` that are one file: the later write would replace the earlier one (a
 * report over the spans it counts, a merge over a shard it reads). Checked before anything is
 * sent.
 */
export function refuseSamePath(paths: readonly NamedPath[]): void {
  const seen = new Map<string, string>();
  for (const { flag, path } of paths) {
    if (path === undefined) continue;
    const first = seen.get(resolve(path));
    if (first !== undefined) {
      throw new CliError(
        `${first} and ${flag} name the same file ${path}: give each its own`,
        EXIT.usage,
      );
    }
    seen.set(resolve(path), flag);
  }
}

/** A file written at the end could not be written; the message names the flag and the file. */
export class OutputWriteError extends Error {
  override readonly name = "OutputWriteError";
}

/** Writes `text` to `path`, named by `flag`; throws OutputWriteError in the tool's words. */
export async function writeOutput(path: string, text: string, flag: string): Promise<void> {
  try {
    await writeFile(path, text);
  } catch (error) {
    throw new OutputWriteError(`${flag}: cannot write ${path}: ${fsReason(error)}`);
  }
}

/** Runs `write`; answers the message of an OutputWriteError (or CliError) instead of throwing it. */
export async function attemptWrite(
  write: () => Promise<void> | void,
): Promise<string | undefined> {
  try {
    await write();
    return undefined;
  } catch (error) {
    if (error instanceof OutputWriteError || error instanceof CliError) return error.message;
    throw error;
  }
}

/** `path`'s stat, or undefined when nothing is there; a path that cannot be looked at is refused. */
async function statOrRefuse(path: string, flag: string) {
  try {
    return await stat(path);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw new CliError(`${flag}: cannot write ${path}: ${fsReason(error)}`, EXIT.usage);
  }
}

/**
 * Opens a JSON-lines file a run writes as it goes (the sessions file, in the directory `flag`
 * names); exit 2 if it cannot.
 */
export function openLines(file: string, flag: string): LinesFile {
  return asUsageError(() => LinesFile.open(file), flag);
}

/** Closes it; a write that failed on the way (a full disk) is a usage error naming the file. */
export function closeLines(file: LinesFile, flag: string): void {
  asUsageError(() => file.close(), flag);
}

function asUsageError<T>(fn: () => T, flag: string): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof LinesFileError) {
      throw new CliError(
        `${flag}: cannot write ${error.path}: ${fsReason(error.cause)}`,
        EXIT.usage,
      );
    }
    throw error;
  }
}
