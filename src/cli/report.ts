/**
 * `report merge`: combines the load reports of a run's shards (`load --shard K/N`) into the
 * report of the whole run: counts added exactly, the population shape and latency quantiles
 * recomputed from the shards' exact tallies, the missing shards named.
 *
 * @example
 * deno task report merge out/*.load.json --out out/run.merged.json
 */
import { dirname, join, resolve } from "node:path";
import { formatLoadReport, isWholeRun } from "../report/load_report.ts";
import { mergeShardReports, ReportMergeError, type ShardInput } from "../report/shard_report.ts";
import { readRunRecord, RunRecordError } from "../run_record/read.ts";
import { recordText } from "../run_record/write.ts";
import { CliError, EXIT } from "../run/exit_codes.ts";
import type { Io } from "../run/io.ts";
import { flagsHelp, HELP_FLAG, parseFlags, textFlag } from "./flags.ts";
import { attemptWrite, prepareFile, refuseSamePath, writeOutput } from "../run/paths.ts";
import { writeMergedHtml } from "../run/html_output.ts";

/** The flags of `report`. */
export const REPORT_FLAGS = {
  out: textFlag(
    "FILE",
    "where to write the merged report (default <run id>.merged.json beside the first)",
  ),
  html: textFlag(
    "FILE",
    "also write a self-contained HTML report of the merged run (opens offline)",
  ),
  help: HELP_FLAG,
};

/** `report --help`. */
export const REPORT_HELP =
  `Usage: session-replay report merge <shard.load.json>... [--out FILE] [--html FILE]

Combines the load reports of the shards of one run (load --shard K/N, e.g. one per machine or
per Kubernetes pod) into the report of the whole run: spans, failures, requests, statuses,
sessions, users, the population shape and the export latency quantiles are those of the run,
exactly; spans/s is over the wall time from the first shard's start to the last one's end.
The reports must be of one run: the same identity (seed, script contents, the flags that
shape the sessions, target and N; the message names the one that differs), the same --at for
a backfill, and for a live run shards started within its arrival window of each other. Each
shard is given once. Missing shards are named and the merge is headed "incomplete"; the merged
report lists every shard's sessions file, so verify, purge and grade read the whole run.

Options:
${flagsHelp(REPORT_FLAGS)}

Exit codes: 0 merged, every shard present and the run's thresholds met; 1 internal error (a
bug); 2 usage, or reports of different runs, or a shard given twice; 3 a file that cannot be
read or is not a shard's load report (also one written before reports held the run's
identity); 4 shards missing, spans failed or a threshold missed.`;

/** Runs `report`; returns the exit code. */
export async function reportCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags(args, REPORT_FLAGS, "report");
  if (values.help) {
    io.out(REPORT_HELP);
    return EXIT.ok;
  }
  const [sub, ...files] = positionals;
  if (sub !== "merge") {
    throw new CliError(
      sub === undefined
        ? "report needs a subcommand: report merge <shard.load.json>..."
        : `report has no subcommand "${sub}"; use report merge <shard.load.json>...`,
      EXIT.usage,
    );
  }
  if (files.length === 0) {
    throw new CliError("report merge needs the shards' load reports", EXIT.usage);
  }
  // An input named twice is the merge's to refuse (a shard given twice); here only an output
  // that would overwrite an input or the other output.
  const distinctInputs = [...new Map(files.map((path) => [resolve(path), path])).values()];
  refuseSamePath([
    ...distinctInputs.map((path) => ({ flag: "report merge's input", path })),
    { flag: "--out", path: values.out },
    { flag: "--html", path: values.html },
  ]);
  if (values.out !== undefined) await prepareFile(values.out, "--out");
  if (values.html !== undefined) await prepareFile(values.html, "--html");
  const inputs: ShardInput[] = [];
  for (const file of files) {
    try {
      inputs.push({ file, report: (await readRunRecord(file)).record });
    } catch (error) {
      if (error instanceof RunRecordError) throw new CliError(error.message, EXIT.invalidScript);
      throw error;
    }
  }
  let merge;
  try {
    merge = mergeShardReports(inputs);
  } catch (error) {
    if (error instanceof ReportMergeError) {
      throw new CliError(
        error.message,
        error.reason === "invalid" ? EXIT.invalidScript : EXIT.usage,
      );
    }
    throw error;
  }
  const merged = merge.report;
  const out = values.out ?? join(dirname(files[0]), `${merged.runId}.merged.json`);
  if (values.out === undefined) await prepareFile(out, "--out");
  // A file that cannot be written is said after the summary, which is printed anyway.
  const outUnwritten = await attemptWrite(() =>
    writeOutput(out, recordText(merged, io.env), "--out")
  );
  const htmlUnwritten = values.html === undefined
    ? undefined
    : await attemptWrite(() => writeMergedHtml(values.html!, merge, io.env));
  const unwritten = [outUnwritten, htmlUnwritten].filter((problem) => problem !== undefined);
  const failed = !isWholeRun(merged) || !merged.thresholds.met || merged.stopped !== undefined;
  (failed || unwritten.length > 0 ? io.err : io.out)(
    formatLoadReport(merged, outUnwritten === undefined ? out : undefined),
  );
  for (const problem of unwritten) io.err(problem);
  if (unwritten.length > 0) return EXIT.usage;
  return failed ? EXIT.deliveryFailed : EXIT.ok;
}
