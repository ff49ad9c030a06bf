/**
 * `purge`: deletes from Langfuse every trace a run sent, and the run's session scores, taking
 * the ids from its manifest or load report, so other runs' traces in the same sessions stay.
 * Shows what it will delete and asks first, unless `--yes`.
 *
 * @example
 * deno task purge out/run_0a1b2c3d4e5f.json --yes
 */
import type { RunResources } from "../plan/resources.ts";
import process from "node:process";
import { createInterface } from "node:readline/promises";
import { MAX_DELETE_IDS } from "../langfuse/api_types.ts";
import type { LangfuseClient } from "../langfuse/client.ts";
import {
  DEFAULT_DELETE_BATCH,
  leftFilePath,
  leftOver,
  type PurgeLeft,
  purgePlan,
  type PurgeResult,
  purgeRun,
  readPurgeLeft,
  resumePlan,
  writePurgeLeft,
} from "../langfuse/purge.ts";
import { RunRecordError } from "../run_record/read.ts";
import { partOfRun } from "../run_record/run_file.ts";
import { CliError, EXIT } from "../run/exit_codes.ts";
import { fsReason } from "../text/fs_reason.ts";
import type { Io } from "../run/io.ts";
import { productionReasons, resolveTarget } from "../export/target.ts";
import { guardProduction } from "./options.ts";
import { durationFlag, flagsHelp, HELP_FLAG, intFlag, parseFlags, switchFlag } from "./flags.ts";
import { prepareFile } from "../run/paths.ts";
import { langfuseProjectName } from "../run/production.ts";
import { apiFailure, langfuseClientFromEnv } from "../run/langfuse_access.ts";
import { openRun } from "../run/verify.ts";
import { COMMENTS_STAY, purgeReview } from "../langfuse/purge_review.ts";
import { count } from "../text/count.ts";
import { confirmGone, type ConfirmResult } from "../langfuse/purge_confirm.ts";
import { ReadProgress } from "../langfuse/read_progress.ts";
import { systemClock } from "../load/clock.ts";
import { formatDuration, formatMs } from "../script/duration.ts";
import { DEFAULT_READS_PER_SECOND } from "../langfuse/verify_run.ts";

/** How long purge reads deleted traces back by default. */
const DEFAULT_CONFIRM_MS = 120_000;
/** The longest --confirm-timeout: longer is a typo (Langfuse deletes within minutes). */
const MAX_CONFIRM_MS = 3_600_000;
/** {@link MAX_CONFIRM_MS} as the help and the message say it. */
const MAX_CONFIRM_TEXT = "1h";

/** The flags of `purge`. */
export const PURGE_FLAGS = {
  yes: switchFlag("delete without asking (required when the input is not a terminal)", {
    short: "y",
  }),
  "session-scores": switchFlag("also delete a replay's session scores"),
  "batch-size": intFlag(
    "N",
    `trace ids per delete request, 1 to ${MAX_DELETE_IDS} (default ${DEFAULT_DELETE_BATCH}, as ` +
      "Langfuse advises 30-50). Langfuse Cloud allows 50 (Hobby), 200 (Core) or 1,000 (Pro and " +
      "up) trace delete requests a day.",
    { max: MAX_DELETE_IDS, default: DEFAULT_DELETE_BATCH },
  ),
  "confirm-timeout": durationFlag(
    "D",
    `how long to read deleted traces back until they are gone (default ${
      formatDuration(DEFAULT_CONFIRM_MS)
    }, at most ${MAX_CONFIRM_TEXT}; one read a trace a pass, at most ` +
      `${DEFAULT_READS_PER_SECOND} reads a second)`,
    {
      maxMs: MAX_CONFIRM_MS,
      what: `a duration from 1ms to ${MAX_CONFIRM_TEXT}, e.g. 30s or 5m`,
    },
  ),
  "no-confirm": switchFlag("send the deletes and do not read them back"),
  "allow-production": switchFlag(
    "delete even though the host, LANGFUSE_TRACING_ENVIRONMENT or the name of the keys' " +
      "project (asked of Langfuse) says production (refused otherwise)",
  ),
  help: HELP_FLAG,
};

