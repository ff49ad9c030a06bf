/**
 * `replay`: validates the scripts, plans one session per script, emits each turn as a trace
 * through the export pipeline, then prints the summary (and the preview) and writes the
 * manifest. Nothing is sent unless every script is valid and the target resolves.
 */
import { FINDINGS } from "../script/vocabulary.ts";
import { renderPreview } from "../report/preview.ts";
import { formatSummary } from "../report/run_report.ts";
import { reviewFailures } from "../report/review_report.ts";
import type { RunOptions } from "../run/deps.ts";
import { warningLine } from "../run/field_warnings.ts";
import { RunLangfuse } from "../run/langfuse_access.ts";
import { type ReplayOutcome, replayRun, type ReplaySpec } from "../run/replay.ts";
import { CliError, EXIT } from "../run/exit_codes.ts";
import { prepareReview, REVIEW_FLAGS } from "./review_flags.ts";
import { MAX_TIMEOUT_MS } from "../run/limits.ts";
import {
  choiceFlag,
  dialectFlag,
  durationFlag,
  flagsHelp,
  HELP_FLAG,
  orList,
  parseFlags,
  seedFlag,
  switchFlag,
  textFlag,
} from "./flags.ts";
import { HTML_FLAG, readScripts, TARGET_FLAGS, TARGET_HELP, targetFromFlags } from "./options.ts";
import type { Io } from "../run/io.ts";
import { taskCommand } from "../runtime.ts";

/** The flags of `replay`. */
export const REPLAY_FLAGS = {
  seed: seedFlag("reproducible ids, timing and content; a re-run overwrites the same traces"),
  at: textFlag(
    "TIME",
    "when the session ends: now (default), -2h, -3d, or 2026-11-20T14:00:00Z (from 2000-01-01 " +
      "to a day ahead)",
  ),
  ...TARGET_FLAGS,
  "manifest-dir": textFlag("DIR", "where to write the run manifest (default out)"),
  "no-manifest": switchFlag("do not write a manifest"),
  plant: choiceFlag(
    "FINDING",
    FINDINGS,
    `plant one finding in each session, for reviewer training: ${orList(FINDINGS)}, as the ` +
      "script's findings: section describes it; the answer key goes into the manifest, never " +
      "to Langfuse",
  ),
  dialect: dialectFlag(
    "write the spans as this instrumentation would: langfuse (default: Langfuse's own " +
      "attributes), genai (OpenTelemetry GenAI semconv), openinference, vercel (AI SDK); see " +
      "docs/dialects.md",
    { mixed: false },
  ),
  verify: switchFlag("then read the traces back from Langfuse and compare (see verify --help)"),
  timeout: durationFlag("D", "how long --verify waits for ingestion (default 2m, at most 1d)", {
    maxMs: MAX_TIMEOUT_MS,
    maxText: "1d",
    example: "30s or 5m",
  }),
  ...REVIEW_FLAGS,
  html: HTML_FLAG,
  quiet: switchFlag("print only problems", { short: "q" }),
  help: HELP_FLAG,
};

/** `replay --help`. */
export const REPLAY_HELP = `Usage: session-replay replay <script.yaml>... [options]

Replays each conversation script as one session: one trace per turn, all turns sharing the
session id and user id, sent over OTLP/HTTP.

To Langfuse, the prompts the scripts' generations name and a score config per score name are
made sure of first (reused when they exist with the same content, created when not; never
deleted by purge), and every generation and score is linked to them.

${TARGET_HELP}

Options:
${flagsHelp(REPLAY_FLAGS)}

Exit codes: 0 delivered (and verified with --verify), 1 internal error (a bug), 2 usage (also
production refused), 3 invalid script (nothing sent), 4 spans not delivered (also keys refused
when asking for their project), 5 --verify found differences, 6 Langfuse API error (scores not
sent, review queues, items or comments not made, --verify reading, or the keys' project could
not be asked: nothing sent; a prompt or score config refused or not fitting: nothing sent),
130 interrupted (Ctrl-C), 143 terminated (SIGTERM), 129 hung up (SIGHUP: the terminal closed;
the manifest is written even if nothing can be printed); all deliver what is in flight first.`;

