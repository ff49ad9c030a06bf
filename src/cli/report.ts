/**
 * `report merge`: combines the load reports of a run's shards (`load --shard K/N`) into the
 * report of the whole run: counts added exactly, the population shape and latency quantiles
 * recomputed from the shards' exact tallies, the missing shards named.
 *
 * @example
 * deno task report merge out/*.load.json --out out/run.merged.json
 */
import { dirname, join } from "node:path";
import { formatLoadReport } from "../report/load_report.ts";
import { mergeShardReports, ReportMergeError, type ShardInput } from "../report/shard_report.ts";
import { redactorFor } from "../report/redact.ts";
import { readTextFile, TextFileError } from "../script/text_file.ts";
import { CliError, EXIT } from "./exit_codes.ts";
import type { Io } from "./io.ts";
import { parseCommandArgs } from "./options.ts";
import { attemptWrite, prepareFile, writeOutput } from "./paths.ts";

/** `report --help`. */
export const REPORT_HELP = `Usage: session-replay report merge <shard.load.json>... [--out FILE]

Combines the load reports of the shards of one run (load --shard K/N, e.g. one per machine or
per Kubernetes pod) into the report of the whole run: spans, failures, requests, statuses,
sessions, users, the population shape and the export latency quantiles are those of the run,
exactly; spans/s is over the wall time from the first shard's start to the last one's end.
The reports must be of one run (same run id, seed, time anchor and N) and each shard given
once. Missing shards are named, and the merged report says which it holds.

Options:
  --out FILE   where to write the merged report (default <run id>.merged.json beside the first)
  -h, --help   show this help

Exit codes: 0 merged, every shard present and the run's thresholds met; 1 internal error (a
bug); 2 usage, or reports of different runs, or a shard given twice; 3 a file that cannot be
read or is not a shard's load report; 4 shards missing, spans failed or a threshold missed.`;

/** Runs `report`; returns the exit code. */
export async function reportCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    out: { type: "string" },
    help: { type: "boolean", short: "h" },
  }, "report");
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
  if (values.out !== undefined) await prepareFile(values.out, "--out");
  const inputs: ShardInput[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readTextFile(file);
    } catch (error) {
      if (error instanceof TextFileError) throw new CliError(error.message, EXIT.invalidScript);
      throw error;
    }
    let report: unknown;
    try {
      report = JSON.parse(text);
    } catch (error) {
      throw new CliError(
        `${file}: not JSON (${(error as Error).message}); give the shards' .load.json reports`,
        EXIT.invalidScript,
      );
    }
    inputs.push({ file, report });
  }
  let merged;
  try {
    merged = mergeShardReports(inputs);
  } catch (error) {
    if (error instanceof ReportMergeError) {
      throw new CliError(
        error.message,
        error.reason === "invalid" ? EXIT.invalidScript : EXIT.usage,
      );
    }
    throw error;
  }
  const out = values.out ?? join(dirname(files[0]), `${merged.runId}.merged.json`);
  if (values.out === undefined) await prepareFile(out, "--out");
  const clean = redactorFor(io.env);
  // A merged report that cannot be written is said after its summary, which is printed anyway.
  const unwritten = await attemptWrite(() =>
    writeOutput(out, clean(JSON.stringify(merged, null, 2)) + "\n", "--out")
  );
  const missing = merged.shards!.missing.length > 0;
  const failed = missing || !merged.thresholds.met || merged.stopped !== undefined;
  (failed || unwritten ? io.err : io.out)(
    formatLoadReport(merged, unwritten === undefined ? out : undefined),
  );
  if (unwritten !== undefined) {
    io.err(unwritten);
    return EXIT.usage;
  }
  return failed ? EXIT.deliveryFailed : EXIT.ok;
}
