/**
 * `load`: many varied sessions from one or more scripts, backfilled over past days or arriving
 * live at a rate, every span accounted for. Writes one line per session to a sessions file and
 * a JSON report; exits non-zero when a span failed or a threshold was missed.
 */
import { dirname, join } from "node:path";
import { expectedArrivals, peakRate, type Phase, phasesFromFlags } from "../plan/arrivals.ts";
import {
  DEFAULT_OUTLIER_RATE,
  inferIdFormat,
  SessionFactory,
  type WeightedScript,
} from "../plan/instances.ts";
import { LoadProfile, toPhases } from "../plan/load_profile.ts";
import { longestSessionMs } from "../plan/session_bounds.ts";
import { defaultPoolSize, userPoolCapacity } from "../plan/users.ts";
import {
  checkThresholds,
  formatLoadReport,
  type LoadReport,
  withChecks,
} from "../report/load_report.ts";
import {
  isAbortable,
  judgeThresholds,
  latencyObservations,
  parseThreshold,
  rateOf,
  type Threshold,
  ThresholdError,
} from "../plan/thresholds.ts";
import { AbortWatch } from "./abort_watch.ts";
import { redactorFor } from "../report/redact.ts";
import { readSessionsFile } from "../run_record/read.ts";
import { recordText } from "../run_record/write.ts";
import { fsReason } from "../report/fs_reason.ts";
import { shardFacts } from "../report/shard_report.ts";
import type { ScoreDelivery } from "../report/run_report.ts";
import type { IdentityValue } from "../report/run_identity.ts";
import type { Target } from "../export/target.ts";
import { scoresOf, type ScoreToSend } from "../langfuse/scores.ts";
import { deliverScores, heldBack, scoresNotSent } from "./scores.ts";
import {
  deliverReview,
  prepareQueues,
  prepareReview,
  reviewNotMade,
  reviewScoreConfigs,
} from "./review.ts";
import { configIdsOf, reviewFailures } from "../report/review_report.ts";
import { prepareFixtures } from "./fixtures.ts";
import { langfuseClientFromEnv } from "./verify.ts";
import { parseYaml, readInputText } from "../script/load.ts";
import { MAX_WEIGHT, type ScriptInput } from "../script/schema.ts";
import { startProgress } from "../load/progress.ts";
import type { LoadSchedule } from "../load/runner.ts";
import { startSessions } from "../load/workers.ts";
import { LISTED_SESSIONS } from "../load/part.ts";
import { checkWorkersFit, describeShard, scaleFromFlags } from "./scale_flags.ts";
import { systemClock } from "../load/clock.ts";
import { DEFAULT_LATE_TOLERANCE_MS, DEFAULT_MAX_ALIVE, liveArrivals } from "../load/live.ts";
import { VERSION } from "../version.ts";
import { CliError, EXIT } from "./exit_codes.ts";
import { stopText } from "./interrupt.ts";
import { BACKFILL_FLAGS, checkLoadFlags, LIVE_FLAGS, LOAD_FLAGS, RUN_FLAGS } from "./load_flags.ts";
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
import { parseAt } from "./time.ts";
import { resolveAnchor } from "./anchor.ts";
import { runIdentity, runIdOf } from "./run_identity.ts";
import type { Io } from "./io.ts";
import { loadAll, targetFromFlags } from "./options.ts";
import { flagsHelp, parseFlags } from "./flags.ts";

