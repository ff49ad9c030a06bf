/**
 * `replay`: validates the scripts, plans one session per script, emits each turn as a trace
 * through the export pipeline, then prints the summary (and the preview) and writes the
 * manifest. Nothing is sent unless every script is valid and the target resolves.
 */
import { join } from "node:path";
import { emitSession } from "../emit/emit.ts";
import { createPipeline } from "../export/pipeline.ts";
import { type OtlpReceiver, startOtlpReceiver } from "../export/receiver.ts";
import type { Target } from "../export/target.ts";
import { planSession } from "../plan/session.ts";
import { PlantError } from "../plan/findings.ts";
import { FINDINGS } from "../script/vocabulary.ts";
import type { SessionPlan } from "../plan/types.ts";
import { interpretSpans } from "../report/langfuse_view.ts";
import { renderPreview } from "../report/preview.ts";
import { recordText } from "../run_record/write.ts";
import { buildRunReport, formatSummary, type RunReport } from "../report/run_report.ts";
import { VERSION } from "../version.ts";
import { CliError, EXIT } from "./exit_codes.ts";
import { stopText } from "./interrupt.ts";
import { deliverScores, heldBack, scoresNotSent } from "./scores.ts";
import {
  deliverReview,
  prepareQueues,
  prepareReview,
  REVIEW_FLAGS,
  reviewNotMade,
  reviewScoreConfigs,
} from "./review.ts";
import { configIdsOf, reviewFailures } from "../report/review_report.ts";
import { prepareFixtures } from "./fixtures.ts";
import { linkSession } from "../plan/fixtures.ts";
import { runVerify } from "./verify.ts";
import { scoresOf } from "../langfuse/scores.ts";
import { resolveAnchor, type TimeAnchor } from "./anchor.ts";
import { runIdentity, runIdOf } from "./run_identity.ts";
import type { RunIdentity } from "../report/run_identity.ts";
import { MAX_TIMEOUT_MS } from "./limits.ts";
import {
  choiceFlag,
  durationFlag,
  flagsHelp,
  HELP_FLAG,
  orList,
  parseFlags,
  seedFlag,
  switchFlag,
  textFlag,
} from "./flags.ts";
import { attemptWrite, prepareDir, prepareFile, refuseSamePath, writeOutput } from "./paths.ts";
import { HtmlRecording } from "./html_output.ts";
import type { DeliveryStats } from "../export/stats.ts";
import { HTML_FLAG, loadAll, TARGET_FLAGS, TARGET_HELP, targetFromFlags } from "./options.ts";
import type { Io } from "./io.ts";
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
export async function replayCommand(args: string[], io: Io): Promise<number> {
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
  const scripts = await loadAll(positionals);
  const review = await prepareReview(scripts, values);
  const target = await targetFromFlags(values, io.env, scripts, { clock: io.clock });

  const seeded = values.seed !== undefined;
  const seed = flags.seed ?? io.randomSeed();
  const plant = flags.plant;
  const identity = runIdentity({ command: "replay", seed, scripts, shape: { plant }, target });
  const { anchor, note } = await resolveAnchor({
    command: "replay",
    seed,
    seeded,
    scripts: positionals,
    fingerprint: identity.fingerprint,
    at: values.at,
    dirs: values["no-manifest"] ? [] : [values["manifest-dir"] ?? "out"],
    nowMs: io.now(),
  });
  if (note && !values.quiet) io.out(note);
  const endMs = anchor.ms;
  // From the identity and the anchor: a seeded re-run at the same anchor overwrites the same
  // traces, and other scripts, flags or targets are another run.
  const runId = runIdOf(identity, anchor.ms);
  const plans = scripts.map(({ script, file }) => {
    try {
      return planSession(script, { seed, endMs, file, runId, plant });
    } catch (error) {
      if (error instanceof PlantError) {
        throw new CliError(`--plant: ${file}: ${error.message}`, EXIT.usage);
      }
      throw error;
    }
  });
  const selector = review.start(seed);
  for (const plan of plans) selector.add(plan);

  const startedAt = new Date(io.now()).toISOString();
  if (values.verify && target.kind !== "langfuse") {
    throw new CliError(
      "--verify reads back from Langfuse: it needs the langfuse target",
      EXIT.usage,
    );
  }
  if (values.timeout !== undefined && !values.verify) {
    throw new CliError("--timeout applies to --verify (how long it waits), give both", EXIT.usage);
  }
  const timeoutMs = flags.timeout;
  // Checked before sending: the manifest holds the run's ids.
  const manifestDir = values["manifest-dir"] ?? "out";
  refuseSamePath([
    {
      flag: "--manifest-dir",
      path: values["no-manifest"] ? undefined : join(manifestDir, `${runId}.json`),
    },
    { flag: "--out", path: target.path },
    { flag: "--html", path: values.html },
  ]);
  if (!values["no-manifest"]) await prepareDir(manifestDir, "--manifest-dir");
  if (target.path) await prepareFile(target.path, "--out");
  if (values.html !== undefined) await prepareFile(values.html, "--html");
  // Prompts and score configs exist before the first span; the plans link to them.
  const fixtures = await prepareFixtures(
    scripts,
    target,
    io,
    "replay",
    undefined,
    reviewScoreConfigs(review),
  );
  await prepareQueues(target, review, io, configIdsOf(fixtures.fixtures));
  const linked = plans.map((plan) => linkSession(plan, fixtures.links));
  const html = values.html === undefined ? undefined : new HtmlRecording({ now: io.now });
  const { report, receiver, latency } = await deliver(linked, target, io, {
    runId,
    seed,
    seeded,
    startedAt,
    anchor,
    identity,
  }, html);
  if (fixtures.fixtures) report.resources = fixtures.fixtures;
  const delivered = report.spans.failed === 0 && report.stopped === undefined;
  const notSent = heldBack({
    stopped: io.interrupted() ? io.stopSignal?.() ?? "SIGINT" : undefined,
    delivered,
  });
  const planned = scoresOf(report.sessions);
  report.scores = notSent === undefined
    ? await deliverScores(target, planned, io)
    : scoresNotSent(planned.length, target.kind === "langfuse" ? notSent : undefined);
  const reviewed = notSent === undefined
    ? await deliverReview(target, review, io, configIdsOf(fixtures.fixtures))
    : reviewNotMade(target, review, notSent);
  if (reviewed.review) report.review = reviewed.review;

  if (receiver) {
    const view = interpretSpans(receiver.spans);
    if (!values.quiet) io.out(renderPreview(view, { color: io.color }));
    await receiver.close();
  }
  let manifestPath: string | undefined;
  // A file that cannot be written is said after the summary: the run was sent.
  let manifestUnwritten: string | undefined;
  if (!values["no-manifest"]) {
    manifestPath = join(manifestDir, `${runId}.json`);
    // The manifest leaves the process too: the run's secrets are removed from it.
    const text = recordText(report, io.env);
    manifestUnwritten = await attemptWrite(() =>
      writeOutput(manifestPath!, text, "--manifest-dir")
    );
    if (manifestUnwritten) manifestPath = undefined;
  }
  const htmlUnwritten = html
    ? await attemptWrite(() => html.writeReplay(values.html!, report, linked, latency, io.env))
    : undefined;
  const unwritten = [manifestUnwritten, htmlUnwritten].filter((problem) => problem !== undefined);
  const failed = !delivered || unwritten.length > 0;
  if (!values.quiet || failed) (failed ? io.err : io.out)(formatSummary(report, manifestPath));
  if (fixtures.note && !values.quiet) io.out(fixtures.note);
  if (reviewed.text && (!values.quiet || reviewFailures(report.review) > 0)) {
    (reviewFailures(report.review) > 0 ? io.err : io.out)(reviewed.text);
  }
  if (target.kind === "preview" && !values.quiet) io.out(LANGFUSE_HINT(positionals));
  for (const problem of unwritten) io.err(problem);
  if (unwritten.length > 0) return EXIT.usage;
  if (io.interrupted()) return EXIT.interrupted;
  if (failed) return EXIT.deliveryFailed;
  const scoresFailed = Object.keys(report.scores?.failed ?? {}).length > 0 ||
    reviewFailures(report.review) > 0;
  if (values.verify) {
    const verified = await runVerify(
      {
        runId,
        sessions: report.sessions,
        sentTo: report.target.url,
        ...(report.resources ? { fixtures: report.resources } : {}),
        ...(report.review ? { review: report.review } : {}),
      },
      io,
      { timeoutMs, quiet: values.quiet },
    );
    if (verified !== EXIT.ok) return verified;
  }
  return scoresFailed ? EXIT.langfuseApi : EXIT.ok;
}

