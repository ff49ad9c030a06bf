/**
 * `verify`: reads a run back from Langfuse and compares it with its manifest or load report,
 * polling until everything matched or the timeout passed; prints a table of every trace and
 * score (matched, missing, or the fields that differ) and a summary line.
 *
 * @example
 * deno task verify out/run_0a1b2c3d4e5f.json --timeout 5m
 */
import { systemClock } from "../load/clock.ts";
import type { ManifestSession } from "../report/run_report.ts";
import { formatMs } from "../script/duration.ts";
import { LangfuseApiError } from "../langfuse/api_error.ts";
import { LangfuseClient } from "../langfuse/client.ts";
import { checkUrl, TargetError } from "../export/target.ts";
import {
  openRunFile,
  partOfRun,
  type RunFile,
  RunFileError,
  runSessions,
} from "../langfuse/purge.ts";
import type { ScoreCheck, TraceCheck, VerifyResult } from "../langfuse/verify.ts";
import { formatFixtureChecks } from "../langfuse/verify_fixtures.ts";
import type { RunFixtures } from "../plan/fixtures.ts";
import {
  DEFAULT_READS_PER_SECOND,
  DEFAULT_VERIFY_TIMEOUT_MS,
  verifyRun,
  type VerifyRunResult,
} from "../langfuse/verify_run.ts";
import { formatReviewVerify, verifyReview } from "../langfuse/verify_review.ts";
import { reviewOfSessions, type RunReview } from "../report/review_report.ts";
import { ReadProgress } from "../langfuse/read_progress.ts";
import { CliError, EXIT } from "./exit_codes.ts";
import type { Io } from "./io.ts";
import { MAX_TIMEOUT_MS } from "./limits.ts";
import {
  durationFlag,
  flagsHelp,
  HELP_FLAG,
  intFlag,
  numberFlag,
  parseFlags,
  switchFlag,
} from "./flags.ts";

/** Most rows listed in full; longer runs list only the problems unless --all is given. */
const FULL_LIST_LIMIT = 50;

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
      ...(run.resources ? { fixtures: run.resources } : {}),
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

/** A run to verify: its id and its sessions as the manifest records them. */
export interface VerifyInput {
  runId: string;
  sessions: readonly ManifestSession[];
  /** Where the spans were sent (the manifest's target url), for a note when it differs. */
  sentTo?: string;
  /** The run's queues, items and comments, checked after the traces and scores. */
  review?: RunReview;
  /** The manifest's fixtures: checked to exist, and the links the generations should have. */
  fixtures?: RunFixtures;
}

/** Options for {@link runVerify}. */
export interface RunVerifyOptions {
  /** Default 120 000 ms. */
  timeoutMs?: number;
  /** Default {@link DEFAULT_READS_PER_SECOND}. */
  readsPerSecond?: number;
  /** List every row even in long runs; default false. */
  all?: boolean;
  /**
   * Whether the sessions are a sample of the run (said in the summary): the review layer is
   * then checked only on their objects; default false.
   */
  sampled?: boolean;
  /** No progress on stderr; default false. */
  quiet?: boolean;
  /** First pause between reads; default 1 000 ms. */
  initialDelayMs?: number;
}

/**
 * Verifies a run in-process (as `replay --verify` does after sending): reads Langfuse from the
 * variables in `io.env`, prints the table and summary, returns 0 or 5; throws CliError 2 for
 * missing variables and 6 for API errors.
 */
export async function runVerify(
  input: VerifyInput,
  io: Io,
  options: RunVerifyOptions = {},
): Promise<number> {
  const clock = io.clock ?? systemClock;
  const sleep = (ms: number) => clock.sleepUntil(clock.now() + ms);
  const { client, host } = langfuseClientFromEnv(io.env, "verify", {
    readsPerSecond: options.readsPerSecond ?? DEFAULT_READS_PER_SECOND,
    now: clock.now,
    sleep,
  });
  if (input.sentTo && !input.sentTo.startsWith(`${host}/`)) {
    io.err(`Note: the run was sent to ${new URL(input.sentTo).origin}, verifying at ${host}.`);
  }
  const progress = options.quiet ? () => {} : (text: string) => io.progress?.(text);
  const reads = new ReadProgress({ label: "verify", write: progress, now: clock.now });
  let outcome: VerifyRunResult;
  try {
    outcome = await verifyRun(client, input.sessions, {
      timeoutMs: options.timeoutMs ?? DEFAULT_VERIFY_TIMEOUT_MS,
      initialDelayMs: options.initialDelayMs,
      ...(input.fixtures ? { fixtures: input.fixtures } : {}),
      now: clock.now,
      sleep,
      reads,
      progress: (p) => {
        if (p.nextDelayMs === undefined) return;
        const s = p.summary;
        progress(
          `verify: read ${p.attempt}: ${s.matched}/${s.traces} traces, ` +
            `${s.scoresMatched}/${s.scores} scores match; reading again in ${
              formatMs(p.nextDelayMs)
            }\n`,
        );
      },
    });
  } catch (error) {
    throw apiFailure(error);
  }
  io.out(formatVerify(input.runId, host, outcome, options));
  const wanted = input.review && options.sampled
    ? reviewOfSessions(input.review, input.sessions)
    : input.review;
  const review = wanted && await verifyReview(client, wanted, { progress: reads }).catch(
    (error) => {
      throw apiFailure(error);
    },
  );
  if (review) io.out(formatReviewVerify(review, { sampled: options.sampled }));
  return outcome.result.ok && (review?.ok ?? true) ? EXIT.ok : EXIT.verifyMismatch;
}