/** `load --help`. */
export const LOAD_HELP =
  `Usage: session-replay load <script.yaml>... (--sessions N | --duration D --rate R | --profile FILE) [options]

Generates many varied sessions from the scripts: each draws a script by weight, a fresh
session id, and a user from a pool of recurring users (a few heavy users, a long tail).
Turns may branch (reach, when) and steps may fail (error.rate) as the scripts declare.

Backfill flags and live flags do not mix; each is refused in the other mode.

Backfill (sessions placed in the past with a daily rhythm, sent as fast as the target takes):
${flagsHelp(LOAD_FLAGS, keys(BACKFILL_FLAGS))}
Live (sessions arrive now at the rate, each turn sent when its time comes):
${flagsHelp(LOAD_FLAGS, keys(LIVE_FLAGS))}

Population, output and target (load needs a real target, not the preview):
${flagsHelp(LOAD_FLAGS, keys(RUN_FLAGS))}

Ctrl-C stops new sessions, delivers what is in flight, writes the report and exits 130;
SIGTERM (as Kubernetes stops a pod) does the same and exits 143, and so does SIGHUP (a closed
terminal, a dropped SSH session; the report is written even if nothing can be printed) with
exit 129. Sessions cut short are counted, and scores and the review layer of a stopped run
are reported as not sent.
Exit codes: 0 all delivered and thresholds met, 1 internal error (a bug), 2 usage (also a
schedule that starts no session, or production refused), 3 invalid script or load profile
(nothing sent), 4 spans failed, arrivals dropped or --max-failed, --max-dropped or --min-rate
missed (also keys refused when asking for their project), 6 Langfuse API error (scores not sent, review queues, items or
comments not made, or the keys' project could not be asked, or a prompt or score config
refused or not fitting: nothing sent), 99 a --threshold missed (or --abort-on-fail stopped
the run on one) with every span delivered, 130 interrupted (Ctrl-C), 143 terminated (SIGTERM),
129 hung up (SIGHUP).`;

/** The names of a table's flags, in order. */
function keys<T extends object>(table: T): (keyof T & string)[] {
  return Object.keys(table) as (keyof T & string)[];
}

