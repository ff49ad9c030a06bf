/**
 * What a run wrote and how to remove it: reads a replay manifest (`out/<runId>.json`), a load
 * report (`out/<runId>.load.json`, whose sessions file is streamed line by line) or shards'
 * reports merged (`report merge`, whose every shard's sessions file is streamed), lists
 * the trace ids and session scores it covers, and deletes them in batches. Deleting a trace
 * deletes its observations and trace scores with it; session scores are deleted one by one,
 * by default only for load runs: a replay's session id may be fixed in its script, and then
 * every replay of it scores the same session under the same score id.
 *
 * @example
 * ```ts
 * const run = await openRunFile("out/run_0a1b2c3d4e5f.json");
 * const plan = await purgePlan(run);
 * const done = await purgeRun(client, plan);
 * ```
 */
import { readFile, rm, writeFile } from "node:fs/promises";
import { RunRecordError } from "../run_record/read.ts";
import { type RunFile, runSessions } from "../run_record/run_file.ts";
import { LangfuseApiError, RateLimitedError } from "./api_error.ts";
import type { LangfuseClient } from "./client.ts";

/** What a purge of a run will delete. */
export interface PurgePlan {
  runId: string;
  /** Trace ids, each once, in manifest order. */
  traceIds: string[];
  /** Session ids, each once. */
  sessionIds: string[];
  /** Ids of session-level scores to delete (trace scores go with their traces). */
  sessionScoreIds: string[];
  /** Ids of session-level scores left alone, as they may be shared with other runs. */
  keptSessionScoreIds: string[];
}

/** Options for {@link purgePlan}. */
export interface PurgePlanOptions {
  /** Delete session-level scores too; default true for load runs, false for replays. */
  sessionScores?: boolean;
}

/** The trace ids, sessions and session scores a run covers. */
export async function purgePlan(run: RunFile, options: PurgePlanOptions = {}): Promise<PurgePlan> {
  const traceIds = new Set<string>();
  const sessionIds = new Set<string>();
  const sessionScoreIds = new Set<string>();
  for await (const session of runSessions(run)) {
    sessionIds.add(session.sessionId);
    for (const trace of session.traces) traceIds.add(trace.traceId);
    for (const score of session.scores ?? []) {
      if (score.traceId === undefined) sessionScoreIds.add(score.id);
    }
  }
  const deleteScores = options.sessionScores ?? run.kind === "load";
  return {
    runId: run.runId,
    traceIds: [...traceIds],
    sessionIds: [...sessionIds],
    sessionScoreIds: deleteScores ? [...sessionScoreIds] : [],
    keptSessionScoreIds: deleteScores ? [] : [...sessionScoreIds],
  };
}

/**
 * Trace ids per DELETE request by default: Langfuse accepts up to 1000 (MAX_DELETE_IDS) but
 * advises 30-50, as a large batch is one long deletion job that may time out.
 */
export const DEFAULT_DELETE_BATCH = 50;

/** Options for {@link purgeRun}. */
export interface PurgeOptions {
  /** Trace ids per DELETE request, 1 to 1000; default {@link DEFAULT_DELETE_BATCH}. */
  batchSize?: number;
}

/** Trace ids whose DELETE request failed, and Langfuse's (or the network's) reason. */
export interface FailedDelete {
  traceIds: string[];
  reason: string;
}

/** What {@link purgeRun} deleted. */
export interface PurgeResult {
  /** Trace ids submitted for deletion and answered (Langfuse deletes asynchronously). */
  traceIds: string[];
  /** Batches whose DELETE failed; their ids were not deleted. */
  failed: FailedDelete[];
  /** DELETE /api/public/traces requests sent. */
  requests: number;
  /**
   * Session-score deletes Langfuse accepted. It queues each without looking the score up
   * (202 either way), so a score it never had counts too.
   */
  sessionScores: number;
  /** What could not be deleted yet because a Langfuse budget is spent; absent when all went. */
  left?: PurgeLeft;
}

/**
 * What a purge could not delete or confirm gone, as the sidecar file keeps it for the next
 * purge: every trace id in `traceIds` is deleted again then.
 */
export interface PurgeLeft {
  runId: string;
  traceIds: string[];
  sessionScoreIds: string[];
  /** Langfuse's budget that is spent, e.g. "trace-delete", when one stopped the purge. */
  resource?: string;
  /** When it opens again, ISO 8601. */
  until?: string;
  /** Of `traceIds`: deleted but still shown by Langfuse when the confirmation timed out. */
  stillVisible?: string[];
  /** Of `traceIds`: deleted but not read back (time up, or a read failed). */
  unchecked?: string[];
  /** Of `traceIds`: whose DELETE failed, with the reason. */
  failed?: FailedDelete[];
}

