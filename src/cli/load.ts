/**
 * `load`: many varied sessions from one or more scripts, backfilled over past days or arriving
 * live at a rate, every span accounted for. Writes one line per session to a sessions file and
 * a JSON report; exits non-zero when a span failed or a threshold was missed.
 */
import { warningLine } from "../run/field_warnings.ts";
import { expectedArrivals, peakRate, type Phase, phasesFromFlags } from "../plan/arrivals.ts";
import { DEFAULT_OUTLIER_RATE, inferIdFormat } from "../plan/instances.ts";
import { withStress } from "../plan/stress.ts";
import type { StressInput } from "../script/schema_stress.ts";
import { LoadProfile, toPhases } from "../plan/load_profile.ts";
import { longestSessionMs } from "../plan/session_bounds.ts";
import { defaultPoolSize, userPoolCapacity } from "../plan/users.ts";
import { formatLoadReport, inLoadColumns } from "../report/load_report.ts";
import { isAbortable, parseThreshold, type Threshold, ThresholdError } from "../plan/thresholds.ts";
import { reviewFailures } from "../report/review_report.ts";
import { parseYaml, readInputText } from "../script/yaml.ts";
import { MAX_WEIGHT, type ScriptInput } from "../script/schema.ts";
import type { LoadSchedule } from "../load/runner.ts";
import { liveArrivals } from "../load/live.ts";
import type { RunOptions } from "../run/deps.ts";
import { RunLangfuse } from "../run/langfuse_access.ts";
import { loadRun, type LoadSpec } from "../run/load.ts";
import { prepareReview } from "./review_flags.ts";
import { checkWorkersFit, scaleFromFlags } from "./scale_flags.ts";
import { CliError, EXIT } from "../run/exit_codes.ts";
import { visibleOf } from "./visible_flags.ts";
import { BACKFILL_FLAGS, checkLoadFlags, LIVE_FLAGS, LOAD_FLAGS, RUN_FLAGS } from "./load_flags.ts";
import { parseAt } from "../run/time.ts";
import type { Io } from "../run/io.ts";
import { readScripts, targetFromFlags } from "./options.ts";
import { flagsHelp, parseFlags } from "./flags.ts";
import { metricsSpecOf } from "./metrics_flags.ts";

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
missed (also keys refused when asking for their project), 6 Langfuse API error (scores not
sent, review queues, items or comments not made, or the keys' project could not be asked, or
a prompt or score config refused or not fitting: nothing sent; or the time-to-visible probe
could not read), 99 a --threshold missed (or --abort-on-fail stopped the run on one) with
every span delivered, 130 interrupted (Ctrl-C), 143 terminated (SIGTERM), 129 hung up (SIGHUP).`;

/** The names of a table's flags, in order. */
function keys<T extends object>(table: T): (keyof T & string)[] {
  return Object.keys(table) as (keyof T & string)[];
}

/** Runs `load`; returns the exit code. */
export async function loadCommand(
  args: string[],
  io: Io,
  options: RunOptions = {},
): Promise<number> {
  const built = await loadSpecOf(args, io, options);
  if (built === undefined) {
    io.out(LOAD_HELP);
    return EXIT.ok;
  }
  const outcome = await loadRun(built.spec, { io, langfuse: built.langfuse, notes: io.out });
  const { report } = outcome;
  const failed = !report.thresholds.met || report.stopped !== undefined ||
    outcome.unwritten.length > 0;
  (failed ? io.err : io.out)(formatLoadReport(report, outcome.reportPath));
  if (outcome.resourcesNote) io.out(inLoadColumns(outcome.resourcesNote));
  if (outcome.reviewText) {
    (reviewFailures(report.review) > 0 ? io.err : io.out)(inLoadColumns(outcome.reviewText));
  }
  for (const warning of outcome.warnings) io.err(warningLine(warning));
  for (const problem of outcome.unwritten) io.err(problem);
  if (outcome.crashed) {
    io.err(
      `Internal error in ${outcome.crashed}\nThe run was stopped; every span it generated is ` +
        `counted in the report above. This is a bug in session-replay: please report it with ` +
        `this message.`,
    );
    return EXIT.internal;
  }
  if (outcome.unwritten.length > 0) return EXIT.usage;
  if (io.interrupted()) return EXIT.interrupted;
  // Spans failed or dropped beyond their budgets (or a fatal export) say delivery failed;
  // a run that delivered everything and only missed a --threshold says so with its own code.
  if (!outcome.budgetsMet || (report.stopped !== undefined && !outcome.aborted)) {
    return EXIT.deliveryFailed;
  }
  if (failed) return EXIT.thresholdMissed;
  return outcome.langfuseFailed ? EXIT.langfuseApi : EXIT.ok;
}

/**
 * A `load` command line as the spec of its run, with the run's Langfuse access: reads the
 * scripts and the profile and checks everything the command checks before sending (flags,
 * mode, --shard, --workers, the target), sending nothing; undefined when it asks for --help.
 */
export async function loadSpecOf(
  args: string[],
  io: Io,
  options: RunOptions = {},
): Promise<{ spec: LoadSpec; langfuse: RunLangfuse } | undefined> {
  const { values, flags, positionals } = parse(args);
  if (values.help) return undefined;
  if (positionals.length === 0) {
    throw new CliError("load needs at least one script file", EXIT.usage);
  }
  checkLoadFlags(values);
  const scale = scaleFromFlags(values, io.cores?.() ?? 1);
  checkWorkersFit(values, io.cores?.());
  const read = await readScripts(positionals);
  const review = await prepareReview(read, values);
  const { schedule, thresholds: profileThresholds, stress } = await buildSchedule(
    { values, flags },
    io,
  );
  const scripts = stress
    ? read.map((file) => ({ ...file, script: withStress(file.script, stress) }))
    : read;
  const expressions = thresholdsOf(values, profileThresholds);
  const weights = parseWeights(values.weight ?? [], scripts.map(({ script }) => script.name));
  const langfuse = new RunLangfuse(io.env, {
    command: "load",
    clock: io.clock,
    make: options.makeLangfuseClient,
  });
  const target = await targetFromFlags(values, io.env, scripts, { langfuse });

  if (target.kind === "preview") {
    throw new CliError(
      "load needs a target: set LANGFUSE_BASE_URL, LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY, " +
        "or OTEL_EXPORTER_OTLP_ENDPOINT, or use --target file (the preview is for single replays).",
      EXIT.usage,
    );
  }
  const visible = visibleOf({ values, flags }, { target, thresholds: expressions });
  // The file target writes spans, it does not time a server: an export latency threshold could
  // only be missed, whatever the run did.
  const onLatency = expressions.find((t) => t.metric.startsWith("export_"));
  if (onLatency && target.kind === "file") {
    throw new CliError(
      `--threshold ${onLatency.expression} needs export latency, which the file target does not ` +
        "record: send to Langfuse or an OTLP endpoint",
      EXIT.usage,
    );
  }
  const seeded = values.seed !== undefined;
  const seed = flags.seed ?? io.randomSeed();
  const users = userPoolSize(flags.users, schedule, scripts);
  const concurrency = flags.concurrency;
  const maxDropped = flags["max-dropped"];
  if (schedule.kind === "live" && liveArrivals(schedule, seed).next().done) {
    throw new CliError(
      `the Poisson arrivals drawn for seed ${seed} start no session: ` +
        "raise --rate or --duration, or try another --seed",
      EXIT.usage,
    );
  }
  const metrics = metricsSpecOf(values, flags["metrics-interval"], io.env);
  const maxFailed = flags["max-failed"];
  const minRate = flags["min-rate"];
  const spec: LoadSpec = {
    files: positionals,
    scripts,
    weights,
    review,
    ...(flags.dialect ? { dialect: flags.dialect } : {}),
    target,
    seed,
    seeded,
    schedule,
    at: values.at,
    users,
    scale,
    // A file target is written by one thread as it goes unless --workers asks for more (their
    // parts are joined at the end).
    workers: {
      asked: values.workers === undefined && target.kind === "file" ? 1 : scale.workers,
      given: values.workers !== undefined,
    },
    concurrency,
    outDir: flags["out-dir"],
    reportPath: values.report,
    html: values.html,
    pipeline: {
      maxBatchSpans: flags["batch-size"],
      maxInFlight: flags["max-in-flight"],
    },
    budgets: { maxFailed, maxDropped, ...(minRate === undefined ? {} : { minRate }) },
    thresholds: expressions,
    ...(visible ? { visible } : {}),
    ...(values["abort-on-fail"]
      ? {
        abort: {
          delayMs: flags["abort-delay"],
        },
      }
      : {}),
    ...(metrics ? { metrics } : {}),
  };
  return { spec, langfuse };
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

type Values = ReturnType<typeof parse>["values"];
type Flags = ReturnType<typeof parse>["flags"];

/** The schedule, and the load profile's threshold expressions (checked by its schema). */
interface Scheduled {
  schedule: LoadSchedule;
  thresholds: string[];
  /** The load profile's stress shapes, for every script. */
  stress?: StressInput;
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
  let stress: StressInput | undefined;
  if (values.profile !== undefined) {
    const text = await readInputText(values.profile);
    const profile = parseYaml(text, values.profile, LoadProfile).value;
    phases = toPhases(profile);
    poisson = values.poisson ?? profile.poisson ?? false;
    thresholds = profile.thresholds ?? [];
    stress = profile.stress;
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
    ...(stress ? { stress } : {}),
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
