/**
 * What a run wrote and how to remove it: reads a replay manifest (`out/<runId>.json`) or a
 * load report (`out/<runId>.load.json`, whose sessions file is streamed line by line), lists
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
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { createInterface } from "node:readline";
import type { ManifestSession } from "../report/run_report.ts";
import { readTextFile, TextFileError } from "../script/text_file.ts";
import { MAX_DELETE_IDS } from "./api_types.ts";
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
  /** Load reports: the sessions file (JSONL, one session a line), resolved. */
  sessionsFile?: string;
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
  if (data.kind === "load") {
    if (typeof data.sessionsFile !== "string") {
      throw new RunFileError(`${path}: the load report names no sessionsFile`);
    }
    const sessionsFile = await resolveSessionsFile(path, data.sessionsFile);
    return { path, kind: "load", runId: data.runId, target, sessionsFile };
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
  };
}

/** The run's sessions: from the manifest, or streamed from the load report's sessions file. */
export async function* runSessions(run: RunFile): AsyncGenerator<ManifestSession> {
  if (run.sessions) {
    yield* run.sessions;
    return;
  }
  const file = run.sessionsFile!;
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

/** Options for {@link purgeRun}. */
export interface PurgeOptions {
  /** Trace ids per DELETE request, 1 to 1000; default 1000. */
  batchSize?: number;
}

/** What {@link purgeRun} deleted. */
export interface PurgeResult {
  /** Trace ids submitted for deletion (Langfuse deletes asynchronously). */
  traceIds: string[];
  /** DELETE /api/public/traces requests sent. */
  requests: number;
  /** Session scores deleted (those Langfuse did not have are not counted). */
  sessionScores: number;
}

/** Deletes the plan's traces in batches, then its session scores; throws LangfuseApiError. */
export async function purgeRun(
  client: LangfuseClient,
  plan: PurgePlan,
  options: PurgeOptions = {},
): Promise<PurgeResult> {
  const { requests } = await client.deleteTraces(
    plan.traceIds,
    options.batchSize ?? MAX_DELETE_IDS,
  );
  let sessionScores = 0;
  for (const id of plan.sessionScoreIds) {
    if (await client.deleteScore(id)) sessionScores++;
  }
  return { traceIds: plan.traceIds, requests, sessionScores };
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
