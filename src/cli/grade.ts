/**
 * `grade`: compares reviewers' annotations in Langfuse with a run's answer key. Reads the run's
 * manifest or load report (the findings each session was planted with, and the annotation-queue
 * items the run created), reads back every ANNOTATION score made from those queues, and prints
 * per reviewer and finding the agreement, misses and false alarms (see src/report/grade.ts for
 * the exact definitions), or the same as JSON.
 *
 * @example
 * deno task grade out/run_0a1b2c3d4e5f.load.json --json
 */
import { FINDINGS } from "../script/vocabulary.ts";
import { RunRecordError } from "../run_record/read.ts";
import { openRunFile, partOfRun, type RunFile, runSessions } from "../run_record/run_file.ts";
import { readReviewerScores } from "../langfuse/review_scores.ts";
import { DEFAULT_READS_PER_SECOND } from "../langfuse/verify_run.ts";
import { type GradeItem, gradeReviewers, hasAnswerKey, type KeySession } from "../report/grade.ts";
import { formatGrade } from "../report/grade_table.ts";
import { CliError, EXIT } from "../run/exit_codes.ts";
import type { Io } from "../run/io.ts";
import { flagsHelp, HELP_FLAG, numberFlag, parseFlags, switchFlag } from "./flags.ts";
import { apiFailure, langfuseClientFromEnv, langfuseEnv } from "../run/langfuse_access.ts";

/** The flags of `grade`. */
export const GRADE_FLAGS = {
  json: switchFlag("print the grading as JSON instead of a table"),
  "reads-per-second": numberFlag(
    "R",
    `most API reads a second (default ${DEFAULT_READS_PER_SECOND}; 0.5 on Langfuse Cloud Hobby)`,
    { default: DEFAULT_READS_PER_SECOND },
  ),
  help: HELP_FLAG,
};

/** `grade --help`. */
export const GRADE_HELP = `Usage: session-replay grade <out/run.json | out/run.load.json> [options]

Grades reviewers against the run's answer key. A run whose script plants findings
(findings: in the script) records in its manifest which session and turn got which finding;
a run with a review: section puts its sessions or traces in annotation queues. Reviewers then
work through the queue in Langfuse and mark each finding with its BOOLEAN score config (1
present, 0 absent). grade reads those ANNOTATION scores back for the run's queue items and
prints, per reviewer and finding: items reviewed and not reviewed, agreement (reviewed items
where the reviewer's verdict equals the key), misses (planted, but marked 0, or left blank on an
item where the reviewer marked another finding), false alarms (marked 1, not planted), blanks,
and an overall line per reviewer. Items where a reviewer marked no finding are not reviewed by
them, not misses; scores of other configs are not graded.
Findings: ${FINDINGS.join(", ")}.

Needs LANGFUSE_BASE_URL (or LANGFUSE_HOST), LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY.

Options:
${flagsHelp(GRADE_FLAGS)}

Exit codes: 0 graded (also when no reviewer has annotated yet, which is said), 1 internal
error (a bug), 2 usage (also: the run's queues are not in the keys' project), 3 the manifest
cannot be read or has no answer key or no queue items,
6 Langfuse API error (e.g. refused keys).`;