/** The table and summary line of a verification. */
export function formatVerify(
  runId: string,
  host: string,
  outcome: VerifyRunResult,
  options: { all?: boolean; sampled?: boolean } = {},
): string {
  const { result } = outcome;
  const s = result.summary;
  const lines = [
    `Verify ${runId} against Langfuse at ${host} (${outcome.generation}): ${s.traces} traces, ${s.scores} scores${
      options.sampled ? " (a sample of the run's sessions)" : ""
    }`,
  ];
  const full = options.all || s.traces + s.scores <= FULL_LIST_LIMIT;
  const traces = full ? result.traces : result.traces.filter((t) => t.status !== "matched");
  if (traces.length > 0) {
    lines.push(
      ...table(
        ["TRACE", "TURN", "KIND", "SCRIPT", "RESULT"],
        traces.map((t) => [t.traceId, String(t.turn), t.kind, t.script, t.status]),
        traces.map(diffLines),
      ),
    );
  }
  const scores = full ? result.scores : result.scores.filter((x) => x.status !== "matched");
  if (scores.length > 0) {
    lines.push(
      ...table(
        ["SCORE", "ON", "SCRIPT", "RESULT"],
        scores.map((x) => [x.name, scoreTarget(x), x.script, x.status]),
        scores.map(diffLines),
      ),
    );
  }
  const fixtureLines = formatFixtureChecks(result.fixtures ?? [], full);
  lines.push(...fixtureLines);
  if (!full && traces.length + scores.length < s.traces + s.scores) {
    lines.push(`  (matched rows not listed; --all lists them)`);
  }
  for (const extra of result.extras.filter((e) => e.sameRun)) {
    lines.push(
      `  extra     ${extra.traceId} in session ${extra.sessionId} carries this run's id but was not sent by it`,
    );
  }
  const others = result.extras.filter((e) => !e.sameRun);
  if (others.length > 0) {
    const runs = [...new Set(others.map((e) => e.runId ?? "no run id"))].sort();
    lines.push(
      `  info      ${others.length} other trace${
        others.length === 1 ? "" : "s"
      } in these sessions ` +
        `(${runs.slice(0, 3).join(", ")}${
          runs.length > 3 ? ", ..." : ""
        }): from other runs, not checked`,
    );
  }
  lines.push(summaryLine(result, outcome));
  return lines.join("\n");
}

function summaryLine(result: VerifyResult, outcome: VerifyRunResult): string {
  const s = result.summary;
  const reads = `${outcome.attempts} read${outcome.attempts === 1 ? "" : "s"} in ${
    formatMs(outcome.elapsedMs)
  }`;
  if (result.ok) {
    const fixtures = s.fixtures ? `, ${s.fixtures} prompts and score configs` : "";
    return `Verified: all ${s.traces} traces and ${s.scores} scores match${fixtures} (${reads})`;
  }
  const parts: string[] = [];
  if (s.missing > 0) parts.push(`${s.missing} of ${s.traces} traces missing`);
  if (s.differs > 0) parts.push(`${s.differs} of ${s.traces} traces differ`);
  if (s.sameRunExtras > 0) parts.push(`${s.sameRunExtras} extra traces of this run`);
  const badScores = s.scores - s.scoresMatched;
  if (badScores > 0) parts.push(`${badScores} of ${s.scores} scores missing or wrong`);
  const badFixtures = (s.fixtures ?? 0) - (s.fixturesMatched ?? 0);
  if (badFixtures > 0) {
    parts.push(`${badFixtures} of ${s.fixtures} prompts and score configs missing or wrong`);
  }
  return `Verification failed: ${parts.join(", ")} (${reads}${
    outcome.timedOut ? ", timed out" : ""
  })`;
}

