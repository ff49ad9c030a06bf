/**
 * The load use case: many varied sessions from the scripts, backfilled or live, across worker
 * threads, in the run's sequence (identity -> prepare -> send -> settle scores and review ->
 * record). Every session goes as one line to the sessions file; the load report is the run's
 * record. Answers an outcome the command turns into text and an exit code.
 *
 * @example
 * ```ts
 * const outcome = await loadRun(spec, { io, langfuse, notes: io.out });
 * ```
 */
import { count } from "../text/count.ts";
import { loadWarnings, warningLine } from "./field_warnings.ts";
import { DEFAULT_DIALECT, type DialectChoice, dialectText } from "../plan/dialects.ts";
import { dirname, join } from "node:path";
import type { WeightedScript } from "../plan/instances.ts";
import type { IdentityValue } from "../run_record/identity.ts";
import type { LoadReport } from "../report/load_report.ts";
import type { ScoreDelivery } from "../report/run_report.ts";
import { readSessionsFile } from "../run_record/read.ts";
import { recordText } from "../run_record/write.ts";
import { reviewFailures } from "../report/review_report.ts";
import { redactorFor } from "../http/redact.ts";
import { fsReason } from "../text/fs_reason.ts";
import { formatMs } from "../script/duration.ts";
import type { Target } from "../export/target.ts";
import { scoresOf, type ScoreToSend } from "../langfuse/scores.ts";
import { startProgress } from "../load/progress.ts";
import {
  finalReading,
  LiveMetrics,
  type LiveMetricsOptions,
  liveReading,
} from "../load/metrics.ts";
import type { LinesFile } from "../run_record/lines_file.ts";
import { escapeControls } from "../text/escape.ts";
import type { LoadSchedule } from "../load/runner.ts";
import { startSessions } from "../load/workers.ts";
import { systemClock } from "../load/clock.ts";
import { DEFAULT_MAX_ALIVE } from "../load/live.ts";
import {
  attemptWrite,
  closeLines,
  openLines,
  prepareDir,
  prepareFile,
  refuseSamePath,
  writeOutput,
} from "./paths.ts";
import { HtmlRecording } from "./html_output.ts";
import { AbortWatch } from "./abort_watch.ts";
import type { RunDeps } from "./deps.ts";
import type { RunLangfuse } from "./langfuse_access.ts";
import { loadReportOf } from "./load_report.ts";
import { VisibleProbe } from "./visible_probe.ts";
import type { LoadSpec } from "./load_spec.ts";

export type { LoadSpec } from "./load_spec.ts";
import { deliverScores, heldBack, scoresNotSent } from "./scores.ts";
import { decideRun, prepareRun, settleRun } from "./sequence.ts";

/** What a load did: the report and the facts its text and exit code come from. */
export interface LoadOutcome {
  /** The load report (also when it was not written). */
  report: LoadReport;
  /** Where the report was written; undefined when it could not be. */
  reportPath?: string;
  /** Files that could not be written, each with why (the run was sent all the same). */
  unwritten: string[];
  /** Why the generations of a non-Langfuse target are not linked to their prompts. */
  resourcesNote?: string;
  /** What became of the review layer, for the summary; empty when the run declares none. */
  reviewText: string;
  /** The internal error a worker ended with, when one did. */
  crashed?: string;
  /** Whether --abort-on-fail stopped the run on a threshold. */
  aborted: boolean;
  /** Whether the failure, drop and rate budgets held. */
  budgetsMet: boolean;
  /** Scores not sent or review objects not made through Langfuse's API. */
  langfuseFailed: boolean;
  /** What a session of a script passes of Langfuse's field limits (run/field_warnings.ts). */
  warnings: string[];
}

