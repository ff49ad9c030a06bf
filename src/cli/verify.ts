/**
 * `verify`: reads a run back from Langfuse and compares it with its manifest or load report,
 * polling until everything matched or the timeout passed; prints a table of every trace and
 * score (matched, missing, or the fields that differ) and a summary line.
 *
 * @example
 * deno task verify out/run_0a1b2c3d4e5f.json --timeout 5m
 */
import { partOfRun } from "../run_record/run_file.ts";
import { DEFAULT_READS_PER_SECOND, DEFAULT_VERIFY_TIMEOUT_MS } from "../langfuse/verify_run.ts";
import { langfuseEnv } from "../run/langfuse_access.ts";
import { FULL_LIST_LIMIT, openRun, readSessions, runVerify } from "../run/verify.ts";
import { CliError, EXIT } from "../run/exit_codes.ts";
import type { Io } from "../run/io.ts";
import { MAX_TIMEOUT_MS } from "../run/limits.ts";
import {
  durationFlag,
  flagsHelp,
  HELP_FLAG,
  intFlag,
  numberFlag,
  parseFlags,
  switchFlag,
} from "./flags.ts";

/** The flags of `verify`. */
export const VERIFY_FLAGS = {
  timeout: durationFlag("D", "stop reading after D, e.g. 30s, 5m (default 2m, at most 1d)", {
    maxMs: MAX_TIMEOUT_MS,
    maxText: "1d",
    allowZero: true,
    example: "30s, 2m or 1h",
    default: DEFAULT_VERIFY_TIMEOUT_MS,
  }),
  "reads-per-second": numberFlag(
    "R",
    `most API reads a second (default ${DEFAULT_READS_PER_SECOND}). Langfuse Cloud allows ` +
      "1,000 a minute on Pro and up, but 100 on Core and 30 on Hobby: pass 1.5 or 0.5 there to " +
      "avoid waiting out 429s. Self-hosted: no limit.",
    { default: DEFAULT_READS_PER_SECOND },
  ),
  sample: intFlag(
    "N",
    "check N sessions spread over the run instead of all (load reports), and only their " +
      "queue items and comments",
  ),
  all: switchFlag(`list every trace and score, also in runs of more than ${FULL_LIST_LIMIT}`),
  quiet: switchFlag("no progress on stderr (reads taking longer than 2s show it)", {
    short: "q",
  }),
  help: HELP_FLAG,
};

/** `verify --help`. */
export const VERIFY_HELP =
  `Usage: session-replay verify <out/run.json | out/run.load.json> [options]

Reads a run's traces back from Langfuse and compares them with what was sent: per trace the
name, session, user, environment, version, release, tags and metadata, its observations
(count by type, models, token usage), and the run's scores (each exactly once, on the right
trace or session). Langfuse stores what it receives asynchronously, so verify reads again with
growing pauses until everything matched or the timeout passed. Traces of other runs in the
same sessions are listed for information; extra traces carrying this run's id are a mismatch.

Needs LANGFUSE_BASE_URL (or LANGFUSE_HOST), LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY.

Options:
${flagsHelp(VERIFY_FLAGS)}

Exit codes: 0 everything matched, 1 internal error (a bug), 2 usage, 5 differences found (or
not all there before the timeout), 6 Langfuse API error (e.g. refused keys), 130 interrupted
(Ctrl-C), 143 terminated (SIGTERM), 129 hung up (SIGHUP: the terminal closed).`;

/** Runs `verify`; returns the exit code. */
export async function verifyCommand(args: string[], io: Io): Promise<number> {
  const { values, flags, positionals } = parseFlags(args, VERIFY_FLAGS, "verify");
  if (values.help) {
    io.out(VERIFY_HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 1) {
    throw new CliError(
      "verify needs one manifest or load report, e.g. out/run_0a1b2c3d4e5f.json",
      EXIT.usage,
    );
  }
  const timeoutMs = flags.timeout;
  const readsPerSecond = flags["reads-per-second"];
  const sample = flags.sample;
  langfuseEnv(io.env, "verify");

  const run = await openRun(positionals[0]);
  if (run.target.kind !== "langfuse") {
    throw new CliError(
      `${run.path}: run ${run.runId} was sent to ${run.target.describe}, not to Langfuse; ` +
        "there is nothing to read back",
      EXIT.usage,
    );
  }
  const part = partOfRun(run);
  if (part) io.err(`Note: ${part}.`);
  const sessions = await readSessions(run, sample);
  return runVerify(
    {
      runId: run.runId,
      sessions,
      sentTo: run.target.url,
      ...(run.resources ? { resources: run.resources } : {}),
      ...(run.review ? { review: run.review } : {}),
    },
    io,
    {
      timeoutMs,
      readsPerSecond,
      all: values.all,
      sampled: sample !== undefined,
      quiet: values.quiet,
    },
  );
}
