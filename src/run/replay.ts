/**
 * The replay use case: one session per script, each turn a trace sent through the export
 * pipeline, in the run's sequence (identity -> prepare -> send -> settle scores and review ->
 * record -> verify). Answers an outcome the command turns into text and an exit code.
 *
 * @example
 * ```ts
 * const outcome = await replayRun(spec, { io, langfuse, notes: io.out, sent: show });
 * ```
 */
import { join } from "node:path";
import { emitSession } from "../emit/emit.ts";
import { planWarnings } from "./field_warnings.ts";
import { createPipeline } from "../export/pipeline.ts";
import { type OtlpReceiver, startOtlpReceiver } from "../export/receiver.ts";
import type { Target } from "../export/target.ts";
import { planSession } from "../plan/session.ts";
import { PlantError } from "../plan/findings.ts";
import type { SessionPlan } from "../plan/types.ts";
import type { Dialect } from "../plan/dialects.ts";
import { interpretSpans, type LangfuseView } from "../langfuse/ingestion/view.ts";
import { recordText } from "../run_record/write.ts";
import { buildRunReport, type RunReport } from "../report/run_report.ts";
import { reviewFailures } from "../report/review_report.ts";
import { linkSession } from "../plan/resources.ts";
import { scoresOf } from "../langfuse/scores.ts";
import type { RunIdentity } from "../run_record/identity.ts";
import type { DeliveryStats } from "../export/stats.ts";
import type { ScriptFile } from "../script/read.ts";
import { VERSION } from "../version.ts";
import { CliError, EXIT } from "./exit_codes.ts";
import { stopText } from "./stop.ts";
import { attemptWrite, prepareDir, prepareFile, refuseSamePath, writeOutput } from "./paths.ts";
import { HtmlRecording } from "./html_output.ts";
import type { TimeAnchor } from "./anchor.ts";
import type { ReviewRun } from "./review.ts";
import { deliverScores, heldBack } from "./scores.ts";
import { decideRun, prepareRun, settleRun } from "./sequence.ts";
import type { RunDeps } from "./deps.ts";
import { runVerify } from "./verify.ts";

/** What to replay, as the command resolved it from flags and files. */
export interface ReplaySpec {
  /** The script files as given, in order. */
  files: string[];
  /** The scripts, validated. */
  scripts: ScriptFile[];
  /** The review layer, read and checked. */
  review: ReviewRun;
  target: Target;
  seed: number;
  /** Whether the seed was chosen (--seed): only then is an earlier anchor re-used. */
  seeded: boolean;
  /** `--at`: when the sessions end; default now. */
  at?: string;
  /** A finding planted in each session. */
  plant?: string;
  /** The instrumentation dialect the spans are written in; default Langfuse's own. */
  dialect?: Dialect;
  /** Where the manifest goes; undefined: no manifest. */
  manifestDir?: string;
  /** Where the HTML report goes; undefined: none. */
  html?: string;
  /** Read the run back from Langfuse after sending, waiting at most `timeoutMs`. */
  verify?: { timeoutMs?: number; quiet?: boolean };
}

/** What a replay did: the manifest and the facts its text and exit code come from. */
export interface ReplayOutcome {
  /** The manifest (also when it was not written). */
  report: RunReport;
  /** Where the manifest was written; undefined when not asked or not writable. */
  manifestPath?: string;
  /** What the local receiver made of the spans (preview target only). */
  preview?: LangfuseView;
  /** Every span was delivered and the run was not stopped. */
  delivered: boolean;
  /** Files that could not be written, each with why (the run was sent all the same). */
  unwritten: string[];
  /** Why the generations of a non-Langfuse target are not linked to their prompts. */
  resourcesNote?: string;
  /** What became of the review layer, for the summary; empty when the run declares none. */
  reviewText: string;
  /** Scores not sent or review objects not made through Langfuse's API. */
  langfuseFailed: boolean;
  /** verify's exit code (0 or 5) when the run was read back. */
  verified?: number;
  /** What passes a Langfuse field limit (run/field_warnings.ts); empty when nothing does. */
  warnings: string[];
}

/** What a replay needs from outside. */
export interface ReplayDeps extends RunDeps {
  /**
   * Called once the run is sent and recorded, before verify reads it back: the command shows
   * the summary here, so it comes before verify's table.
   */
  sent?: (outcome: ReplayOutcome) => void;
}