/** Runs the load `spec`; throws CliError for what is refused before anything is sent. */
export async function loadRun(spec: LoadSpec, deps: RunDeps): Promise<LoadOutcome> {
  const { io, langfuse } = deps;
  const { scripts, target, review, seed, seeded, schedule, scale, users, weights } = spec;
  const backfill = schedule.kind === "backfill";
  const outDir = spec.outDir;
  // The shards of a backfill share the unsharded run's id: together they send its spans. The
  // shards of a live run each start when they start (each session's ids come from its own
  // start): their run id is the identity's alone.
  const { identity, anchor, runId, note } = await decideRun({
    command: "load",
    seed,
    seeded,
    files: spec.files,
    scripts,
    shape: {
      ...scheduleShape(schedule),
      users,
      ...(weights.size > 0 ? { weights: Object.fromEntries(weights) } : {}),
      dialect: dialectShape(spec.dialect),
    },
    target,
    at: backfill ? spec.at : undefined,
    // Where this run's reports go: a re-run finds its report beside a --report outside --out-dir.
    dirs: backfill ? [outDir, ...(spec.reportPath ? [dirname(spec.reportPath)] : [])] : [],
    unanchored: scale.sharded && !backfill,
  }, io.now());
  if (schedule.kind === "backfill") schedule.endMs = anchor.ms;
  if (note) deps.notes?.(note);
  // Before sending: a stress shape that passes a limit is said, not found out from the report.
  const warnings = loadWarnings(scripts, target, { seed, endMs: anchor.ms });
  for (const warning of warnings) deps.notes?.(warningLine(warning));
  const selector = review.start(seed);

  const startedMs = io.now();
  const shardSuffix = scale.sharded ? `.shard${scale.shard.index + 1}of${scale.shard.count}` : "";
  const reportPath = spec.reportPath ?? join(outDir, `${runId}${shardSuffix}.load.json`);
  const sessionsFile = join(outDir, `${runId}${shardSuffix}.sessions.jsonl`);
  // Checked before sending: the report and the sessions file hold the run's ids.
  refuseSamePath([
    { flag: "--report", path: reportPath },
    { flag: "--out-dir", path: sessionsFile },
    { flag: "--out", path: target.path },
    { flag: "--html", path: spec.html },
    { flag: "--metrics-file", path: spec.metrics?.file },
  ]);
  await prepareDir(outDir, "--out-dir");
  await prepareFile(reportPath, "--report");
  if (target.path) await prepareFile(target.path, "--out");
  if (spec.html !== undefined) await prepareFile(spec.html, "--html");
  if (spec.metrics?.file !== undefined) await prepareFile(spec.metrics.file, "--metrics-file");
  // Prompts and score configs exist before the first span; the plans link to them.
  const place = { target, langfuse, review };
  const prepared = await prepareRun(scripts, place);
  const { resources } = prepared;
  // Files leave the process too: the run's secrets are removed from every line written.
  const clean = redactorFor(io.env);
  const sessionsOut = openLines(sessionsFile, "--out-dir");
  // A backfill uses no more workers than it has sessions. The review layer selects in each
  // worker (see part.ts).
  const asked = spec.workers.asked;
  const workers = backfill
    ? Math.max(1, Math.min(asked, Math.ceil(schedule.sessions / scale.shard.count)))
    : asked;
  if (spec.workers.given && workers < asked) {
    deps.notes?.(`--workers ${asked}: using ${workers}, one per session of this backfill`);
  }
  const abortWatch = spec.abort
    ? new AbortWatch({ thresholds: spec.thresholds, delayMs: spec.abort.delayMs, now: io.now })
    : undefined;
  const html = spec.html === undefined ? undefined : new HtmlRecording({
    now: io.now,
    sessions: () => schedule.kind === "live" ? running.view.live.started : running.view.sessions,
    dropped: () => running.view.live.dropped,
    window: backfill ? { startMs: anchor.ms - schedule.spreadMs, endMs: anchor.ms } : undefined,
  });
  // Time to visible: reads beside the pipeline, on the run's one client (its pacing shared).
  const clock = io.clock ?? systemClock;
  const probeReads = new AbortController();
  const probe = spec.visible && target.langfuseApi
    ? new VisibleProbe({
      client: langfuse.client.withReadRate(spec.visible.readsPerSecond, probeReads.signal),
      cancelReads: () => probeReads.abort(new Error("the time-to-visible probe gave up")),
      seed,
      timeoutMs: spec.visible.timeoutMs,
      readsPerSecond: spec.visible.readsPerSecond,
      clock,
      stopped: () => io.interrupted() || abortWatch?.missed !== undefined,
      ...(html ? { onFound: (ackMs: number, ms: number) => html.visible(ackMs, ms) } : {}),
    })
    : undefined;
  const weighted: WeightedScript[] = scripts.map(({ file, script }) => ({
    file,
    script,
    weight: weights.get(script.name),
  }));
  const running = startSessions({
    scripts: weighted,
    population: {
      seed,
      users,
      runId,
      resources: resources.links,
      ...(dialectShape(spec.dialect) !== undefined ? { dialect: spec.dialect } : {}),
    },
    target,
    schedule,
    seed,
    partition: scale.shard,
    pipeline: {
      // Backfill never pauses, so timed flushes would only make seeded payloads differ by timing.
      maxDelayMs: schedule.kind === "backfill" ? 0 : undefined,
      maxBatchSpans: spec.pipeline.maxBatchSpans,
      maxInFlight: spec.pipeline.maxInFlight,
    },
    concurrency: spec.concurrency,
    maxAlive: DEFAULT_MAX_ALIVE,
    // Only Langfuse gets the review layer; elsewhere nothing is selected (see deliverReview).
    ...(!selector.empty && target.langfuseApi ? { review: review.sources } : {}),
    // The HTML report's time series, --abort-on-fail and the metrics need the workers' export
    // latencies.
    ...(html || abortWatch || spec.metrics ? { timeline: true } : {}),
    ...(probe ? { acknowledgedTraces: true } : {}),
  }, {
    clock,
    stopped: () => io.interrupted() || abortWatch?.missed !== undefined,
    onLine: (line) => sessionsOut.write(clean(line)),
    onStart: html ? (startMs) => html.start(startMs) : undefined,
    // Never awaited: the probe only notes the ids and reads on its own time.
    onAcknowledged: probe ? (ids, atMs) => probe.acknowledged(ids, atMs) : undefined,
  }, workers);
  const view = running.view;
  const watched = abortWatch ? abortWatch.watch(running.delivery, view) : running.delivery;
  const metrics = startMetrics(spec, {
    runId,
    read: () => liveReading(view, running.delivery, schedule.kind === "live"),
    clean,
    now: io.now,
    warn: (text) => io.err(escapeControls(text)),
  });
  const delivery = metrics ? metrics.live.watch(watched) : watched;
  html?.attach(delivery);
  const stopProgress = startProgress({
    stats: view,
    sessions: () => schedule.kind === "live" ? view.live.started : view.sessions,
    ...(schedule.kind === "live" ? { arrivals: () => view.live } : {}),
    total: schedule.kind === "backfill" ? schedule.sessions : undefined,
    tty: io.errIsTty ?? false,
    write: io.progress ?? (() => {}),
    now: io.now,
  });
  let result;
  // A file that cannot be written at the end is said after the summary: the run was sent.
  let sessionsUnwritten: string | undefined;
  let metricsUnwritten: string | undefined;
  try {
    result = await running.done;
  } finally {
    stopProgress();
    html?.stop();
    abortWatch?.stop();
    sessionsUnwritten = await attemptWrite(() => closeLines(sessionsOut, "--out-dir"));
    // The last export carries the report's totals; a run that threw exports what it counted.
    if (metrics) {
      await metrics.live.finish(
        result ? finalReading(result) : liveReading(view, running.delivery, !backfill),
      );
      if (metrics.file) {
        const file = metrics.file;
        metricsUnwritten = await attemptWrite(() => closeLines(file, "--metrics-file"));
      }
    }
  }
  if (probe && probe.watching > 0) {
    deps.notes?.(
      `Waiting up to ${formatMs(spec.visible!.timeoutMs)} (--visible-timeout) for the ${
        count(probe.watching, "probed trace")
      } not yet visible in Langfuse`,
    );
  }
  // Scores and the review layer are settled while the probe finishes.
  const probed = probe?.finish();
  for (const selection of result.reviews) selector.absorb(selection);
  const { fatal, crashed, population } = result;

  // Scores and the review layer follow a run that delivered everything; otherwise they are
  // counted as not sent, with why, instead of being left out of the report.
  const aborted = abortWatch?.missed;
  const notSent = sessionsUnwritten !== undefined
    ? "the sessions file they are read from could not be written"
    : aborted
    ? "the run was stopped on a threshold missed"
    : heldBack({
      crashed: crashed !== undefined,
      stopped: io.interrupted() ? io.stopSignal?.() ?? "SIGINT" : undefined,
      delivered: result.stats.failed === 0 && !fatal,
    });
  const { scores, reviewed } = await settleRun(notSent, {
    ...place,
    prepared,
    io,
    planned: population.scores,
    sendScores: () => deliverLoadScores(sessionsFile, { ...place, planned: population.scores }),
  });
  // The run ends here: the wait for the probe's last verdicts is the probe's, not the run's
  // (its rate and duration are the sending's and settling's).
  const finishedMs = io.now();
  const found = await probed;
  const visible = found && { ...found, waitedMs: Math.max(0, io.now() - finishedMs) };
  const { report, budgetsMet } = loadReportOf(spec, {
    result,
    runId,
    identity,
    anchor,
    startedMs,
    finishedMs,
    workers,
    sessionsFile,
    ...(resources.resources ? { resources: resources.resources } : {}),
    ...(dialectShape(spec.dialect) !== undefined ? { dialect: dialectShape(spec.dialect) } : {}),
    scores,
    ...(reviewed.review ? { review: reviewed.review } : {}),
    ...(aborted ? { aborted } : {}),
    ...(visible ? { visible } : {}),
    ...(io.interrupted() ? { stopSignal: io.stopSignal?.() ?? "SIGINT" } : {}),
  });
  const reportUnwritten = await attemptWrite(() =>
    writeOutput(reportPath, recordText(report, io.env), "--report")
  );
  const htmlUnwritten = html
    ? await attemptWrite(() => html.writeLoad(spec.html!, report, population, io.env))
    : undefined;
  const unjoined = result.unjoined === undefined
    ? undefined
    : `--out: cannot write ${target.path}: ${
      fsReason(result.unjoined)
    }; the workers' parts not joined are left beside it (.workerN)`;
  return {
    report,
    ...(reportUnwritten === undefined ? { reportPath } : {}),
    unwritten: [unjoined, sessionsUnwritten, metricsUnwritten, reportUnwritten, htmlUnwritten]
      .filter((problem) => problem !== undefined),
    ...(resources.note ? { resourcesNote: resources.note } : {}),
    reviewText: reviewed.text,
    ...(crashed ? { crashed } : {}),
    aborted: aborted !== undefined,
    budgetsMet,
    langfuseFailed: Object.keys(scores?.failed ?? {}).length > 0 ||
      reviewFailures(report.review) > 0 || visible?.stopped !== undefined,
    warnings,
  };
}

