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
import type { RunFixtures } from "../plan/fixtures.ts";
import { createReadStream } from "node:fs";
import { readFile, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { createInterface } from "node:readline";
import type { ManifestSession } from "../report/run_report.ts";
import type { RunReview } from "../report/review_report.ts";
import { readTextFile, TextFileError } from "../script/text_file.ts";
import { LangfuseApiError, RateLimitedError } from "./api_error.ts";
import type { LangfuseClient } from "./client.ts";

/** A file that is not a readable manifest or load report; the message names the file. */
export class RunFileError extends Error {
  override readonly name = "RunFileError";
}

/** A run as its manifest or load report describes it. */
export interface RunFile {
  /** The file as given. */
  path: string;
  kind: "replay" | "load";
  runId: string;
  target: { kind: string; describe: string; url?: string };
  /** Replay manifests: the sessions. */
  sessions?: ManifestSession[];
  /** Load reports: the sessions files (JSONL, one session a line), resolved: a run's or a
   * shard's one, or each merged shard's. */
  sessionsFiles?: string[];
  /** A shard's own report: which shard of how many (its sessions are that shard's only). */
  shard?: { k: number; n: number };
  /** Shards merged: which are in it and which are missing (their sessions are not). */
  shards?: { n: number; merged: number[]; missing: number[] };
  /** The run's annotation queues, queue items and comments, when it made any. */
  review?: RunReview;
  /** The prompts and score configs the run made sure of, when it recorded them. */
  fixtures?: RunFixtures;
}

/** Reads a manifest or a load report's header; a load report's sessions stay on disk. */
export async function openRunFile(path: string): Promise<RunFile> {
  let text: string;
  try {
    text = await readTextFile(path);
  } catch (error) {
    if (error instanceof TextFileError) throw new RunFileError(error.message);
    throw error;
  }
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(text);
  } catch {
    throw new RunFileError(`${path}: is not JSON, so not a manifest or load report`);
  }
  if (
    typeof data !== "object" || data === null || data.tool !== "session-replay" ||
    typeof data.runId !== "string"
  ) {
    throw new RunFileError(`${path}: is not a session-replay manifest or load report`);
  }
  const target = (data.target ?? { kind: "unknown", describe: "unknown" }) as RunFile["target"];
  const review = reviewOf(path, data.review);
  if (data.kind === "load") {
    return {
      path,
      kind: "load",
      runId: data.runId,
      target,
      sessionsFiles: await sessionsFilesOf(path, data),
      ...shardsOf(data),
      ...fixturesOf(data),
      ...review,
    };
  }
  if (!Array.isArray(data.sessions)) {
    throw new RunFileError(`${path}: the manifest has no sessions list`);
  }
  return {
    path,
    kind: "replay",
    runId: data.runId,
    target,
    sessions: data.sessions as ManifestSession[],
    ...fixturesOf(data),
    ...review,
  };
}

/** The file's `review`, checked for the lists purge and verify read. */
function reviewOf(path: string, value: unknown): { review?: RunReview } {
  if (value === undefined) return {};
  const review = value as RunReview;
  const lists = [review?.queues, review?.items, review?.comments];
  if (typeof value !== "object" || value === null || !lists.every(Array.isArray)) {
    throw new RunFileError(`${path}: its review has no queues, items and comments lists`);
  }
  return { review };
}

/**
 * A load report's sessions files, resolved: `sessionsFiles` (shards merged), else its
 * `sessionsFile`. A merge written before `sessionsFiles` joined the shards' paths with spaces.
 */
function sessionsFilesOf(path: string, data: Record<string, unknown>): Promise<string[]> {
  const { sessionsFiles, sessionsFile } = data;
  if (Array.isArray(sessionsFiles) && sessionsFiles.every((f) => typeof f === "string")) {
    return Promise.all(sessionsFiles.map((file: string) => resolveSessionsFile(path, file)));
  }
  if (typeof sessionsFile !== "string") {
    throw new RunFileError(`${path}: the load report names no sessionsFile`);
  }
  // Not the joined text as one path: its base name is the last shard's file.
  const files = data.shards === undefined ? [sessionsFile] : sessionsFile.split(" ");
  return Promise.all(files.map((file) => resolveSessionsFile(path, file)));
}