/** Runs `load`; returns the exit code. */
export async function loadCommand(args: string[], io: Io): Promise<number> {
  const { values, flags, positionals } = parse(args);
  if (values.help) {
    io.out(LOAD_HELP);
    return EXIT.ok;
  }
  if (positionals.length === 0) {
    throw new CliError("load needs at least one script file", EXIT.usage);
  }
  checkLoadFlags(values);
  const scale = scaleFromFlags(values, io.cores?.() ?? 1);
  checkWorkersFit(values, io.cores?.());
  const scripts = await loadAll(positionals);
  const review = await prepareReview(scripts, values);
  const { schedule, thresholds: profileThresholds } = await buildSchedule({ values, flags }, io);
  const expressions = thresholdsOf(values, profileThresholds);
  const weights = parseWeights(values.weight ?? [], scripts.map(({ script }) => script.name));
  const target = await targetFromFlags(values, io.env, scripts, { clock: io.clock });

  if (target.kind === "preview") {
    throw new CliError(
      "load needs a target: set LANGFUSE_BASE_URL, LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY, " +
        "or OTEL_EXPORTER_OTLP_ENDPOINT, or use --target file (the preview is for single replays).",
      EXIT.usage,
    );
  }
  const seeded = values.seed !== undefined;
  const seed = flags.seed ?? io.randomSeed();
  const weighted: WeightedScript[] = scripts.map(({ file, script }) => ({
    file,
    script,
    weight: weights.get(script.name),
  }));
  const users = userPoolSize(flags.users, schedule, scripts);
  const backfill = schedule.kind === "backfill";
  const identity = runIdentity({
    command: "load",
    seed,
    scripts,
    shape: {
      ...scheduleShape(schedule),
      users,
      ...(weights.size > 0 ? { weights: Object.fromEntries(weights) } : {}),
    },
    target,
  });
  const outDir = flags["out-dir"];
  const { anchor, note } = await resolveAnchor({
    command: "load",
    seed,
    seeded,
    scripts: positionals,
    fingerprint: identity.fingerprint,
    at: backfill ? values.at : undefined,
    // Where this run's reports go: a re-run finds its report beside a --report outside --out-dir.
    dirs: backfill ? [outDir, ...(values.report ? [dirname(values.report)] : [])] : [],
    nowMs: io.now(),
  });
  if (schedule.kind === "backfill") schedule.endMs = anchor.ms;
  if (note) io.out(note);
  // From the identity and the anchor: a seeded re-run at the same anchor overwrites the same
  // traces, and other scripts, flags or targets are another run. The shards of a backfill share
  // the unsharded run's id: together they send its spans. The shards of a live run each start
  // when they start (each session's ids come from its own start): their run id is the
  // identity's alone.
  const runId = runIdOf(identity, scale.sharded && !backfill ? undefined : anchor.ms);
  const selector = review.start(seed);
  const concurrency = flags.concurrency;
  const maxDropped = flags["max-dropped"];
  if (schedule.kind === "live" && liveArrivals(schedule, seed).next().done) {
    throw new CliError(
      `the Poisson arrivals drawn for seed ${seed} start no session: ` +
        "raise --rate or --duration, or try another --seed",
      EXIT.usage,
    );
  }
  const maxFailed = flags["max-failed"];
  const minRate = flags["min-rate"];

  const startedMs = io.now();
  const shardSuffix = scale.sharded ? `.shard${scale.shard.index + 1}of${scale.shard.count}` : "";
  const reportPath = values.report ?? join(outDir, `${runId}${shardSuffix}.load.json`);
  const sessionsFile = join(outDir, `${runId}${shardSuffix}.sessions.jsonl`);
  // Checked before sending: the report and the sessions file hold the run's ids.
  refuseSamePath([
    { flag: "--report", path: reportPath },
    { flag: "--out-dir", path: sessionsFile },
    { flag: "--out", path: target.path },
    { flag: "--html", path: values.html },
  ]);
  await prepareDir(outDir, "--out-dir");
  await prepareFile(reportPath, "--report");
  if (target.path) await prepareFile(target.path, "--out");
  if (values.html !== undefined) await prepareFile(values.html, "--html");
  // Prompts and score configs exist before the first span; the plans link to them.
  const fixtures = await prepareFixtures(
    scripts,
    target,
    io,
    "load",
    undefined,
    reviewScoreConfigs(review),
  );
  await prepareQueues(target, review, io, configIdsOf(fixtures.fixtures));
  // Files leave the process too: the run's secrets are removed from every line written.
  const clean = redactorFor(io.env);
  const sessionsOut = openLines(sessionsFile, "--out-dir");
  // A file target is written by one thread as it goes unless --workers asks for more (their
  // parts are joined at the end); a backfill uses no more workers than it has sessions.
  // The review layer selects in each worker (see part.ts).
  const asked = values.workers === undefined && target.kind === "file" ? 1 : scale.workers;
  const workers = backfill
    ? Math.max(1, Math.min(asked, Math.ceil(schedule.sessions / scale.shard.count)))
    : asked;
  if (values.workers !== undefined && workers < asked) {
    io.out(`--workers ${asked}: using ${workers}, one per session of this backfill`);
  }
  const abortWatch = values["abort-on-fail"]
    ? new AbortWatch({
      thresholds: expressions,
      delayMs: flags["abort-delay"],
      now: io.now,
    })
    : undefined;
  const html = values.html === undefined ? undefined : new HtmlRecording({
    now: io.now,
    sessions: () => schedule.kind === "live" ? running.view.live.started : running.view.sessions,
    dropped: () => running.view.live.dropped,
    window: backfill ? { startMs: anchor.ms - schedule.spreadMs, endMs: anchor.ms } : undefined,
  });
  const running = startSessions({
    scripts: weighted,
    population: { seed, users, runId, fixtures: fixtures.links },
    target,
    schedule,
    seed,
    partition: scale.shard,
    pipeline: {
      // Backfill never pauses, so timed flushes would only make seeded payloads differ by timing.
      maxDelayMs: schedule.kind === "backfill" ? 0 : undefined,
      maxBatchSpans: flags["batch-size"],
      maxInFlight: flags["max-in-flight"],
    },
    concurrency,
    maxAlive: DEFAULT_MAX_ALIVE,
    // Only Langfuse gets the review layer; elsewhere nothing is selected (see deliverReview).
    ...(!selector.empty && target.kind === "langfuse" ? { review: review.sources } : {}),
    // The HTML report's time series and --abort-on-fail need the workers' export latencies.
    ...(html || abortWatch ? { timeline: true } : {}),
  }, {
    clock: io.clock ?? systemClock,
    stopped: () => io.interrupted() || abortWatch?.missed !== undefined,
    onLine: (line) => sessionsOut.write(clean(line)),
    onStart: html ? (startMs) => html.start(startMs) : undefined,
  }, workers);
  const view = running.view;
  const delivery = abortWatch ? abortWatch.watch(running.delivery, view) : running.delivery;
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
  try {
    result = await running.done;
  } finally {
    stopProgress();
    html?.stop();
    abortWatch?.stop();
    sessionsUnwritten = await attemptWrite(() => closeLines(sessionsOut, "--out-dir"));
  }
  for (const selection of result.reviews) selector.absorb(selection);
  const fatal = result.fatal;
  const crashed = result.crashed;
  const population = result.population;

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
  const scores = notSent === undefined
    ? await deliverLoadScores(target, sessionsFile, population.scores, io)
    : scoresNotSent(population.scores, target.kind === "langfuse" ? notSent : undefined);
  const reviewed = notSent === undefined
    ? await deliverReview(target, review, io, configIdsOf(fixtures.fixtures))
    : reviewNotMade(target, review, notSent);
  const finishedMs = io.now();
  const stats = result.stats;
  const counts = stats.snapshot();
  const durationMs = Math.max(1, finishedMs - startedMs);
  const spansPerSecond = Math.round((stats.acknowledged * 1000) / durationMs);
  const shape = population.shape();
  const thresholds = {
    maxFailed,
    ...(minRate === undefined ? {} : { minRate }),
    ...(schedule.kind === "live" ? { maxDropped } : {}),
  };
  const live = result.live;
  const verdict = checkThresholds(thresholds, stats.failed, spansPerSecond, live?.dropped ?? 0);
  const checks = judgeThresholds(expressions, {
    exportLatencyMs: latencyObservations(stats.latency),
    failedRate: rateOf(stats.failed, stats.acknowledged + stats.failed),
    droppedRate: live ? rateOf(live.dropped, live.scheduled) : undefined,
    spansPerSecond,
  });
  const report: LoadReport = {
    tool: "session-replay",
    kind: "load",
    version: VERSION,
    runId,
    seed,
    seeded,
    anchor,
    identity,
    ...(scale.sharded
      ? {
        shard: shardFacts(
          scale.shard,
          population.tally(),
          result.stats.latency.state(),
          new SessionFactory(weighted, { seed, users }).userIds(),
        ),
      }
      : {}),
    workers: result.workers,
    mode: [describeSchedule(schedule), describeShard(scale)].filter(Boolean).join(", "),
    startedAt: new Date(startedMs).toISOString(),
    finishedAt: new Date(finishedMs).toISOString(),
    durationMs,
    target: {
      kind: target.kind,
      describe: target.describe,
      ...(target.url ? { url: target.url } : {}),
      protocol: target.protocol,
    },
    sessions: shape.sessions,
    users: shape.users,
    traces: shape.traces,
    spans: counts.spans,
    requests: counts.requests,
    exportLatencyMs: {
      p50: round(stats.latency.quantile(0.5)),
      p95: round(stats.latency.quantile(0.95)),
      p99: round(stats.latency.quantile(0.99)),
    },
    spansPerSecond,
    population: shape,
    ...(fixtures.fixtures ? { resources: fixtures.fixtures } : {}),
    ...(scores ? { scores } : {}),
    ...(reviewed.review ? { review: reviewed.review } : {}),
    ...(live
      ? {
        arrivals: {
          scheduled: live.scheduled,
          started: live.started,
          dropped: live.dropped,
          droppedLate: live.droppedLate,
          droppedAlive: live.droppedAlive,
          toleranceMs: DEFAULT_LATE_TOLERANCE_MS,
          concurrency,
          maxAlive: DEFAULT_MAX_ALIVE,
          peakAlive: live.peakAlive,
          maxLagMs: live.maxLagMs,
        },
      }
      : {}),
    sessionsFile,
    ...(shape.sessions <= LISTED_SESSIONS ? { sessionIds: result.listed.map(([, id]) => id) } : {}),
    thresholds: { ...thresholds, ...withChecks(verdict, checks) },
    ...(fatal
      ? { stopped: fatal }
      : crashed
      ? { stopped: `internal error in ${crashed.split("\n")[0]}` }
      : aborted
      ? { stopped: AbortWatch.stoppedText(aborted) }
      : io.interrupted()
      ? { stopped: stopText(io.stopSignal?.()) }
      : {}),
  };
  const reportUnwritten = await attemptWrite(() =>
    writeOutput(reportPath, recordText(report, io.env), "--report")
  );
  const htmlUnwritten = html
    ? await attemptWrite(() => html.writeLoad(values.html!, report, population, io.env))
    : undefined;
  const unjoined = result.unjoined === undefined
    ? undefined
    : `--out: cannot write ${target.path}: ${
      fsReason(result.unjoined)
    }; the workers' parts not joined are left beside it (.workerN)`;
  const unwritten = [unjoined, sessionsUnwritten, reportUnwritten, htmlUnwritten].filter((
    problem,
  ) => problem !== undefined);
  const failed = !report.thresholds.met || report.stopped !== undefined || unwritten.length > 0;
  (failed ? io.err : io.out)(
    formatLoadReport(report, reportUnwritten === undefined ? reportPath : undefined),
  );
  if (fixtures.note) io.out(fixtures.note);
  if (reviewed.text) (reviewFailures(report.review) > 0 ? io.err : io.out)(reviewed.text);
  for (const problem of unwritten) io.err(problem);
  if (crashed) {
    io.err(
      `Internal error in ${crashed}\nThe run was stopped; every span it generated is counted ` +
        `in the report above. This is a bug in session-replay: please report it with this message.`,
    );
    return EXIT.internal;
  }
  if (unwritten.length > 0) return EXIT.usage;
  if (io.interrupted()) return EXIT.interrupted;
  // Spans failed or dropped beyond their budgets (or a fatal export) say delivery failed;
  // a run that delivered everything and only missed a --threshold says so with its own code.
  if (!verdict.met || (report.stopped !== undefined && !aborted)) return EXIT.deliveryFailed;
  if (failed) return EXIT.thresholdMissed;
  const reviewFailed = reviewFailures(report.review) > 0;
  return Object.keys(scores?.failed ?? {}).length > 0 || reviewFailed ? EXIT.langfuseApi : EXIT.ok;
}