/** Replays `spec`; throws CliError for what is refused before anything is sent. */
export async function replayRun(spec: ReplaySpec, deps: ReplayDeps): Promise<ReplayOutcome> {
  const { io, langfuse } = deps;
  const { scripts, target, review, seed, seeded, plant } = spec;
  // Langfuse's own dialect is the default: left out, it leaves the run id as it was.
  const dialect = spec.dialect === "langfuse" ? undefined : spec.dialect;
  const { identity, anchor, runId, note } = await decideRun({
    command: "replay",
    seed,
    seeded,
    files: spec.files,
    scripts,
    shape: { plant, dialect },
    target,
    at: spec.at,
    dirs: spec.manifestDir === undefined ? [] : [spec.manifestDir],
  }, io.now());
  if (note) deps.notes?.(note);
  const endMs = anchor.ms;
  const plans = scripts.map(({ script, file }) => {
    try {
      const plan = planSession(script, { seed, endMs, file, runId, plant });
      return dialect === undefined ? plan : { ...plan, dialect };
    } catch (error) {
      if (error instanceof PlantError) {
        throw new CliError(`--plant: ${file}: ${error.message}`, EXIT.usage);
      }
      throw error;
    }
  });
  const selector = review.start(seed);
  for (const plan of plans) selector.add(plan);
  const warnings = planWarnings(plans, target);

  const startedAt = new Date(io.now()).toISOString();
  // Checked before sending: the manifest holds the run's ids.
  const manifestPath = spec.manifestDir === undefined
    ? undefined
    : join(spec.manifestDir, `${runId}.json`);
  refuseSamePath([
    { flag: "--manifest-dir", path: manifestPath },
    { flag: "--out", path: target.path },
    { flag: "--html", path: spec.html },
  ]);
  if (spec.manifestDir !== undefined) await prepareDir(spec.manifestDir, "--manifest-dir");
  if (target.path) await prepareFile(target.path, "--out");
  if (spec.html !== undefined) await prepareFile(spec.html, "--html");
  // Prompts and score configs exist before the first span; the plans link to them.
  const place = { target, langfuse, review };
  const prepared = await prepareRun(scripts, place);
  const { resources } = prepared;
  const linked = plans.map((plan) => linkSession(plan, resources.links));
  const html = spec.html === undefined ? undefined : new HtmlRecording({ now: io.now });
  const { report, receiver, latency } = await deliver(linked, target, deps, {
    runId,
    seed,
    seeded,
    startedAt,
    anchor,
    identity,
  }, html);
  if (resources.resources) report.resources = resources.resources;
  if (dialect !== undefined) report.dialect = dialect;
  const delivered = report.spans.failed === 0 && report.stopped === undefined;
  const notSent = heldBack({
    stopped: io.interrupted() ? io.stopSignal?.() ?? "SIGINT" : undefined,
    delivered,
  });
  const planned = scoresOf(report.sessions);
  const { scores, reviewed } = await settleRun(notSent, {
    ...place,
    prepared,
    io,
    planned: planned.length,
    sendScores: () => deliverScores(planned, place),
  });
  report.scores = scores;
  if (reviewed.review) report.review = reviewed.review;

  let preview: LangfuseView | undefined;
  if (receiver) {
    preview = interpretSpans(receiver.spans);
    await receiver.close();
  }
  // A file that cannot be written is said after the summary: the run was sent.
  const manifestUnwritten = manifestPath === undefined ? undefined : await attemptWrite(() =>
    // The manifest leaves the process too: the run's secrets are removed from it.
    writeOutput(manifestPath, recordText(report, io.env), "--manifest-dir")
  );
  const htmlUnwritten = html
    ? await attemptWrite(() => html.writeReplay(spec.html!, report, linked, latency, io.env))
    : undefined;
  const outcome: ReplayOutcome = {
    report,
    ...(manifestPath !== undefined && manifestUnwritten === undefined ? { manifestPath } : {}),
    ...(preview ? { preview } : {}),
    delivered,
    unwritten: [manifestUnwritten, htmlUnwritten].filter((problem) => problem !== undefined),
    ...(resources.note ? { resourcesNote: resources.note } : {}),
    reviewText: reviewed.text,
    warnings,
    langfuseFailed: Object.keys(report.scores?.failed ?? {}).length > 0 ||
      reviewFailures(report.review) > 0,
  };
  deps.sent?.(outcome);
  // Only a run that is all there is read back: verify would report what was never sent.
  if (!spec.verify || !delivered || outcome.unwritten.length > 0 || io.interrupted()) {
    return outcome;
  }
  outcome.verified = await runVerify(
    {
      runId,
      sessions: report.sessions,
      sentTo: report.target.url,
      ...(report.resources ? { resources: report.resources } : {}),
      ...(report.review ? { review: report.review } : {}),
    },
    io,
    { timeoutMs: spec.verify.timeoutMs, quiet: spec.verify.quiet, langfuse },
  );
  return outcome;
}

async function deliver(
  plans: SessionPlan[],
  target: Target,
  { io }: RunDeps,
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
      tracerFor: pipeline.tracerFor,
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