/** `purge --help`. */
export const PURGE_HELP = `Usage: session-replay purge <out/run.json | out/run.load.json> [options]

Deletes from Langfuse every trace the run sent, with their observations and scores. The trace
ids come from the manifest, or from a load report's sessions file (every shard's, for shards'
reports merged with report merge), so traces of other runs in the same sessions stay. A run
that was not sent to Langfuse (an OTLP endpoint, a file) is refused with exit 2. A load run's
session scores are deleted too; a replay's are kept unless --session-scores is given, because
a script's fixed session is scored by every replay of it. The queue items the run added are
deleted too. Its comments stay: Langfuse's public API cannot delete comments (delete them in
the Langfuse UI). Queues stay: other runs share them.
Shows what it will delete and asks first. Langfuse deletes asynchronously, and has answered
deletes that never took effect, so purge then reads each deleted trace back until it is gone
or --confirm-timeout passes, and says which are confirmed gone, still visible, or failed.
Prompts and score configs the run created or reused stay: other runs and reviewers share
them, Langfuse has no delete for score configs (archive one in Langfuse if needed), and a
prompt version once linked from a generation is part of the project's history.

Needs LANGFUSE_BASE_URL (or LANGFUSE_HOST), LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY.

Options:
${flagsHelp(PURGE_FLAGS)}

What is not confirmed gone is kept in <run file>.purge-left.json: traces still visible after
the timeout, traces not read back, traces whose delete failed (with the reason), and what a
spent delete budget (429 with a long Retry-After; purge says when it opens again) left. Run
the same purge again (after that time) and it deletes only what is left.

Exit codes: 0 deleted and confirmed gone (or nothing to delete, or not confirmed at the
prompt, or sent with --no-confirm), 1 internal error (a bug), 2 usage (also a refused
production project, or a run not sent to Langfuse), 5 deleted but traces still visible (or
not read) when --confirm-timeout passed, 6 Langfuse API error (also when the keys' project
cannot be asked, a delete or read-back failed, or a spent delete budget left part of the run
undeleted), 130 interrupted (Ctrl-C; some deletes may have been sent), 143 terminated
(SIGTERM; likewise), 129 hung up (SIGHUP: the terminal closed; likewise).`;

/** What purge needs from the outside world besides {@link Io}. */
export interface PurgeIo extends Io {
  /**
   * Asks a yes/no question and answers the reply; absent when nobody can answer (stdin is not a
   * terminal), and then purge needs --yes.
   */
  confirm?: (question: string) => Promise<boolean>;
}