/**
 * Deletes the plan's traces in batches, then its session scores. A budget spent for longer than
 * the client waits (Langfuse Cloud's daily trace-delete budget) ends the purge early with the
 * rest in `left`; a batch whose DELETE fails otherwise is counted in `failed`; a failed score
 * delete throws LangfuseApiError.
 */
export async function purgeRun(
  client: LangfuseClient,
  plan: PurgePlan,
  options: PurgeOptions = {},
): Promise<PurgeResult> {
  const batchSize = options.batchSize ?? DEFAULT_DELETE_BATCH;
  const result: PurgeResult = { traceIds: [], failed: [], requests: 0, sessionScores: 0 };
  const scoreIds = [...plan.sessionScoreIds];
  const stop = (error: RateLimitedError, traceIds: string[]): PurgeResult => ({
    ...result,
    left: {
      runId: plan.runId,
      traceIds,
      sessionScoreIds: scoreIds,
      resource: error.resource,
      until: new Date(error.untilMs).toISOString(),
    },
  });
  for (let i = 0; i < plan.traceIds.length; i += batchSize) {
    const batch = plan.traceIds.slice(i, i + batchSize);
    try {
      result.requests += (await client.deleteTraces(batch, batchSize)).requests;
    } catch (error) {
      if (error instanceof RateLimitedError) return stop(error, plan.traceIds.slice(i));
      if (!(error instanceof LangfuseApiError)) throw error;
      // Counted and named, and the next batches still go: one bad batch strands no others.
      result.requests++;
      result.failed.push({ traceIds: batch, reason: error.message });
      continue;
    }
    result.traceIds.push(...batch);
  }
  while (scoreIds.length > 0) {
    try {
      if (await client.deleteScore(scoreIds[0])) result.sessionScores++;
    } catch (error) {
      if (error instanceof RateLimitedError) return stop(error, []);
      throw error;
    }
    scoreIds.shift();
  }
  return result;
}

/** What a purge's confirmation found of the ids it deleted (see purge_confirm.ts). */
export interface ConfirmedIds {
  visible: string[];
  unchecked: string[];
}

/**
 * What the next purge of the run must do again: ids whose DELETE failed, ids not confirmed
 * gone, and what a spent budget left undeleted; undefined when nothing is left.
 */
export function leftOver(
  runId: string,
  result: PurgeResult,
  confirmed?: ConfirmedIds,
): PurgeLeft | undefined {
  const failed = result.failed.flatMap((f) => f.traceIds);
  const visible = confirmed?.visible ?? [];
  const unchecked = confirmed?.unchecked ?? [];
  const traceIds = [...failed, ...visible, ...unchecked, ...(result.left?.traceIds ?? [])];
  if (result.left === undefined && traceIds.length === 0) return undefined;
  return {
    ...(result.left ?? { runId, sessionScoreIds: [] }),
    traceIds,
    ...(visible.length > 0 ? { stillVisible: visible } : {}),
    ...(unchecked.length > 0 ? { unchecked } : {}),
    ...(result.failed.length > 0 ? { failed: result.failed } : {}),
  };
}

/** Where a stopped purge keeps what is left of a run: beside its file, `<file>.purge-left.json`. */
export function leftFilePath(runPath: string): string {
  return `${runPath}.purge-left.json`;
}

/** The rest of an earlier stopped purge of the run, or undefined when there is none. */
export async function readPurgeLeft(runPath: string): Promise<PurgeLeft | undefined> {
  const path = leftFilePath(runPath);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return undefined;
    throw new RunRecordError(`${path}: cannot be read: ${reason(error)}`, { file: path });
  }
  try {
    const left = JSON.parse(text) as PurgeLeft;
    if (Array.isArray(left.traceIds) && Array.isArray(left.sessionScoreIds)) return left;
  } catch {
    // Reported below.
  }
  throw new RunRecordError(
    `${path}: is not what purge left of a run; delete it to purge afresh`,
    { file: path },
  );
}

/** Keeps what is left of the run for the next purge, or removes the file when nothing is. */
export async function writePurgeLeft(runPath: string, left: PurgeLeft | undefined): Promise<void> {
  const path = leftFilePath(runPath);
  if (left === undefined) await rm(path, { force: true });
  else await writeFile(path, JSON.stringify(left, null, 2) + "\n");
}

/** The plan of a purge that resumes `left`: only what was not deleted yet. */
export function resumePlan(plan: PurgePlan, left: PurgeLeft): PurgePlan {
  return { ...plan, traceIds: left.traceIds, sessionScoreIds: left.sessionScoreIds };
}

function reason(error: unknown): string {
  const code = (error as { code?: string }).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES") return "permission denied";
  if (code === "EISDIR") return "it is a directory";
  return (error as Error).message ?? String(error);
}
