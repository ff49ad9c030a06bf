/**
 * Writes the run record at {@link RECORD_VERSION}: a manifest's or load report's text (pretty
 * JSON, the run's secrets removed: the file leaves the process) and a sessions file's lines.
 * A sessions file is written a line at a time as the run goes (`run_record/lines_file.ts`, with
 * each line redacted by `redactorFor`), never held whole: a worker thread makes the lines.
 *
 * @example
 * ```ts
 * await writeFile("out/run_0a1b2c3d4e5f.json", recordText(report, process.env));
 * const file = LinesFile.open("out/run.sessions.jsonl");
 * file.write(redactorFor(process.env)(sessionLine(session)));
 * file.close();
 * ```
 */
import { redactorFor } from "../http/redact.ts";
import {
  type LoadReport,
  type ManifestSession,
  type MergedLoadReport,
  RECORD_VERSION,
  type RunReport,
  VERSION_FIELD,
} from "./schema.ts";

/** The environment whose secrets are removed from what is written. */
export type Env = Record<string, string | undefined>;

/** A manifest's or load report's file text: `recordVersion` after `tool`, redacted, one newline. */
export function recordText(record: RunReport | LoadReport | MergedLoadReport, env: Env): string {
  const { tool, ...rest } = record;
  const versioned = { tool, [VERSION_FIELD]: RECORD_VERSION, ...rest };
  return redactorFor(env)(JSON.stringify(versioned, null, 2)) + "\n";
}

/** One line of a sessions file (no newline), not yet redacted: the session and the record version. */
export function sessionLine(session: ManifestSession): string {
  return JSON.stringify({ [VERSION_FIELD]: RECORD_VERSION, ...session });
}