/** Runs `purge`; returns the exit code. */
export async function purgeCommand(args: string[], io: PurgeIo): Promise<number> {
  const { values, flags, positionals } = parseFlags(args, PURGE_FLAGS, "purge");
  if (values.help) {
    io.out(PURGE_HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 1) {
    throw new CliError(
      "purge needs one manifest or load report, e.g. out/run_0a1b2c3d4e5f.json",
      EXIT.usage,
    );
  }
  const batchSize = flags["batch-size"];
  const confirmMs = confirmFlags(flags["confirm-timeout"], values["no-confirm"]);
  const { client, host } = langfuseClientFromEnv(io.env, "purge", {
    readsPerSecond: DEFAULT_READS_PER_SECOND,
  });
  if (!values.yes && !io.confirm) {
    throw new CliError(
      "purge deletes data and cannot ask for confirmation here (the input is not a terminal): " +
        "pass --yes to delete without asking",
      EXIT.usage,
    );
  }
  const run = await openRun(positionals[0]);
  if (run.target.kind !== "langfuse") {
    throw new CliError(
      `${run.path}: run ${run.runId} was sent to ${run.target.describe}, not to Langfuse: ` +
        "purge deletes from Langfuse only, so it has nothing of this run to delete. Nothing " +
        "was deleted.",
      EXIT.usage,
    );
  }
  const part = partOfRun(run);
  if (part) io.err(`Note: ${part}.`);
  if (values["session-scores"] && run.kind === "load") {
    throw new CliError(
      "--session-scores applies to a replay's manifest: a load run's session scores are " +
        "always deleted with it",
      EXIT.usage,
    );
  }
  let plan;
  let left;
  try {
    plan = await purgePlan(run, values["session-scores"] ? { sessionScores: true } : {});
    left = await readPurgeLeft(run.path);
  } catch (error) {
    if (error instanceof RunRecordError) throw new CliError(error.message, EXIT.usage);
    throw error;
  }
  if (!values["allow-production"]) await refuseProduction(io, client);
  const planned = plan.traceIds.length;
  if (left !== undefined) {
    plan = resumePlan(plan, left);
    io.out(
      `Resuming an earlier purge of ${run.runId}: ${count(plan.traceIds.length, "trace")} of ` +
        `${planned} left (${leftFilePath(run.path)})`,
    );
  }
  const traces = count(plan.traceIds.length, "trace");
  const scores = plan.sessionScoreIds.length > 0
    ? ` and ${count(plan.sessionScoreIds.length, "session score")}`
    : "";
  const kept = plan.keptSessionScoreIds.length;
  const items = new Set(run.review?.items.map((i) => i.id)).size;
  const comments = run.review?.comments.length ?? 0;
  const itemsText = items > 0 ? ` and ${count(items, "queue item")}` : "";
  io.out(
    [
      `Purge ${run.runId} from Langfuse at ${host}`,
      `  delete    ${traces} in ${count(plan.sessionIds.length, "session")}${scores}${itemsText}`,
      ...(kept > 0
        ? [
          `  keep      ${count(kept, "session score")}: other replays of the session share ` +
          `${kept === 1 ? "it" : "them"} (--session-scores deletes ${kept === 1 ? "it" : "them"})`,
        ]
        : []),
      ...(comments > 0 ? [`  keep      ${count(comments, "comment")}: ${COMMENTS_STAY}`] : []),
      ...keptResources(run.resources),
      `  sent to   ${run.target.describe}`,
    ].join("\n"),
  );
  if (plan.traceIds.length === 0 && plan.sessionScoreIds.length === 0 && items === 0) {
    io.out("Nothing to delete.");
    return EXIT.ok;
  }
  await checkLeftFile(run.path);
  if (!values.yes) {
    const yes = await io.confirm!(
      `Delete ${traces}${scores}${itemsText} of ${run.runId} at ${host}?`,
    );
    if (!yes) {
      io.out("Not confirmed: nothing was deleted.");
      return EXIT.ok;
    }
  }
  let result;
  let review;
  try {
    // Items first: their budget is per minute, so a spent daily trace budget cannot strand them.
    review = run.review && await purgeReview(client, run.review);
    result = await purgeRun(client, plan, { batchSize });
  } catch (error) {
    throw apiFailure(error);
  }
  let check: ConfirmResult | undefined;
  if (confirmMs !== undefined && result.traceIds.length > 0) {
    const clock = io.clock ?? systemClock;
    check = await confirmGone(client, result.traceIds, {
      timeoutMs: confirmMs,
      progress: new ReadProgress({
        label: "purge",
        write: (line) => io.progress?.(line),
        now: clock.now,
      }),
      now: clock.now,
      sleep: (ms) => clock.sleepUntil(clock.now() + ms),
    });
  }
  const rest = leftOver(run.runId, result, check);
  // Deletes were sent: a left-over file that cannot be written is said, not thrown past them.
  let unwritten: string | undefined;
  try {
    await writePurgeLeft(run.path, rest);
  } catch (error) {
    unwritten = `cannot write ${leftFilePath(run.path)}: ${fsReason(error)}`;
  }
  const deleted = `Deleted ${count(result.traceIds.length, "trace")} of ${run.runId} ` +
    `(${count(result.requests, "request")})` +
    (plan.sessionScoreIds.length > 0 && result.left === undefined
      ? ` and ${count(result.sessionScores, "session score")}`
      : "") +
    (review && items > 0
      ? ` and ${count(review.deleted, "queue item")}` +
        (review.gone > 0 ? ` (${review.gone} already gone)` : "")
      : "") +
    ` at ${host}` +
    (check === undefined ? "; Langfuse removes them in the background." : ".");
  const commentsLine = review && review.commentsKept > 0
    ? `${count(review.commentsKept, "comment")} stay${
      review.commentsKept === 1 ? "s" : ""
    }: ${COMMENTS_STAY}.`
    : undefined;
  if (rest === undefined) {
    if (unwritten !== undefined) {
      io.err(`An earlier purge's left-over list could not be removed: ${unwritten}`);
    }
    io.out(
      [
        deleted,
        ...(check ? [confirmedLine(check, plan.traceIds.length)] : []),
        ...(commentsLine ? [commentsLine] : []),
      ].join("\n"),
    );
    return EXIT.ok;
  }
  if (result.traceIds.length > 0) io.out(deleted);
  if (check && check.gone.length > 0) io.out(confirmedLine(check, plan.traceIds.length));
  if (commentsLine) io.out(commentsLine);
  throw new CliError(
    leftMessage({ run: run.runId, planned: plan.traceIds.length, result, left: rest, check }) +
      (unwritten === undefined
        ? ` (what is left is listed in ${leftFilePath(run.path)})`
        : `; the list of what is left was not kept (${unwritten}), so it plans from the ` +
          "manifest again"),
    leftExit(result, check),
  );
}

/** The most ids a message names; the left-over file lists them all. */
const NAMED_IDS = 10;

/** Up to {@link NAMED_IDS} ids, then how many more. */
function someIds(ids: readonly string[]): string {
  const named = ids.slice(0, NAMED_IDS).join(", ");
  return ids.length > NAMED_IDS ? `${named} and ${ids.length - NAMED_IDS} more` : named;
}

/** "Confirmed gone: 3 of 3 deleted traces (read back in 1.20s)." */
function confirmedLine(check: ConfirmResult, deleted: number): string {
  return `Confirmed gone: ${check.gone.length} of ${count(deleted, "deleted trace")} ` +
    `(read back in ${formatMs(check.tookMs)}).`;
}

/** What the error says of a purge that left something: each id not gone, by why. */
function leftMessage(
  { run, planned, result, left, check }: {
    run: string;
    planned: number;
    result: PurgeResult;
    left: PurgeLeft;
    check?: ConfirmResult;
  },
): string {
  const parts: string[] = [];
  for (const failed of result.failed) {
    parts.push(
      `${failed.traceIds.length} could not be deleted (${failed.reason}): ${
        someIds(failed.traceIds)
      }`,
    );
  }
  if (left.stillVisible) {
    parts.push(
      `${left.stillVisible.length} still visible after ${formatMs(check!.tookMs)}, though ` +
        `Langfuse answered their delete: ${someIds(left.stillVisible)}`,
    );
  }
  if (left.unchecked) {
    const why = check?.stopped ?? "--confirm-timeout passed before they were read";
    parts.push(`${left.unchecked.length} not read back (${why}): ${someIds(left.unchecked)}`);
  }
  if (result.left) {
    const rest = result.left.traceIds.length > 0
      ? `${result.left.traceIds.length} left`
      : `${count(result.left.sessionScoreIds.length, "session score")} left`;
    parts.push(
      `${rest}: Langfuse's ${result.left.resource} budget is spent until ${result.left.until}`,
    );
  }
  const head = result.left || check === undefined
    ? `Deleted ${result.traceIds.length} of ${count(planned, "trace")} of ${run}`
    : `${check.gone.length} of ${count(planned, "trace")} of ${run} confirmed gone`;
  return `${head}; ${parts.join("; ")}; run purge again` +
    (result.left ? " after it" : " to delete what is left");
}

/**
 * The exit code of a purge that left something: 6 when a delete or read failed or a budget is
 * spent, else 5: Langfuse answered the deletes but still shows traces (or they were not read).
 */
function leftExit(result: PurgeResult, check: ConfirmResult | undefined): number {
  if (result.failed.length > 0 || result.left || check?.stopped !== undefined) {
    return EXIT.langfuseApi;
  }
  return EXIT.verifyMismatch;
}

/**
 * Checks, before anything is deleted, that what a spent delete budget leaves can be kept
 * beside the run file: otherwise a later run could not tell what is left.
 */
async function checkLeftFile(runPath: string): Promise<void> {
  const path = leftFilePath(runPath);
  try {
    await prepareFile(path, path);
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    throw new CliError(
      `${error.message}. purge keeps there what Langfuse's delete budget leaves for a later ` +
        "run; nothing was deleted",
      EXIT.usage,
    );
  }
}

/** The `keep` line for a run's prompts and score configs, which purge never deletes. */
function keptResources(resources: RunResources | undefined): string[] {
  if (!resources || resources.prompts.length + resources.scoreConfigs.length === 0) return [];
  return [
    `  keep      ${count(resources.prompts.length, "prompt version")} and ` +
    `${count(resources.scoreConfigs.length, "score config")}: shared with other runs ` +
    "(Langfuse has no delete for score configs)",
  ];
}

/**
 * A yes/no prompt on the terminal (on stderr, so stdout stays clean), or undefined when stdin
 * is not a terminal: give it as `confirm` in the process's Io.
 */
export function terminalConfirm(): ((question: string) => Promise<boolean>) | undefined {
  if (!process.stdin.isTTY) return undefined;
  return async (question) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      const answer = await rl.question(`${question} [y/N] `);
      return /^y(es)?$/i.test(answer.trim());
    } finally {
      rl.close();
    }
  };
}

/** `--confirm-timeout` in ms, or undefined for `--no-confirm`; both together are refused. */
function confirmFlags(
  timeoutMs: number | undefined,
  skip: boolean | undefined,
): number | undefined {
  if (skip && timeoutMs !== undefined) {
    throw new CliError("--confirm-timeout and --no-confirm cannot be given together", EXIT.usage);
  }
  if (skip) return undefined;
  return timeoutMs ?? DEFAULT_CONFIRM_MS;
}

/**
 * Refuses to delete from a host, environment or project named like production (the project
 * asked of Langfuse), before anything is shown or deleted.
 */
async function refuseProduction(io: PurgeIo, client: LangfuseClient): Promise<void> {
  const target = resolveTarget({ target: "langfuse" }, io.env);
  guardProduction(productionReasons(target, io.env, []), false, "delete from");
  const project = await langfuseProjectName(client, {
    keysRefusedExit: EXIT.langfuseApi,
    nothingDone: "Nothing was deleted.",
  });
  guardProduction(productionReasons(target, io.env, [], project), false, "delete from");
}
