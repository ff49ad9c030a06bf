/**
 * session-replay's entry point: parses the command, runs it, and is the one place that prints
 * errors and sets the exit code.
 *
 * @example
 * deno task replay conversations/order-status.yaml
 */
import process from "node:process";
import { availableParallelism } from "node:os";
import { CliError, EXIT } from "./run/exit_codes.ts";
import { gradeCommand } from "./cli/grade.ts";
import type { Io } from "./run/io.ts";
import { interruptHandler } from "./cli/interrupt.ts";
import { exitCodeFor, type StopSignal } from "./run/stop.ts";
import { loadCommand } from "./cli/load.ts";
import { purgeCommand, terminalConfirm } from "./cli/purge.ts";
import { recordCommand } from "./cli/record.ts";
import { redactedIo } from "./cli/redacted_io.ts";
import { verifyCommand } from "./cli/verify.ts";
import { replayCommand } from "./cli/replay.ts";
import { reportCommand } from "./cli/report.ts";
import { validateCommand } from "./cli/validate.ts";
import { TargetError } from "./export/target.ts";
import { ScriptError } from "./script/errors.ts";
import { VERSION } from "./version.ts";
import { permissionMessage } from "./cli/permissions.ts";
import { taskCommand } from "./runtime.ts";

const HELP =
  `session-replay ${VERSION}: replays scripted agent conversations as OpenTelemetry traces into Langfuse.

Usage: session-replay <command> [options]

Commands:
  replay <script.yaml>...    replay each script as one session (${taskCommand("replay")} ...)
  load <script.yaml>...      many varied sessions, backfilled or live (${taskCommand("load")} ...)
  validate <script.yaml>...  check scripts without sending, --realism: how real a load reads (${
    taskCommand("validate")
  } ...)
  verify <out/run.json>      read a run back from Langfuse and compare (${
    taskCommand("verify")
  } ...)
  purge <out/run.json>       delete a run's traces from Langfuse (${taskCommand("purge")} ...)
  grade <out/run.json>       grade reviewers' annotations against the run's answer key (${
    taskCommand("grade")
  } ...)
  record --session ID ...    real sessions (Langfuse, OTLP file, live app) into scripts (${
    taskCommand("record")
  } ...)
  report merge <shard.load.json>...  combine the load reports of a run's shards (${
    taskCommand("report")
  } merge ...)

Run a command with --help for its options.`;

/** Every command, by the name its task and script carry. */
export const COMMANDS: Record<string, (args: string[], io: Io) => Promise<number>> = {
  replay: replayCommand,
  load: loadCommand,
  verify: verifyCommand,
  purge: purgeCommand,
  validate: validateCommand,
  grade: gradeCommand,
  record: recordCommand,
  report: reportCommand,
};

/** Runs the CLI with `argv` (without the program name); returns the exit code. */
export async function main(argv: string[], rawIo: Io): Promise<number> {
  const [command, ...args] = argv;
  let io = rawIo;
  try {
    // Every line printed, on every path, has the run's secrets removed here.
    io = redactedIo(rawIo);
    return stopped(await dispatch(command, args, io), io);
  } catch (error) {
    return failed(error, io, command);
  }
}

/** A run stopped by SIGTERM or SIGHUP ends as on Ctrl-C, with that signal's own exit code. */
function stopped(code: number, io: Io): number {
  const signal = io.stopSignal?.();
  return code === EXIT.interrupted && signal !== undefined ? exitCodeFor(signal) : code;
}

async function dispatch(command: string | undefined, args: string[], io: Io): Promise<number> {
  if (command === undefined || command === "help" || command === "--help" || command === "-h") {
    io.out(HELP);
    return command === undefined ? EXIT.usage : EXIT.ok;
  }
  if (command === "--version") {
    io.out(VERSION);
    return EXIT.ok;
  }
  const run = COMMANDS[command];
  if (!run) {
    io.err(`Unknown command "${command}".\n\n${HELP}`);
    return EXIT.usage;
  }
  return await run(args, io);
}