const LANGFUSE_HINT = (files: string[]) =>
  `\nNothing left this machine. To send the same sessions to Langfuse:\n` +
  `  LANGFUSE_BASE_URL=https://cloud.langfuse.com LANGFUSE_PUBLIC_KEY=pk-lf-... \\\n` +
  `  LANGFUSE_SECRET_KEY=sk-lf-... ${taskCommand("replay")} ${files.join(" ")}`;

/** `--plant NAME`: one of the findings, checked before anything is planned or sent. */
async function deliver(
  plans: SessionPlan[],
  target: Target,
  io: Io,
  facts: {
    runId: string;
    seed: number;
    seeded: boolean;
    startedAt: string;
    anchor: TimeAnchor;
    identity: RunIdentity;
  },
  html?: HtmlRecording,
): Promise<{ report: RunReport; receiver?: OtlpReceiver; latency: DeliveryStats["latency"] }> {
  let receiver: OtlpReceiver | undefined;
  let sendTo = target;
  if (target.kind === "preview") {
    receiver = await startOtlpReceiver();
    sendTo = { ...target, url: `${receiver.url}/v1/traces` };
  }
  // No timed flushes: batches then depend only on the spans, so seeded payloads are identical.
  const pipeline = createPipeline(sendTo, { maxDelayMs: 0 });
  html?.attach(pipeline.stats);
  for (const plan of plans) {
    html?.session(plan);
    await emitSession(plan, {
      tracer: pipeline.tracer,
      ids: pipeline.ids,
      backpressure: () => pipeline.batcher.ready(),
      stopped: () => pipeline.batcher.fatal !== undefined || io.interrupted(),
    });
  }
  await pipeline.close();
  html?.stop();
  const { stats } = pipeline;
  const report = buildRunReport(plans, stats.snapshot(), {
    version: VERSION,
    ...facts,
    finishedAt: new Date(io.now()).toISOString(),
    target: {
      kind: target.kind,
      describe: target.describe,
      ...(target.url ? { url: target.url } : {}),
      ...(target.path ? { path: target.path } : {}),
      protocol: sendTo.protocol,
    },
    stopped: pipeline.batcher.fatal ?? (io.interrupted() ? stopText(io.stopSignal?.()) : undefined),
  });
  return { report, receiver, latency: stats.latency };
}