/** Rows padded into columns, two spaces apart; each row's detail lines under its last column. */
function table(header: string[], rows: string[][], details: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    `  ${
      cells.map((cell, i) => i === cells.length - 1 ? cell : cell.padEnd(widths[i])).join("  ")
    }`;
  const indent = " ".repeat(2 + widths.slice(0, -1).reduce((a, w) => a + w + 2, 0));
  const out = [line(header)];
  rows.forEach((row, i) => {
    const [first, ...rest] = details[i];
    out.push(line(first === undefined ? row : [...row.slice(0, -1), `${row.at(-1)}  ${first}`]));
    for (const more of rest) out.push(`${indent}${" ".repeat(row.at(-1)!.length + 2)}${more}`);
  });
  return out;
}

function diffLines(check: TraceCheck | ScoreCheck): string[] {
  return check.diffs.map((d) => `${d.field}: ${d.sent} → ${d.found}`);
}

function scoreTarget(score: ScoreCheck): string {
  if (score.turn !== undefined) return `turn ${score.turn}`;
  if (score.traceId !== undefined) return `trace ${score.traceId.slice(0, 12)}`;
  return "session";
}

/** The Langfuse variables, or a usage error naming the missing ones (never any value). */
export function langfuseEnv(
  env: Record<string, string | undefined>,
  command: string,
): { baseUrl: string; publicKey: string; secretKey: string } {
  const baseUrl = env.LANGFUSE_BASE_URL || env.LANGFUSE_HOST;
  const missing = [
    ...(baseUrl ? [] : ["LANGFUSE_BASE_URL (or LANGFUSE_HOST)"]),
    ...(env.LANGFUSE_PUBLIC_KEY ? [] : ["LANGFUSE_PUBLIC_KEY"]),
    ...(env.LANGFUSE_SECRET_KEY ? [] : ["LANGFUSE_SECRET_KEY"]),
  ];
  if (missing.length > 0) {
    throw new CliError(
      `${command} needs ${missing.join(" and ")} to be set (the Langfuse project to read from)`,
      EXIT.usage,
    );
  }
  // The same checks as the export target (no query, fragment, credentials or blocked port);
  // the error names the variable, never its value.
  try {
    checkUrl(baseUrl!, env.LANGFUSE_BASE_URL ? "LANGFUSE_BASE_URL" : "LANGFUSE_HOST");
  } catch (error) {
    if (error instanceof TargetError) throw new CliError(error.message, EXIT.usage);
    throw error;
  }
  return {
    baseUrl: baseUrl!.replace(/\/+$/, ""),
    publicKey: env.LANGFUSE_PUBLIC_KEY!,
    secretKey: env.LANGFUSE_SECRET_KEY!,
  };
}

/** A client for the project the variables name, and its host (safe to print). */
export function langfuseClientFromEnv(
  env: Record<string, string | undefined>,
  command: string,
  options: { readsPerSecond?: number; now?: () => number; sleep?: (ms: number) => Promise<void> } =
    {},
): { client: LangfuseClient; host: string } {
  const keys = langfuseEnv(env, command);
  return { client: new LangfuseClient({ ...keys, ...options }), host: keys.baseUrl };
}

/** A manifest or load report, or a usage error naming the file. */
export async function openRun(path: string): Promise<RunFile> {
  try {
    return await openRunFile(path);
  } catch (error) {
    if (error instanceof RunFileError) throw new CliError(error.message, EXIT.usage);
    throw error;
  }
}

/** The run's sessions, or `sample` of them spread evenly over the file. */
async function readSessions(run: RunFile, sample?: number): Promise<ManifestSession[]> {
  try {
    let total = 0;
    if (sample !== undefined) { for await (const _ of runSessions(run)) total++; }
    const out: ManifestSession[] = [];
    let index = 0;
    for await (const session of runSessions(run)) {
      // The first session of each of `sample` equal slices of the run.
      const take = sample === undefined || total <= sample ||
        Math.floor((index * sample) / total) !== Math.floor(((index - 1) * sample) / total);
      if (take) out.push(session);
      index++;
    }
    return out;
  } catch (error) {
    if (error instanceof RunFileError) throw new CliError(error.message, EXIT.usage);
    throw error;
  }
}

/** A LangfuseApiError as exit 6 (its message already names variables, never values). */
export function apiFailure(error: unknown): unknown {
  if (error instanceof LangfuseApiError) return new CliError(error.message, EXIT.langfuseApi);
  return error;
}