/** Runs `grade`; returns the exit code. */
export async function gradeCommand(args: string[], io: Io): Promise<number> {
  const { values, flags, positionals } = parseFlags(args, GRADE_FLAGS, "grade");
  if (values.help) {
    io.out(GRADE_HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 1) {
    throw new CliError(
      "grade needs one manifest or load report, e.g. out/run_0a1b2c3d4e5f.load.json",
      EXIT.usage,
    );
  }
  const readsPerSecond = flags["reads-per-second"];
  langfuseEnv(io.env, "grade");
  const path = positionals[0];
  const run = await readRun(path);
  if (run.part) io.err(`Note: ${run.part}.`);

  const { client, host } = langfuseClientFromEnv(io.env, "grade", { readsPerSecond });
  const queueIds = [...new Set(run.items.map((item) => item.queueId))];
  let generation;
  let scores;
  try {
    generation = await client.detectGeneration();
    const [queues, configs] = await Promise.all([
      client.allAnnotationQueues(),
      client.allScoreConfigs(),
    ]);
    // Another project would answer "nobody reviewed yet", wrongly: the run's queues must be here.
    const missing = queueIds.filter((id) => !queues.some((queue) => queue.id === id));
    if (missing.length > 0) {
      throw new CliError(
        `the run's queue${missing.length === 1 ? "" : "s"} ${missing.join(", ")} ` +
          `${missing.length === 1 ? "is" : "are"} not in the Langfuse project at ${host}: ` +
          "grade reads the project the run went to; check LANGFUSE_BASE_URL and the keys",
        EXIT.usage,
      );
    }
    const findingConfigs = new Set(
      configs.filter((c) => (FINDINGS as readonly string[]).includes(c.name)).map((c) => c.id),
    );
    for (const queue of queues.filter((q) => queueIds.includes(q.id))) {
      if (!queue.scoreConfigIds.some((id) => findingConfigs.has(id))) {
        io.err(
          `Queue "${queue.name}" offers no finding score config (${FINDINGS.join(", ")}): ` +
            "reviewers cannot mark findings in it. Seed with a training queue, e.g. " +
            "--review conversations/reviews/training.yaml.",
        );
      }
    }
    scores = await readReviewerScores(client, generation, queueIds);
  } catch (error) {
    throw apiFailure(error);
  }
  const result = gradeReviewers({
    sessions: run.sessions,
    items: run.items,
    scores,
    vocabulary: FINDINGS,
  });
  if (values.json) {
    io.out(JSON.stringify(
      {
        runId: run.runId,
        host,
        generation,
        queues: queueIds,
        scoresRead: scores.length,
        ...result,
      },
      null,
      2,
    ));
    if (result.reviewers.length === 0) {
      io.err("No reviewer has marked a finding on the run's queue items yet.");
    }
  } else {
    io.out(formatGrade(result, {
      runId: run.runId,
      host,
      generation,
      scoresRead: scores.length,
      queues: queueIds.length,
    }));
  }
  return EXIT.ok;
}

/** What grading reads of a run file. */
interface GradeRun {
  runId: string;
  sessions: KeySession[];
  items: GradeItem[];
  /** What the file holds of its run when not all of it (see partOfRun). */
  part?: string;
}

/** The run's answer key and queue items; CliError 3 naming the file when there is neither. */
async function readRun(path: string): Promise<GradeRun> {
  const unreadable = (error: unknown): unknown =>
    error instanceof RunRecordError ? new CliError(error.message, EXIT.invalidScript) : error;
  let run: RunFile;
  const sessions: KeySession[] = [];
  try {
    run = await openRunFile(path);
    for await (const session of runSessions(run)) {
      sessions.push({
        sessionId: session.sessionId,
        traces: session.traces.map((trace) => ({ traceId: trace.traceId })),
        ...(Array.isArray(session.findings) ? { findings: session.findings } : {}),
      });
    }
  } catch (error) {
    throw unreadable(error);
  }
  if (!hasAnswerKey(sessions)) {
    throw new CliError(
      `${path}: has no answer key: its sessions record no planted findings. Plant some with ` +
        "findings: in the script, run load or replay again, and grade that run.",
      EXIT.invalidScript,
    );
  }
  const items = reviewItems(run);
  if (items.length === 0) {
    throw new CliError(
      `${path}: the run put nothing in an annotation queue (its manifest has no review items), ` +
        "so there is nothing reviewers were given. Declare a queue in the script's review: " +
        "section (or --review FILE) and run again.",
      EXIT.invalidScript,
    );
  }
  const part = partOfRun(run);
  return { runId: run.runId, sessions, items, ...(part ? { part } : {}) };
}

/** The `review.items` of a run's manifest or load report (the reader checked their shape). */
function reviewItems(run: RunFile): GradeItem[] {
  return (run.review?.items ?? []).map(({ queueId, id, objectType, objectId }) => ({
    queueId,
    id,
    objectType,
    objectId,
  }));
}
