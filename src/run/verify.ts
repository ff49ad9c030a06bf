/**
 * The verify use case: reads a run back from Langfuse and compares it with its manifest or load
 * report, polling until everything matched or the timeout passed, and prints a table of every
 * trace and score (matched, missing, or the fields that differ) and a summary line. `verify`
 * runs it on a file, `replay --verify` on the run it just sent, with the run's one client.
 */
import { systemClock } from "../load/clock.ts";
import type { ManifestSession } from "../report/run_report.ts";
import { formatMs } from "../script/duration.ts";
import { RunRecordError } from "../run_record/read.ts";
import { openRunFile, type RunFile, runSessions } from "../run_record/run_file.ts";
import type { ScoreCheck, TraceCheck, VerifyResult } from "../langfuse/verify.ts";
import { formatResourceChecks } from "../langfuse/verify_resources.ts";
import type { RunResources } from "../plan/resources.ts";
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
import { apiFailure, RunLangfuse } from "./langfuse_access.ts";

/** Most rows listed in full; longer runs list only the problems unless --all is given. */
export const FULL_LIST_LIMIT = 50;

/** A run to verify: its id and its sessions as the manifest records them. */
export interface VerifyInput {
  runId: string;
  sessions: readonly ManifestSession[];
  /** Where the spans were sent (the manifest's target url), for a note when it differs. */
  sentTo?: string;
  /** The run's queues, items and comments, checked after the traces and scores. */
  review?: RunReview;
  /** The manifest's resources: checked to exist, and the links the generations should have. */
  resources?: RunResources;
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
  /**
   * The run's Langfuse access, whose one client verify reads with (at `readsPerSecond`,
   * sharing its pacing); default one from `io.env`.
   */
  langfuse?: RunLangfuse;
}

/**
 * Verifies a run in-process (as `replay --verify` does after sending): reads Langfuse from the
 * run's Langfuse access (default one from `io.env`), prints the table and summary, returns 0 or 5; throws CliError 2 for
 * missing variables and 6 for API errors.
 */
export async function runVerify(
  input: VerifyInput,
  io: Io,
  options: RunVerifyOptions = {},
): Promise<number> {
  const clock = io.clock ?? systemClock;
  const sleep = (ms: number) => clock.sleepUntil(clock.now() + ms);
  const langfuse = options.langfuse ?? new RunLangfuse(io.env, { command: "verify", clock });
  const client = langfuse.client.withReadRate(
    options.readsPerSecond ?? DEFAULT_READS_PER_SECOND,
  );
  const host = langfuse.host;
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
      ...(input.resources ? { resources: input.resources } : {}),
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
  const resourceLines = formatResourceChecks(result.resources ?? [], full);
  lines.push(...resourceLines);
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
  for (const { dialect, sessions, fields } of result.notChecked ?? []) {
    lines.push(
      `  not checked (${dialect}, ${sessions} session${sessions === 1 ? "" : "s"}): ` +
        fields.map(({ field, why }) => `${field} (${why})`).join("; "),
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
    const resources = s.resources ? `, ${s.resources} prompts and score configs` : "";
    return `Verified: all ${s.traces} traces and ${s.scores} scores match${resources} (${reads})`;
  }
  const parts: string[] = [];
  if (s.missing > 0) parts.push(`${s.missing} of ${s.traces} traces missing`);
  if (s.differs > 0) parts.push(`${s.differs} of ${s.traces} traces differ`);
  if (s.sameRunExtras > 0) parts.push(`${s.sameRunExtras} extra traces of this run`);
  const badScores = s.scores - s.scoresMatched;
  if (badScores > 0) parts.push(`${badScores} of ${s.scores} scores missing or wrong`);
  const badResources = (s.resources ?? 0) - (s.resourcesMatched ?? 0);
  if (badResources > 0) {
    parts.push(`${badResources} of ${s.resources} prompts and score configs missing or wrong`);
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

/** A manifest or load report, or a usage error naming the file. */
export async function openRun(path: string): Promise<RunFile> {
  try {
    return await openRunFile(path);
  } catch (error) {
    if (error instanceof RunRecordError) throw new CliError(error.message, EXIT.usage);
    throw error;
  }
}

/** The run's sessions, or `sample` of them spread evenly over the file. */
export async function readSessions(run: RunFile, sample?: number): Promise<ManifestSession[]> {
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
    if (error instanceof RunRecordError) throw new CliError(error.message, EXIT.usage);
    throw error;
  }
}
