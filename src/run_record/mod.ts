/**
 * The run record: the manifest, the load report and the sessions file that replay and load
 * write and verify, purge, grade, report merge and a seeded re-run read back. The schema and
 * its types, the reader (typed errors, streamed sessions) and the writer (versioned, redacted).
 *
 * @example
 * ```ts
 * import { openRunFile, runSessions } from "./mod.ts";
 * const run = await openRunFile("out/run_0a1b2c3d4e5f.load.json");
 * for await (const session of runSessions(run)) console.log(session.sessionId);
 * ```
 */
export * from "./schema.ts";
export {
  parseRunRecord,
  parseSessionLine,
  readRunRecord,
  readSessionsFile,
  RunRecordError,
} from "./read.ts";
export { openRunFile, partOfRun, type RunFile, runSessions } from "./run_file.ts";
export { recordText, sessionLine } from "./write.ts";
