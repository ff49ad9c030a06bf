/**
 * Reads the run record: a manifest or load report (whole, checked against the schema) and a
 * sessions file (streamed line by line, each line checked), any version up to
 * {@link RECORD_VERSION}; a version-1 file reads as the same record as version 2. What cannot be
 * read is a {@link RunRecordError} naming the file, the line of a sessions file, and the field.
 *
 * @example
 * ```ts
 * const { kind, record } = await readRunRecord("out/run_0a1b2c3d4e5f.json");
 * for await (const session of readSessionsFile("out/run_0a1b.sessions.jsonl")) use(session);
 * ```
 */
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import type { z } from "zod";
import { fsReason } from "../text/fs_reason.ts";
import { formatPath } from "../script/errors.ts";
import { readTextFile, TextFileError } from "../script/text_file.ts";
import {
  isObject,
  LoadReport,
  ManifestSession,
  MergedLoadReport,
  RECORD_VERSION,
  type RunRecord,
  RunReport,
  upgradeRecord,
  VERSION_FIELD,
} from "./schema.ts";

/** Where a run record could not be read, and why; `message` says it all, with the place first. */
export class RunRecordError extends Error {
  override readonly name = "RunRecordError";
  /** The file as given. */
  readonly file: string;
  /** The 1-based line of a sessions file; absent for a manifest or load report. */
  readonly line?: number;
  /** The field path, like `sessions[0].traces[1].startTime`; absent when no field is at fault. */
  readonly field?: string;
  /** The record version the file says it has, when it is one this code does not read. */
  readonly version?: number;

  constructor(
    message: string,
    place: { file: string; line?: number; field?: string; version?: number },
  ) {
    super(message);
    this.file = place.file;
    if (place.line !== undefined) this.line = place.line;
    if (place.field !== undefined) this.field = place.field;
    if (place.version !== undefined) this.version = place.version;
  }
}

/** The record in a manifest's or load report's text; `file` names it in errors. Pure. */
export function parseRunRecord(text: string, file: string): RunRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new RunRecordError(`${file}: is not JSON, so not a manifest or load report`, { file });
  }
  if (!isObject(value) || value.tool !== "session-replay") {
    throw new RunRecordError(`${file}: is not a session-replay manifest or load report`, { file });
  }
  const place = { file };
  const version = versionOf(value, place);
  const data = version === 1 ? upgradeRecord(value) : value;
  if (isObject(data) && data.kind === "load") {
    const schema = "shards" in data ? MergedLoadReport : LoadReport;
    return { kind: "load", record: check(schema, data, place) };
  }
  return { kind: "replay", record: check(RunReport, data, place) };
}

/** The session on one line of a sessions file (`line`: 1-based, for errors). Pure. */
export function parseSessionLine(text: string, place: { file: string; line: number }) {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new RunRecordError(`${where(place)}: is not a JSON session line`, place);
  }
  if (!isObject(value)) {
    throw new RunRecordError(
      `${where(place)}: is not a session (a JSON object), but ${kindOf(value)}`,
      place,
    );
  }
  versionOf(value, place);
  return check(ManifestSession, value, place);
}

/** Reads a manifest or load report; throws RunRecordError naming the file and what is wrong. */
export async function readRunRecord(file: string): Promise<RunRecord> {
  let text: string;
  try {
    text = await readTextFile(file);
  } catch (error) {
    if (error instanceof TextFileError) throw new RunRecordError(error.message, { file });
    throw error;
  }
  return parseRunRecord(text, file);
}

/** The sessions of a sessions file, line by line (blank lines skipped), never all at once. */
export async function* readSessionsFile(file: string): AsyncGenerator<ManifestSession> {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const text of lines) {
      line++;
      if (text.trim() === "") continue;
      yield parseSessionLine(text, { file, line });
    }
  } catch (error) {
    if (error instanceof RunRecordError) throw error;
    throw new RunRecordError(`${file}: cannot be read: ${fsReason(error)}`, { file });
  } finally {
    lines.close();
  }
}

/** The record version of a value: its `recordVersion`, 1 when it has none; refuses newer ones. */
function versionOf(
  value: Record<string, unknown>,
  place: { file: string; line?: number },
): number {
  const version = value[VERSION_FIELD];
  if (version === undefined) return 1;
  if (typeof version !== "number" || !Number.isInteger(version) || version < 1) {
    throw new RunRecordError(
      `${where(place)}: ${VERSION_FIELD} must be a whole number of at least 1, not ` +
        `${JSON.stringify(version)}`,
      { ...place, field: VERSION_FIELD },
    );
  }
  if (version > RECORD_VERSION) {
    throw new RunRecordError(
      `${where(place)}: record version ${version} is newer than this session-replay reads ` +
        `(up to ${RECORD_VERSION}); read it with the session-replay that wrote it, or a newer one`,
      { ...place, field: VERSION_FIELD, version },
    );
  }
  return version;
}

/** The value as the schema outputs it, or a RunRecordError on its first problem. */
function check<T extends z.ZodType>(
  schema: T,
  value: unknown,
  place: { file: string; line?: number },
): z.output<T> {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  const [first, ...rest] = result.error.issues;
  const field = formatPath(first.path);
  const more = rest.length === 0
    ? ""
    : ` (and ${rest.length} more problem${rest.length === 1 ? "" : "s"})`;
  throw new RunRecordError(
    `${where(place)}: ${field ? `${field} ` : ""}${problemOf(first)}${more}`,
    { ...place, ...(field ? { field } : {}) },
  );
}

/** One zod issue in words, after the field: "is missing", "must be a number, not a string". */
function problemOf(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_type") {
    if (issue.input === undefined) return "is missing";
    return `must be ${article(issue.expected)}, not ${kindOf(issue.input)}`;
  }
  if (issue.code === "invalid_value") {
    const values = issue.values.map((v) => JSON.stringify(v));
    return `must be ${values.length === 1 ? values[0] : `one of ${values.join(", ")}`}`;
  }
  if (issue.code === "invalid_union") return "has none of the shapes it may have";
  return issue.message.charAt(0).toLowerCase() + issue.message.slice(1);
}

function article(expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

/** What a JSON value is, in words: "a string", "an array", "null". */
function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return article(typeof value);
}

function where(place: { file: string; line?: number }): string {
  return place.line === undefined ? place.file : `${place.file}:${place.line}`;
}
