/**
 * A run as verify, purge and grade read it: a manifest, or a load report whose sessions stay on
 * disk until streamed (a run's or a shard's sessions file, or every merged shard's), with the
 * sessions files found where they were written or beside the report.
 *
 * @example
 * ```ts
 * const run = await openRunFile("out/run_0a1b2c3d4e5f.load.json");
 * for await (const session of runSessions(run)) console.log(session.sessionId);
 * ```
 */
import { stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { readRunRecord, readSessionsFile, RunRecordError } from "./read.ts";
import type { ManifestSession, RunResources, RunReview } from "./schema.ts";

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
  resources?: RunResources;
}

/** Reads a manifest or a load report's header; a load report's sessions stay on disk. */
export async function openRunFile(path: string): Promise<RunFile> {
  const { kind, record } = await readRunRecord(path);
  const base = {
    path,
    runId: record.runId,
    target: record.target,
    ...(record.review ? { review: record.review } : {}),
    ...(record.resources ? { resources: record.resources } : {}),
  };
  if (kind === "replay") return { ...base, kind, sessions: record.sessions };
  const files = "sessionsFiles" in record ? record.sessionsFiles : [record.sessionsFile];
  return {
    ...base,
    kind,
    sessionsFiles: await Promise.all(files.map((file) => resolveSessionsFile(path, file))),
    ...("shards" in record
      ? { shards: record.shards }
      : record.shard
      ? { shard: { k: record.shard.k, n: record.shard.n } }
      : {}),
  };
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

/** The run's sessions: from the manifest, or streamed from the load report's sessions files. */
export async function* runSessions(run: RunFile): AsyncGenerator<ManifestSession> {
  if (run.sessions) {
    yield* run.sessions;
    return;
  }
  for (const file of run.sessionsFiles!) yield* readSessionsFile(file);
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
  throw new RunRecordError(
    `${reportPath}: its sessions file "${sessionsFile}" cannot be found (also looked beside the report)`,
    { file: reportPath, field: "sessionsFile" },
  );
}
