/**
 * `record`: turns real sessions into conversation scripts. Sources: a Langfuse session or a
 * user's recent sessions (public API, as verify reads), an OTLP file (this tool's file target,
 * or a Collector file exporter's JSON or protobuf output), or a live app's spans received on
 * 127.0.0.1 (`--listen`), shown turn by turn with the contract problems Langfuse will have with
 * them. The sessions become anonymised scripts (record/script.ts), written without overwriting.
 *
 * @example
 * deno task record --session 7f3c...                  # into out/recorded/
 * deno task record --listen 4318 --sessions 1 --out out/recorded/live/
 */
import { constants } from "node:fs";
import { access, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { LangfuseSource } from "../record/from_langfuse.ts";
import { sessionsFromOtlpFile } from "../record/from_otlp.ts";
import { RecordInputError } from "../record/from_spans.ts";
import {
  DEFAULT_IDLE_MS,
  listenForSessions,
  ListenPortError,
  MAX_HELD_BYTES,
  MAX_HELD_SPANS,
} from "../record/listen.ts";
import { formatBytes } from "../text/bytes.ts";
import { RecordError, toScripts } from "../record/script.ts";
import type { RecordedScript, RecordedSession } from "../record/types.ts";
import { DEFAULT_READS_PER_SECOND } from "../langfuse/verify_run.ts";
import { CliError, EXIT } from "../run/exit_codes.ts";
import type { Io } from "../run/io.ts";
import {
  durationFlag,
  flagsHelp,
  HELP_FLAG,
  intFlag,
  numberFlag,
  parseFlags,
  switchFlag,
  textFlag,
} from "./flags.ts";
import { prepareDir } from "../run/paths.ts";
import { fsReason } from "../text/fs_reason.ts";
import { parseAt } from "../run/time.ts";
import { taskCommand } from "../runtime.ts";
import { count as counted } from "../text/count.ts";
import { apiFailure, langfuseClientFromEnv } from "../run/langfuse_access.ts";

/** Default `--limit`: sessions read for `--user` / `--from` / `--to`. */
export const DEFAULT_RECORD_LIMIT = 5;
/** Largest `--limit`. */
export const MAX_RECORD_LIMIT = 100;
/**
 * Default `--out`: a directory outside conversations/, so that a recorded script, which needs
 * a review before use, is not picked up by `conversations/*.yaml`.
 */
export const DEFAULT_RECORD_OUT = "out/recorded";
/** The conversation script's JSON Schema, from the project's root. */
const SCHEMA_FILE = "schema/conversation.schema.json";

const HELD_BYTES = formatBytes(MAX_HELD_BYTES);

/** The flags of `record`: its sources, then its options. */
export const RECORD_FLAGS = {
  session: textFlag("ID", "one Langfuse session; --out names a .yaml file (or a directory)"),
  user: textFlag("ID", "that user's newest sessions into the --out directory"),
  from: textFlag(
    "T",
    "sessions with activity from T (with or without --user); T as replay's --at takes it: " +
      "-2h, -3d, or 2026-11-20T14:00:00Z",
  ),
  to: textFlag("T", "sessions with activity before T (with or without --user), T as for --from"),
  "from-otlp": textFlag(
    "FILE",
    "an OTLP file: this tool's file target (JSON lines) or an OpenTelemetry Collector file " +
      "exporter's output (format json or proto, gzip or not)",
  ),
  listen: intFlag(
    "PORT",
    "an OTLP/HTTP receiver on 127.0.0.1:PORT (0: a free port); point your app's exporter at " +
      "http://127.0.0.1:PORT (traces path /v1/traces). Each trace is shown as it arrives, as " +
      "Langfuse will show it, with the contract problems flagged (no session id, tags as a " +
      "string, a prompt version as a string, metadata that will not be filterable, ...). " +
      "Ctrl-C (or --sessions) writes the scripts.",
    { min: 0, max: 65535, what: "a port from 0 (any free one) to 65535, e.g. 4318" },
  ),
  out: textFlag(
    "FILE|DIR",
    "where to write: a .yaml file for one session, else a directory (created if needed); " +
      `default ${DEFAULT_RECORD_OUT}, outside conversations/ so that conversations/*.yaml ` +
      "does not pick up a script not reviewed yet",
    { default: DEFAULT_RECORD_OUT },
  ),
  limit: intFlag(
    "N",
    `most sessions for --user, --from, --to (default ${DEFAULT_RECORD_LIMIT}, at most ` +
      `${MAX_RECORD_LIMIT})`,
    { max: MAX_RECORD_LIMIT, default: DEFAULT_RECORD_LIMIT },
  ),
  sessions: intFlag("N", "--listen: stop after N sessions, once nothing arrived for --idle", {
    what: "a whole number from 1",
  }),
  idle: durationFlag(
    "D",
    `--listen: how long a session must be quiet to count (default ${DEFAULT_IDLE_MS / 1000}s, ` +
      "at most 1h)",
    { maxMs: 3_600_000, maxText: "1h", example: "500ms, 2s or 1m" },
  ),
  "max-spans": intFlag(
    "N",
    `--listen: most spans held (default ${MAX_HELD_SPANS}; also at most ${HELD_BYTES} of ` +
      "requests); past it every request is answered 503 with Retry-After, so the exporter " +
      "backs off, and Ctrl-C still writes what is held",
    { what: "a whole number from 1" },
  ),
  name: textFlag("NAME", "the script name (kebab-case; also the file name)", {
    pattern: /^[a-z0-9]+(-[a-z0-9]+)*$/,
    what: 'kebab-case (a-z, 0-9 and "-")',
  }),
  force: switchFlag("overwrite existing files (refused otherwise)"),
  "no-prompts": switchFlag(
    "Langfuse sources: link the prompts generations use by name and version only; by default " +
      "each linked version is read (GET /api/public/v2/prompts/{name}?version=) and declared " +
      "under prompts: with its text, scrubbed like the content, so the script replays into a " +
      "project that lacks the prompts (a replay creates them there)",
  ),
  "reads-per-second": numberFlag(
    "R",
    `most Langfuse API reads a second (default ${DEFAULT_READS_PER_SECOND}; see verify --help)`,
    { default: DEFAULT_READS_PER_SECOND },
  ),
  help: HELP_FLAG,
};

/** Where `record` reads sessions from, one of them. */
const SOURCE_FLAGS = ["session", "user", "from", "to", "from-otlp", "listen"] as const;
/** The rest of `record`'s flags. */
const OPTION_FLAGS = [
  "out",
  "limit",
  "sessions",
  "idle",
  "max-spans",
  "name",
  "force",
  "no-prompts",
  "reads-per-second",
  "help",
] as const;

/** `record --help`. */
export const RECORD_HELP = `Usage: session-replay record <source> [--out FILE|DIR] [options]

Turns real sessions into conversation scripts: one turn per trace with its observation tree,
models, prompt links, levels and scores, timings and usage as ranges, and every id and piece of
personal content replaced (review a script before sharing it: free text can hide anything).
Each script passes validate and replays into the same shape.

Sources (one of):
${flagsHelp(RECORD_FLAGS, SOURCE_FLAGS)}

Langfuse sources need LANGFUSE_BASE_URL (or LANGFUSE_HOST), LANGFUSE_PUBLIC_KEY and
LANGFUSE_SECRET_KEY, and only read.

Options:
${flagsHelp(RECORD_FLAGS, OPTION_FLAGS)}

A trace that cannot become a turn (a span that is its own parent, a parent cycle, spans
nested more than 100 deep) is reported and left out; the other traces are still written.

Exit codes: 0 scripts written (also after Ctrl-C ends --listen), 1 internal error (a bug),
2 usage (also an existing file without --force, a port in use), 3 unreadable input (an OTLP
file that is not OTLP, a session Langfuse does not have, nothing received, no trace that can
become a turn), 6 Langfuse API error
(e.g. refused keys), 130 interrupted (Ctrl-C while reading from Langfuse; what was read in full
is written), 143 terminated (SIGTERM, likewise; SIGTERM ends --listen as Ctrl-C does), 129 hung
up (SIGHUP: the terminal closed; as SIGTERM, and nothing need be printed).`;

/** Runs `record`; returns the exit code. */
export async function recordCommand(args: string[], io: Io): Promise<number> {
  const { values, flags, positionals } = parseFlags(args, RECORD_FLAGS, "record");
  if (values.help) {
    io.out(RECORD_HELP);
    return EXIT.ok;
  }
  if (positionals.length > 0) {
    throw usage(`record takes no positional arguments (got "${positionals[0]}")`);
  }
  const recent = values.user !== undefined || values.from !== undefined ||
    values.to !== undefined;
  const sources = [
    values.session !== undefined ? "--session" : undefined,
    recent ? "--user/--from/--to" : undefined,
    values["from-otlp"] !== undefined ? "--from-otlp" : undefined,
    values.listen !== undefined ? "--listen" : undefined,
  ].filter((s) => s !== undefined);
  if (sources.length === 0) {
    throw usage(
      "record needs a source: --session ID, --user ID, --from-otlp FILE or --listen PORT",
    );
  }
  if (sources.length > 1) throw usage(`give one source, not ${sources.join(" and ")}`);
  if (values.limit !== undefined && !recent) {
    throw usage("--limit applies to --user, --from and --to");
  }
  if (values["no-prompts"] && (values["from-otlp"] !== undefined || values.listen !== undefined)) {
    throw usage(
      "--no-prompts applies to Langfuse sources (--session, --user, --from, --to): spans " +
        "carry a prompt's name and version, never its text",
    );
  }
  const listenOnly = values.sessions !== undefined || values.idle !== undefined ||
    values["max-spans"] !== undefined;
  if (listenOnly && values.listen === undefined) {
    throw usage("--sessions, --idle and --max-spans apply to --listen");
  }
  const out = flags.out;
  const toFile = /\.ya?ml$/i.test(out);
  if (toFile && (recent || values.listen !== undefined)) {
    throw usage(
      `--out ${out} is a file, but this source may record several sessions: give a directory`,
    );
  }
  const readsPerSecond = flags["reads-per-second"];

  let sessions: RecordedSession[];
  let interrupted = false;
  await checkOut(out, toFile);
  try {
    if (values["from-otlp"] !== undefined) {
      sessions = await sessionsFromOtlpFile(values["from-otlp"]);
    } else if (values.listen !== undefined) {
      const port = flags.listen!;
      const sessionsWanted = flags.sessions;
      const idleMs = flags.idle;
      const maxSpans = flags["max-spans"];
      const result = await listenForSessions({
        port,
        ...(maxSpans !== undefined ? { maxSpans } : {}),
        ...(sessionsWanted !== undefined ? { sessions: sessionsWanted } : {}),
        ...(idleMs !== undefined ? { idleMs } : {}),
        stopped: io.interrupted,
        color: io.color,
        onReady: (url) =>
          io.out(
            `Listening for OTLP/HTTP traces on ${url} (JSON or protobuf). ` +
              `Point your exporter at it, e.g.\n` +
              `  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=${url}\n` +
              (sessionsWanted === undefined
                ? `Ctrl-C writes the sessions seen as scripts into ${out}.\n`
                : `Stops after ${counted(sessionsWanted, "session")} (Ctrl-C sooner), ` +
                  `then writes them into ${out}.\n`),
          ),
        onTurn: (text) => io.out(text),
        onRefused: (reason) => io.err(`Refused a request from the app: ${reason}`),
        onFull: (reason) => io.err(`Stopped accepting spans: ${reason}`),
      });
      io.out(
        `Received ${counted(result.spans, "span")} in ${counted(result.traces, "trace")}; ` +
          `${counted(result.problems, "contract problem")} flagged.` +
          (result.refusedSpans === 0
            ? ""
            : ` Refused ${counted(result.refusedSpans, "span")} past the bound (answered 503).`),
      );
      if (result.spans === 0) {
        throw new RecordInputError("--listen: no spans arrived; nothing to write");
      }
      sessions = result.sessions;
    } else {
      const { client, host } = langfuseClientFromEnv(io.env, "record", {
        readsPerSecond,
        clock: io.clock,
      });
      const source = new LangfuseSource(client);
      // The prompt versions linked, with their text, so the script replays into any project.
      const read = async (id: string) => {
        const session = await source.session(id);
        return values["no-prompts"] ? session : await source.withPrompts(session);
      };
      if (values.session !== undefined) {
        if (values.session.trim() === "") throw usage("--session needs a session id");
        sessions = [await read(values.session)];
      } else {
        const nowMs = io.now();
        const fromMs = values.from === undefined
          ? undefined
          : timeFlag(values.from, "--from", nowMs);
        const toMs = values.to === undefined ? undefined : timeFlag(values.to, "--to", nowMs);
        if (fromMs !== undefined && toMs !== undefined && fromMs >= toMs) {
          throw usage(`--from must be before --to`);
        }
        const limit = flags.limit;
        const ids = await source.recentSessionIds({
          ...(values.user !== undefined ? { userId: values.user } : {}),
          ...(fromMs !== undefined ? { fromMs } : {}),
          ...(toMs !== undefined ? { toMs } : {}),
          limit,
        });
        if (ids.length === 0) {
          throw new RecordInputError(
            `Langfuse at ${host} has no session${
              values.user === undefined ? "" : ` of user "${values.user}"`
            } in that time window`,
          );
        }
        sessions = [];
        for (const id of ids) {
          if (io.interrupted()) {
            interrupted = true;
            break;
          }
          sessions.push(await read(id));
        }
      }
    }
  } catch (error) {
    if (error instanceof RecordInputError) throw new CliError(error.message, EXIT.invalidScript);
    if (error instanceof ListenPortError) throw usage(error.message);
    throw apiFailure(error);
  }

  // A trace that cannot become a turn is reported and left out; the others are still written.
  const skipped = sessions.flatMap((session) => session.skipped ?? []);
  for (const { traceId, reason } of skipped) io.err(`Skipped trace ${traceId}: ${reason}`);
  sessions = sessions.filter((session) => session.traces.length > 0);
  if (sessions.length === 0 && skipped.length > 0) {
    throw new CliError(
      `no trace could become a turn (${skipped.length} skipped, see above): nothing written`,
      EXIT.invalidScript,
    );
  }
  if (sessions.length === 0 && interrupted) {
    throw new CliError("Interrupted before a session was read: nothing written", EXIT.interrupted);
  }
  if (sessions.length === 0) {
    throw new CliError("nothing was recorded, so no script was written", EXIT.invalidScript);
  }
  let scripts: RecordedScript[];
  try {
    scripts = toScripts(sessions, {
      ...(values.name === undefined ? {} : { name: values.name }),
      schemaPath: schemaPathFrom(toFile ? dirname(out) : out),
    });
  } catch (error) {
    if (error instanceof RecordError) throw new CliError(error.message, EXIT.invalidScript);
    throw error;
  }
  if (toFile && scripts.length > 1) {
    throw usage(
      `the input holds ${scripts.length} sessions but --out ${out} is one file: give a directory`,
    );
  }
  const written = await writeScripts(scripts, out, toFile, values.force ?? false);
  for (const { path, script, turns } of written) {
    io.out(`Wrote ${path} (${counted(turns, "turn")})`);
    for (const note of script.notes) io.out(`  ${note}`);
  }
  io.out(
    `\nReview before sharing: the scrubber replaces what it recognises, free text can hide more.\n` +
      `Check: ${taskCommand("validate")} ${written.map((w) => w.path).join(" ")}`,
  );
  return interrupted ? EXIT.interrupted : EXIT.ok;

  function turnsOf(index: number): number {
    return sessions[index]?.traces.length ?? 0;
  }

  async function writeScripts(
    list: RecordedScript[],
    target: string,
    file: boolean,
    force: boolean,
  ): Promise<{ path: string; script: RecordedScript; turns: number }[]> {
    const used = new Set<string>();
    const planned = list.map((script, index) => {
      let path = file ? target : join(target, `${script.name}.yaml`);
      for (let n = 2; used.has(path); n++) path = join(target, `${script.name}-${n}.yaml`);
      used.add(path);
      return { path, script, turns: turnsOf(index) };
    });
    // Every file is checked before any is written: a refusal leaves nothing half done.
    if (!force) {
      const existing: string[] = [];
      for (const { path } of planned) if (await exists(path)) existing.push(path);
      if (existing.length > 0) {
        throw usage(
          `${existing.join(", ")} ${existing.length === 1 ? "exists" : "exist"}; ` +
            `pass --force to overwrite, or choose another --out`,
        );
      }
    }
    const written: string[] = [];
    for (const { path, script } of planned) {
      try {
        await writeFile(path, script.yaml, { flag: force ? "w" : "wx" });
      } catch (error) {
        throw usage(
          `--out: cannot write ${path}: ${fsReason(error)}` +
            (written.length === 0 ? "; nothing was written" : `; written: ${written.join(", ")}`),
        );
      }
      written.push(path);
    }
    return planned;
  }
}

/**
 * The JSON Schema's path from the directory a script is written to (the editor line of its
 * header), for a command run from the project's root.
 */
function schemaPathFrom(dir: string): string {
  return relative(resolve(dir), resolve(SCHEMA_FILE)).replaceAll("\\", "/");
}

/** The --out target checked before reading: a file's directory, or the directory itself. */
async function checkOut(out: string, toFile: boolean): Promise<void> {
  if (toFile) {
    const info = await stat(out).catch(() => undefined);
    if (info?.isDirectory()) throw usage(`--out: ${out} is a directory; give a file name`);
    const dir = out.includes("/") ? out.slice(0, out.lastIndexOf("/")) || "/" : ".";
    await prepareDir(dir, "--out");
    return;
  }
  await prepareDir(out, "--out");
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path, constants.F_OK);
    return true;
  } catch {
    return false;
  }
}

function usage(message: string): CliError {
  return new CliError(message, EXIT.usage);
}

function timeFlag(value: string, flag: string, nowMs: number): number {
  try {
    return parseAt(value, nowMs);
  } catch (error) {
    if (error instanceof CliError) throw usage(error.message.replaceAll("--at", flag));
    throw error;
  }
}