/** Prints what ended `command` and answers its exit code: the one place errors become codes. */
function failed(error: unknown, io: Io, command: string | undefined): number {
  if (error instanceof CliError) {
    io.err(error.message);
    return stopped(error.exitCode, io);
  }
  if (error instanceof ScriptError) {
    io.err(`${error.message}\nNothing was sent.`);
    return EXIT.invalidScript;
  }
  if (error instanceof TargetError) {
    io.err(error.message);
    return EXIT.usage;
  }
  const denied = permissionMessage(
    error,
    command && Object.hasOwn(COMMANDS, command) ? command : undefined,
  );
  if (denied !== undefined) {
    io.err(denied);
    return EXIT.usage;
  }
  io.err(`Internal error: ${(error as Error).stack ?? String(error)}`);
  return EXIT.internal;
}

/** Commands that stop gracefully on Ctrl-C, SIGTERM or SIGHUP; the others quit at once. */
const GRACEFUL = ["replay", "load", "record"];

/** What a graceful command prints on its first stop signal. */
const STOPPING: Record<StopSignal, string> = {
  SIGINT: "\nInterrupted: finishing what is in flight (Ctrl-C again to quit now)\n",
  SIGTERM: "\nTerminated: finishing what is in flight (SIGTERM again later to quit now)\n",
  SIGHUP: "\nHung up: finishing what is in flight (SIGHUP again later to quit now)\n",
};

/**
 * The real process's Io; `command` decides what a first Ctrl-C, SIGTERM or SIGHUP does (see
 * interrupt.ts).
 */
export function processIo(command?: string): Io {
  const interrupt = interruptHandler({
    now: () => performance.now(),
    graceful: command === undefined || GRACEFUL.includes(command),
    onStop: (signal) => process.stderr.write(STOPPING[signal]),
    onQuit: (code) => process.exit(code),
  });
  // After a hangup the terminal is gone and writes to it fail (EIO, EPIPE, synchronously or as
  // the stream's error event): printing becomes best effort so the run still delivers and writes
  // its report. Before one, a failed write is an error like any other.
  let hungUp = false;
  const hangUp = () => {
    hungUp = true;
    for (const stream of [process.stdout, process.stderr]) stream.on("error", () => {});
  };
  const bestEffort = (write: (text: string) => unknown) => (text: string) => {
    try {
      write(text);
    } catch (error) {
      if (!hungUp) throw error;
    }
  };
  process.on("SIGINT", () => interrupt.handle("SIGINT"));
  for (const signal of ["SIGTERM", "SIGHUP"] as const) {
    try {
      process.on(signal, () => {
        if (signal === "SIGHUP" && !hungUp) hangUp();
        interrupt.handle(signal);
      });
    } catch {
      // Windows has no SIGTERM or SIGHUP to listen for in every runtime; the process is ended
      // there without one.
    }
  }
  // Deno's node: modules throw some permission errors out of reach of any await or try
  // (access() without --allow-sys rejects, listen() without --allow-net throws on a later
  // tick): they end the run here, in the same words, instead of as Deno's crash.
  const end = (reason: unknown) => {
    let out = io;
    try {
      out = redactedIo(io);
    } catch {
      // The environment cannot be read, so it holds no secret to redact.
    }
    process.exit(failed(reason, out, command));
  };
  process.on("unhandledRejection", end);
  process.on("uncaughtException", end);
  const io: Io = {
    out: bestEffort((text) => console.log(text)),
    err: bestEffort((text) => console.error(text)),
    env: process.env,
    now: () => Date.now(),
    randomSeed: () => crypto.getRandomValues(new Uint32Array(1))[0],
    interrupted: interrupt.interrupted,
    stopSignal: interrupt.signal,
    color: process.stdout.isTTY === true && !process.env.NO_COLOR,
    progress: bestEffort((text) => process.stderr.write(text)),
    confirm: terminalConfirm(),
    errIsTty: process.stderr.isTTY === true,
    cores: () => availableParallelism(),
  };
  return io;
}

if (import.meta.main) {
  const code = await main(process.argv.slice(2), processIo(process.argv[2]));
  // After a signal listener ran, a runtime may end the process by the signal instead of the
  // exit code; exiting explicitly reports 130 (or 143, 129) as a normal exit code.
  if (code === EXIT.interrupted || code === EXIT.terminated || code === EXIT.hungUp) {
    process.exit(code);
  }
  process.exitCode = code;
}