/** A load report's `shard` (one shard's) or `shards` (a merge's), when well-formed. */
function shardsOf(data: Record<string, unknown>): Pick<RunFile, "shard" | "shards"> {
  const shard = data.shard as RunFile["shard"] | undefined;
  const shards = data.shards as RunFile["shards"] | undefined;
  if (typeof shard?.k === "number" && typeof shard.n === "number") {
    return { shard: { k: shard.k, n: shard.n } };
  }
  if (
    typeof shards?.n === "number" && Array.isArray(shards.merged) &&
    Array.isArray(shards.missing)
  ) {
    return { shards: { n: shards.n, merged: shards.merged, missing: shards.missing } };
  }
  return {};
}

/**
 * What the file holds of its run when not all of it, for a note: one shard's report, or a merge
 * with shards missing. Undefined for a whole run.
 */
export function partOfRun(run: RunFile): string | undefined {
  if (run.shard) {
    return `${run.path} is the report of shard ${run.shard.k}/${run.shard.n} of ${run.runId} ` +
      "only; give the merged report (report merge) for the whole run";
  }
  if (run.shards && run.shards.missing.length > 0) {
    const missing = run.shards.missing.map((k) => `${k}/${run.shards!.n}`).join(", ");
    return `${run.path} merges ${run.shards.merged.length} of ${run.shards.n} shards of ` +
      `${run.runId}: the sessions of shard${run.shards.missing.length === 1 ? "" : "s"} ` +
      `${missing} are not in it`;
  }
  return undefined;
}

/** The run file's `fixtures`, when it has well-formed ones. */
function fixturesOf(data: Record<string, unknown>): { fixtures?: RunFixtures } {
  const fixtures = data.fixtures as RunFixtures | undefined;
  return fixtures && Array.isArray(fixtures.prompts) && Array.isArray(fixtures.scoreConfigs)
    ? { fixtures }
    : {};
}

/** The run's sessions: from the manifest, or streamed from the load report's sessions files. */
export async function* runSessions(run: RunFile): AsyncGenerator<ManifestSession> {
  if (run.sessions) {
    yield* run.sessions;
    return;
  }
  for (const file of run.sessionsFiles!) yield* fileSessions(file);
}

/** The sessions of one sessions file, line by line. */
async function* fileSessions(file: string): AsyncGenerator<ManifestSession> {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const line of lines) {
      n++;
      if (line.trim() === "") continue;
      let session: ManifestSession;
      try {
        session = JSON.parse(line);
      } catch {
        throw new RunFileError(`${file}:${n}: is not a JSON session line`);
      }
      if (typeof session?.sessionId !== "string" || !Array.isArray(session.traces)) {
        throw new RunFileError(`${file}:${n}: has no sessionId and traces`);
      }
      yield session;
    }
  } catch (error) {
    if (error instanceof RunFileError) throw error;
    throw new RunFileError(`${file}: cannot be read: ${reason(error)}`);
  } finally {
    lines.close();
  }
}

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
    throw new RunFileError(`${path}: cannot be read: ${reason(error)}`);
  }
  try {
    const left = JSON.parse(text) as PurgeLeft;
    if (Array.isArray(left.traceIds) && Array.isArray(left.sessionScoreIds)) return left;
  } catch {
    // Reported below.
  }
  throw new RunFileError(`${path}: is not what purge left of a run; delete it to purge afresh`);
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

/**
 * The sessions file as written (relative to where load ran), else the same name beside the
 * report, so a report moved together with its sessions file still works.
 */
async function resolveSessionsFile(reportPath: string, sessionsFile: string): Promise<string> {
  const candidates = [sessionsFile, join(dirname(reportPath), basename(sessionsFile))];
  for (const candidate of candidates) {
    try {
      if ((await stat(candidate)).isFile()) return candidate;
    } catch {
      // Try the next place.
    }
  }
  throw new RunFileError(
    `${reportPath}: its sessions file "${sessionsFile}" cannot be found (also looked beside the report)`,
  );
}

function reason(error: unknown): string {
  const code = (error as { code?: string }).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES") return "permission denied";
  if (code === "EISDIR") return "it is a directory";
  return (error as Error).message ?? String(error);
}
