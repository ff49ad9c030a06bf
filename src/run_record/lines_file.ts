/**
 * A JSON-lines file written as a run goes, in chunks of at most CHUNK_BYTES, synchronously.
 *
 * A `fs.WriteStream` written once per session queues every line in memory whenever the disk is
 * slower than the run (its `write` never waits): a million-span load held its whole 146 MB
 * sessions file as strings, which was most of the Bun process's 770 MB. Synchronous chunked
 * writes keep at most one chunk in memory and cost one system call per chunk.
 *
 * @example
 * ```ts
 * const file = LinesFile.open("out/run.sessions.jsonl");
 * file.write(JSON.stringify(session));
 * file.close(); // throws if any write failed, naming the file
 * ```
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { fsReason } from "../text/fs_reason.ts";

/** Bytes (UTF-16 code units, close enough) gathered before one write. */
export const CHUNK_BYTES = 64 * 1024;

/** Why a lines file could not be written, naming it; `cause` is the file system's error. */
export class LinesFileError extends Error {
  override readonly name = "LinesFileError";
  /** `path`: the file; `cause`: what the file system threw. */
  constructor(message: string, readonly path: string, override readonly cause?: unknown) {
    super(message);
  }
}

/** A lines file open for writing; see the module's doc. */
export class LinesFile {
  readonly path: string;
  #fd: number | undefined;
  #chunk: string[] = [];
  #size = 0;
  #error: { reason: string; cause: unknown } | undefined;

  private constructor(path: string, fd: number) {
    this.path = path;
    this.#fd = fd;
  }

  /** Creates (or truncates) the file; throws LinesFileError when it cannot. */
  static open(path: string): LinesFile {
    try {
      return new LinesFile(path, openSync(path, "w"));
    } catch (error) {
      throw new LinesFileError(`cannot write ${path}: ${fsReason(error)}`, path, error);
    }
  }

  /** Adds one line (without its newline). After a failed write, lines are dropped; close() says so. */
  write(line: string): void {
    if (this.#fd === undefined) {
      throw new LinesFileError(`${this.path} is already closed`, this.path);
    }
    this.#chunk.push(line, "\n");
    this.#size += line.length + 1;
    if (this.#size >= CHUNK_BYTES) this.#flush();
  }

  /** Writes the lines held so far (a file read while it is written, as the metrics file). */
  flush(): void {
    this.#flush();
  }

  /** Writes what is left and closes; throws LinesFileError if any write failed. */
  close(): void {
    if (this.#fd === undefined) return;
    this.#flush();
    try {
      closeSync(this.#fd);
    } catch (error) {
      this.#error ??= { reason: fsReason(error), cause: error };
    }
    this.#fd = undefined;
    if (this.#error !== undefined) {
      throw new LinesFileError(
        `cannot write ${this.path}: ${this.#error.reason}`,
        this.path,
        this.#error.cause,
      );
    }
  }

  #flush(): void {
    if (this.#size === 0 || this.#fd === undefined) return;
    const text = this.#chunk.join("");
    this.#chunk = [];
    this.#size = 0;
    // The first failure is kept for close(); the run goes on and says so at its end.
    if (this.#error !== undefined) return;
    try {
      const bytes = new TextEncoder().encode(text);
      let written = 0;
      while (written < bytes.length) {
        written += writeSync(this.#fd, bytes, written, bytes.length - written);
      }
    } catch (error) {
      this.#error = { reason: fsReason(error), cause: error };
    }
  }
}
