/** Test helpers for running commands in-process: a fake Io with captured output, and a runner. */
import { CliError } from "../src/run/exit_codes.ts";
import type { Io } from "../src/run/io.ts";
import { NOW } from "./clock.ts";

/** A fake Io and what was written to it. */
export interface CapturedIo {
  io: Io;
  /** Lines written to out, joined by newlines. */
  out(): string;
  /** Lines written to err, joined by newlines. */
  err(): string;
  /** Progress text as written, concatenated. */
  progress(): string;
}

/**
 * An Io with `env`, the time fixed at {@link NOW}, random seed 1, nothing interrupted and no
 * colour, whose out, err and progress are captured; `overrides` replaces or adds fields.
 */
export function captureIo(
  env: Record<string, string> = {},
  overrides: Partial<Io> = {},
): CapturedIo {
  const out: string[] = [];
  const err: string[] = [];
  const progress: string[] = [];
  const io: Io = {
    out: (text) => out.push(text),
    err: (text) => err.push(text),
    env,
    now: () => NOW,
    randomSeed: () => 1,
    interrupted: () => false,
    color: false,
    progress: (text) => progress.push(text),
    ...overrides,
  };
  return {
    io,
    out: () => out.join("\n"),
    err: () => err.join("\n"),
    progress: () => progress.join(""),
  };
}

/** Runs a command as main does: a CliError becomes its message on stderr and its exit code. */
export async function runCommand<T extends Io>(
  command: (args: string[], io: T) => Promise<number>,
  args: string[],
  io: T,
): Promise<number> {
  try {
    return await command(args, io);
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    io.err(error.message);
    return error.exitCode;
  }
}