/** Runs `replay` with its arguments; returns the exit code. */
export async function replayCommand(
  args: string[],
  io: Io,
  options: RunOptions = {},
): Promise<number> {
  const { values, flags, positionals } = parseFlags(args, REPLAY_FLAGS, "replay");
  if (values.help) {
    io.out(REPLAY_HELP);
    return EXIT.ok;
  }
  if (positionals.length === 0) {
    throw new CliError(
      "replay needs a script file, e.g. conversations/order-status.yaml",
      EXIT.usage,
    );
  }

  // Everything that can be wrong with the input is checked before anything is sent.
  if (values["no-manifest"] && values["manifest-dir"] !== undefined) {
    throw new CliError("give --manifest-dir or --no-manifest, not both", EXIT.usage);
  }
  const scripts = await readScripts(positionals);
  const review = await prepareReview(scripts, values);
  const langfuse = new RunLangfuse(io.env, {
    command: "replay",
    clock: io.clock,
    make: options.makeLangfuseClient,
  });
  const target = await targetFromFlags(values, io.env, scripts, { langfuse });

  const seeded = values.seed !== undefined;
  const seed = flags.seed ?? io.randomSeed();
  const plant = flags.plant;
  if (values.verify && !target.langfuseApi) {
    throw new CliError(
      "--verify reads back from Langfuse: it needs the langfuse target",
      EXIT.usage,
    );
  }
  if (values.timeout !== undefined && !values.verify) {
    throw new CliError("--timeout applies to --verify (how long it waits), give both", EXIT.usage);
  }
  const timeoutMs = flags.timeout;
  const spec: ReplaySpec = {
    files: positionals,
    scripts,
    review,
    target,
    seed,
    seeded,
    at: values.at,
    plant,
    ...(flags.dialect?.kind === "one" ? { dialect: flags.dialect.dialect } : {}),
    manifestDir: values["no-manifest"] ? undefined : values["manifest-dir"] ?? "out",
    html: values.html,
    ...(values.verify ? { verify: { timeoutMs, quiet: values.quiet } } : {}),
  };
  const outcome = await replayRun(spec, {
    io,
    langfuse,
    notes: (text) => {
      if (!values.quiet) io.out(text);
    },
    sent: (sent) =>
      show(sent, { io, quiet: values.quiet, files: positionals, dialect: spec.dialect }),
  });
  if (outcome.unwritten.length > 0) return EXIT.usage;
  if (io.interrupted()) return EXIT.interrupted;
  if (!outcome.delivered) return EXIT.deliveryFailed;
  if (outcome.verified !== undefined && outcome.verified !== EXIT.ok) return outcome.verified;
  return outcome.langfuseFailed ? EXIT.langfuseApi : EXIT.ok;
}

/** Prints a sent replay: the preview, the summary, notes, and what could not be written. */
function show(
  outcome: ReplayOutcome,
  { io, quiet, files, dialect }: { io: Io; quiet?: boolean; files: string[]; dialect?: string },
): void {
  const { report } = outcome;
  if (outcome.preview && !quiet) io.out(renderPreview(outcome.preview, { color: io.color }));
  const failed = !outcome.delivered || outcome.unwritten.length > 0;
  if (!quiet || failed) (failed ? io.err : io.out)(formatSummary(report, outcome.manifestPath));
  if (outcome.resourcesNote && !quiet) io.out(outcome.resourcesNote);
  if (outcome.reviewText && (!quiet || reviewFailures(report.review) > 0)) {
    (reviewFailures(report.review) > 0 ? io.err : io.out)(outcome.reviewText);
  }
  if (report.target.kind === "preview" && !quiet) io.out(LANGFUSE_HINT(files, dialect));
  for (const warning of outcome.warnings) io.err(warningLine(warning));
  for (const problem of outcome.unwritten) io.err(problem);
}

// The same sessions in the same dialect: without the flag Langfuse would get other spans.
const LANGFUSE_HINT = (files: string[], dialect?: string) =>
  `\nNothing left this machine. To send the same sessions to Langfuse:\n` +
  `  LANGFUSE_BASE_URL=https://cloud.langfuse.com LANGFUSE_PUBLIC_KEY=pk-lf-... \\\n` +
  `  LANGFUSE_SECRET_KEY=sk-lf-... ${taskCommand("replay")} ${files.join(" ")}` +
  (dialect === undefined || dialect === "langfuse" ? "" : ` --dialect ${dialect}`);