/**
 * Checks a `load` command line as `loadCommand` does before it reads a script or sends
 * anything (flags, mode, --shard, --workers); throws the same CliError. For checking command
 * lines written elsewhere, such as the Kubernetes manifest in deploy/.
 */
export async function checkLoadArgs(args: string[], nowMs: number) {
  const { values, flags, positionals } = parse(args);
  checkLoadFlags(values);
  const scale = scaleFromFlags(values, 1);
  const { schedule, thresholds } = await buildSchedule({ values, flags }, { now: () => nowMs });
  thresholdsOf(values, thresholds);
  return { scripts: positionals, scale, schedule };
}

/** Sends the scores of every session in the sessions file, a thousand scores a request. */
async function deliverLoadScores(
  target: Target,
  sessionsFile: string,
  planned: number,
  io: Io,
): Promise<ScoreDelivery> {
  // Only Langfuse takes scores: elsewhere they are counted, and the sessions file is not read back.
  if (target.kind !== "langfuse") return scoresNotSent(planned);
  const total: ScoreDelivery = { planned: 0, sent: 0, failed: {} };
  // Scores, not sessions, fill a chunk: one full ingestion batch (1000 events) per flush.
  const chunk: ScoreToSend[] = [];
  // One client for the whole run, so a spent rate-limit budget is waited out once, not per chunk.
  const client = target.kind === "langfuse"
    ? langfuseClientFromEnv(io.env, "load").client
    : undefined;
  const flush = async () => {
    const result = await deliverScores(target, chunk.splice(0, 1000), io, client);
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

/** The default user pool of a run (see `defaultPoolSize`). */
function defaultUsers(schedule: LoadSchedule, scripts: ScriptInput[]): number {
  if (schedule.kind === "backfill") return defaultPoolSize({ sessions: schedule.sessions });
  const longestMs = Math.max(
    ...scripts.map((script) => longestSessionMs(script, { outlierRate: DEFAULT_OUTLIER_RATE })),
  );
  return defaultPoolSize({
    sessions: expectedArrivals(schedule.phases),
    underWay: peakRate(schedule.phases) * longestMs / 1000 / schedule.timeScale,
  });
}

/**
 * `--users`, or its default (see `defaultUsers`), within what the first script's user id
 * format can draw unique (see userPoolCapacity): more is a usage error naming the bound,
 * refused here rather than thrown by a worker; a default beyond it is lowered to it.
 */
function userPoolSize(
  flag: number | undefined,
  schedule: LoadSchedule,
  scripts: { file: string; script: ScriptInput }[],
): number {
  const first = scripts[0];
  const capacity = userPoolCapacity(inferIdFormat(first.script.user.id));
  if (flag === undefined) {
    const wanted = defaultUsers(schedule, scripts.map(({ script }) => script));
    return Math.max(1, Math.min(wanted, capacity));
  }
  const users = flag;
  if (users > capacity) {
    throw new CliError(
      `--users must be at most ${capacity}, the distinct user ids ${first.file}'s user.id ` +
        `"${first.script.user.id}" can draw, not "${flag}" (a longer token holds more)`,
      EXIT.usage,
    );
  }
  return users;
}

function round(value: number | undefined): number | undefined {
  return value === undefined ? undefined : Math.round(value * 10) / 10;
}

type Values = ReturnType<typeof parse>["values"];
type Flags = ReturnType<typeof parse>["flags"];

/** The schedule, and the load profile's threshold expressions (checked by its schema). */
interface Scheduled {
  schedule: LoadSchedule;
  thresholds: string[];
}

/**
 * The run's threshold expressions, from --threshold and the profile, parsed; a bad one is a
 * usage error naming it. --abort-on-fail needs one it can judge during the run.
 */
function thresholdsOf(values: Values, fromProfile: string[]): Threshold[] {
  const parsed = [...fromProfile, ...(values.threshold ?? [])].map((text) => {
    try {
      return parseThreshold(text);
    } catch (error) {
      if (error instanceof ThresholdError) {
        throw new CliError(`--threshold: ${error.message}`, EXIT.usage);
      }
      throw error;
    }
  });
  if (values["abort-on-fail"] && !parsed.some(isAbortable)) {
    throw new CliError(
      "--abort-on-fail needs a --threshold on export latency (export_p95<2s) or a failure or " +
        "drop rate (failed_rate<1%) to judge while the run goes",
      EXIT.usage,
    );
  }
  if (values["abort-delay"] !== undefined && !values["abort-on-fail"]) {
    throw new CliError("--abort-delay applies with --abort-on-fail", EXIT.usage);
  }
  return parsed;
}

/** The schedule the flags ask for: a backfill, or a live run's phases. */
async function buildSchedule(
  { values, flags }: { values: Values; flags: Flags },
  io: Pick<Io, "now">,
): Promise<Scheduled> {
  const live = values.duration !== undefined || values.rate !== undefined ||
    values.profile !== undefined;
  if (values.sessions !== undefined && live) {
    throw new CliError(
      "give either --sessions (backfill) or --duration/--rate/--profile (live), not both",
      EXIT.usage,
    );
  }
  if (values.sessions !== undefined) {
    return {
      schedule: {
        kind: "backfill",
        sessions: flags.sessions!,
        endMs: parseAt(values.at, io.now()),
        spreadMs: flags.spread,
      },
      thresholds: [],
    };
  }
  if (!live) {
    throw new CliError(
      "load needs --sessions N (backfill) or --duration D --rate R (live); see load --help",
      EXIT.usage,
    );
  }
  let phases: Phase[];
  let poisson = values.poisson ?? false;
  let thresholds: string[] = [];
  if (values.profile !== undefined) {
    const text = await readInputText(values.profile);
    const profile = parseYaml(text, values.profile, LoadProfile).value;
    phases = toPhases(profile);
    poisson = values.poisson ?? profile.poisson ?? false;
    thresholds = profile.thresholds ?? [];
  } else {
    if (values.duration === undefined || values.rate === undefined) {
      throw new CliError("a live run needs both --duration and --rate (or --profile)", EXIT.usage);
    }
    try {
      phases = phasesFromFlags({
        durationMs: flags.duration!,
        rate: flags.rate!,
        rampMs: flags.ramp ?? 0,
      });
    } catch (error) {
      if (error instanceof CliError) throw error;
      throw new CliError((error as Error).message, EXIT.usage);
    }
  }
  refuseEmpty(phases, values.profile);
  return {
    schedule: { kind: "live", phases, poisson, timeScale: flags["time-scale"] },
    thresholds,
  };
}

/** Refuses a schedule that asks for less than one session, before anything is sent. */
function refuseEmpty(phases: Phase[], profile: string | undefined): void {
  const expected = expectedArrivals(phases);
  if (expected >= 1) return;
  const asked = expected === 0 ? "no session" : `${Number(expected.toPrecision(2))} sessions`;
  throw new CliError(
    profile === undefined
      ? `--rate and --duration ask for ${asked} (the rate times the duration is below 1): ` +
        "nothing to send; raise --rate or --duration"
      : `${profile}: the phases ask for ${asked} (the area under their rates is below 1): ` +
        "nothing to send; raise a rate or a duration",
    EXIT.usage,
  );
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

function describeSchedule(schedule: LoadSchedule): string {
  if (schedule.kind === "backfill") {
    return `backfill: ${schedule.sessions} sessions over ${
      Math.round(schedule.spreadMs / 3_600_000)
    }h`;
  }
  const total = schedule.phases.reduce((sum, phase) => sum + phase.durationMs, 0);
  return `live: ${schedule.phases.length} phase(s) over ${Math.round(total / 1000)}s` +
    `${schedule.poisson ? ", Poisson arrivals" : ""}${
      schedule.timeScale !== 1 ? `, time scale ${schedule.timeScale}` : ""
    }`;
}

function parseWeights(entries: string[], names: string[]): Map<string, number> {
  const weights = new Map<string, number>();
  for (const entry of entries) {
    const match = /^([a-z][a-z0-9-]*)=(\d+(?:\.\d+)?)$/.exec(entry);
    if (!match || Number(match[2]) <= 0 || Number(match[2]) > MAX_WEIGHT) {
      throw new CliError(
        `--weight must look like order-status=3, a weight above 0 and at most ${MAX_WEIGHT}, ` +
          `not "${entry}"`,
        EXIT.usage,
      );
    }
    if (!names.includes(match[1])) {
      throw new CliError(
        `--weight names "${match[1]}", which is none of the scripts (${names.join(", ")})`,
        EXIT.usage,
      );
    }
    weights.set(match[1], Number(match[2]));
  }
  return weights;
}

function parse(args: string[]) {
  return parseFlags(args, LOAD_FLAGS, "load");
}