/**
 * Starts the run's live metrics when the spec asks for them; the file's lines go through
 * `clean`, as the sessions file's.
 */
function startMetrics(
  spec: LoadSpec,
  options: Pick<LiveMetricsOptions, "runId" | "read" | "clean" | "now" | "warn">,
): { live: LiveMetrics; file?: LinesFile } | undefined {
  if (!spec.metrics) return undefined;
  const { otlpUrl, headers, file, intervalMs } = spec.metrics;
  const out = file === undefined ? undefined : openLines(file, "--metrics-file");
  const clean = options.clean ?? ((text: string) => text);
  const live = LiveMetrics.start({
    ...options,
    intervalMs,
    ...(otlpUrl === undefined ? {} : { otlpUrl }),
    ...(headers ? { headers } : {}),
    // One line an export, on disk at once: the file is read while the run goes (tail -f).
    ...(out ? { writeLine: (line: string) => (out.write(clean(line)), out.flush()) } : {}),
  });
  return { live, ...(out ? { file: out } : {}) };
}

/** Sends the scores of every session in the sessions file, a thousand scores a request. */
async function deliverLoadScores(
  sessionsFile: string,
  { target, langfuse, planned }: { target: Target; langfuse: RunLangfuse; planned: number },
): Promise<ScoreDelivery> {
  // Only Langfuse takes scores: elsewhere they are counted, and the sessions file is not read back.
  if (!target.langfuseApi) return scoresNotSent(planned);
  const total: ScoreDelivery = { planned: 0, sent: 0, failed: {} };
  // Scores, not sessions, fill a chunk: one full ingestion batch (1000 events) per flush.
  const chunk: ScoreToSend[] = [];
  // One client for the whole run, so a spent rate-limit budget is waited out once, not per chunk.
  const flush = async () => {
    const result = await deliverScores(chunk.splice(0, 1000), { target, langfuse });
    total.planned += result.planned;
    total.sent += result.sent;
    if (result.skipped) total.skipped = result.skipped;
    for (const [reason, n] of Object.entries(result.failed)) {
      total.failed[reason] = (total.failed[reason] ?? 0) + n;
    }
  };
  for await (const session of readSessionsFile(sessionsFile)) {
    chunk.push(...scoresOf([session]));
    while (chunk.length >= 1000) await flush();
  }
  await flush();
  return total;
}

/** The schedule's part of the run's identity: what places the sessions in time. */
function scheduleShape(schedule: LoadSchedule): Record<string, IdentityValue> {
  if (schedule.kind === "backfill") {
    return { mode: "backfill", sessions: schedule.sessions, spreadMs: schedule.spreadMs };
  }
  return {
    mode: "live",
    phases: schedule.phases.map((phase) => ({
      durationMs: phase.durationMs,
      rate: phase.rate,
      ...(phase.rampTo === undefined ? {} : { rampTo: phase.rampTo }),
    })),
    poisson: schedule.poisson,
    timeScale: schedule.timeScale,
  };
}

/**
 * The dialect as the run's identity and report hold it: `genai`, `mixed=...`; undefined for
 * Langfuse's own, the default, so a run without `--dialect` keeps its run id.
 */
export function dialectShape(choice: DialectChoice | undefined): string | undefined {
  if (choice === undefined || (choice.kind === "one" && choice.dialect === DEFAULT_DIALECT)) {
    return undefined;
  }
  return dialectText(choice);
}
