/** `validate`: checks scripts without sending anything, and with --realism, how real a load reads. */
import { DEFAULT_MAX_REQUEST_BYTES } from "../export/http_sender.ts";
import { scriptLimitWarnings } from "../plan/field_limits.ts";
import { loadPlans } from "../plan/load_plans.ts";
import { warningLine } from "../run/field_warnings.ts";
import { RealismCounter } from "../plan/realism_stats.ts";
import {
  formatRealismReport,
  REALISM_THRESHOLDS,
  realismReport,
  tokenFitTolerance,
} from "../report/realism_report.ts";
import { ScriptError } from "../script/errors.ts";
import { readScriptFile, type ScriptFile } from "../script/read.ts";
import { CliError, EXIT } from "../run/exit_codes.ts";
import type { Io } from "../run/io.ts";
import { flagsHelp, HELP_FLAG, intFlag, parseFlags, seedFlag, switchFlag } from "./flags.ts";
import { count } from "../text/count.ts";

/** Sessions `--realism` plans by default. */
export const DEFAULT_REALISM_SESSIONS = 500;
/** The most sessions `--realism` plans (in-process, in memory). */
export const MAX_REALISM_SESSIONS = 100_000;
/** The seed `--realism` plans with by default, so two checks of one script agree. */
export const DEFAULT_REALISM_SEED = 1;

const t = REALISM_THRESHOLDS;

/** The flags of `validate`. */
export const VALIDATE_FLAGS = {
  realism: switchFlag(
    "also plan a load of the scripts in-process, as load --sessions N --seed S would (nothing " +
      "sent), and show how real it reads: distinct user messages and answers (numbers and " +
      "dates masked), the most common user message's share of turns, sessions with an ERROR, " +
      "failures the agent sees, planted findings, scores against findings, score comments, " +
      "sessions per user a day, a user's sessions at once, and generations whose input tokens " +
      "fit what the tokenizer counts in their input; each with a verdict and, for a miss, a hint",
  ),
  sessions: intFlag(
    "N",
    `sessions to plan (default ${DEFAULT_REALISM_SESSIONS}, at most ${MAX_REALISM_SESSIONS})`,
    { max: MAX_REALISM_SESSIONS, default: DEFAULT_REALISM_SESSIONS },
  ),
  seed: seedFlag(`the load's seed (default ${DEFAULT_REALISM_SEED})`, {
    default: DEFAULT_REALISM_SEED,
  }),
  json: switchFlag("print the result as JSON"),
  strict: switchFlag("a realism miss fails the check (exit 3)"),
  help: HELP_FLAG,
};

/** `validate --help`. */
export const VALIDATE_HELP = `Usage: session-replay validate <script.yaml>... [--realism]

Checks conversation scripts against the script schema and the privacy rules, and reports
every problem as file:line:column. Sends nothing. A script whose sessions pass a Langfuse
limit (a stress: section's large payloads or thousands of observations) is valid, with a
warning naming the turn, the size and the limit.

${flagsHelp(VALIDATE_FLAGS)}

${thresholdsHelp()}

Exit codes: 0 all valid (realism misses are warnings), 1 internal error (a bug), 2 usage,
3 a script is invalid, or a realism measure missed with --strict, 130 interrupted (Ctrl-C),
143 terminated (SIGTERM), 129 hung up (SIGHUP: the terminal closed).`;

/** Runs `validate`; returns the exit code. */
export async function validateCommand(args: string[], io: Io): Promise<number> {
  const parsed = parseFlags(args, VALIDATE_FLAGS, "validate");
  const { values, flags } = parsed;
  if (values.help) {
    io.out(VALIDATE_HELP);
    return EXIT.ok;
  }
  if (parsed.positionals.length === 0) {
    throw new CliError("validate needs at least one script file", EXIT.usage);
  }
  for (const flag of ["sessions", "seed", "strict"] as const) {
    if (values[flag] !== undefined && !values.realism) {
      throw new CliError(`--${flag} needs --realism`, EXIT.usage);
    }
  }
  const sessions = flags.sessions;
  const seed = flags.seed;

  const loaded: ScriptFile[] = [];
  const checked: { file: string; ok: boolean; turns?: number; warnings?: string[] }[] = [];
  for (const file of parsed.positionals) {
    try {
      const script = await readScriptFile(file);
      loaded.push(script);
      // One session, planned as a replay would, shows what its shapes pass of Langfuse's limits.
      const warnings = scriptLimitWarnings([script], {
        requestBytes: DEFAULT_MAX_REQUEST_BYTES,
        seed: DEFAULT_REALISM_SEED,
        endMs: io.now(),
      });
      checked.push({
        file,
        ok: true,
        turns: script.script.turns.length,
        ...(warnings.length > 0 ? { warnings } : {}),
      });
      const played = script.script.stress?.turns ?? 0;
      const replayed = played > script.script.turns.length
        ? `, played to ${played} by stress.turns`
        : "";
      if (!values.json) {
        io.out(`${file}: ok (${count(script.script.turns.length, "turn")}${replayed})`);
      }
      if (!values.json) {
        for (const warning of warnings) io.out(`${file}: ${warningLine(warning)}`);
      }
    } catch (error) {
      if (!(error instanceof ScriptError)) throw error;
      checked.push({ file, ok: false });
      io.err(error.message);
    }
  }
  const invalid = checked.length - loaded.length;
  if (!values.realism || invalid > 0) {
    if (values.json) io.out(JSON.stringify({ scripts: checked }, null, 2));
    return invalid > 0 ? EXIT.invalidScript : EXIT.ok;
  }

  const counter = new RealismCounter();
  const plans = loadPlans(loaded, { sessions, seed, endMs: io.now() });
  for (const plan of plans) {
    if (io.interrupted()) return EXIT.interrupted;
    counter.add(plan);
  }
  const report = realismReport(counter.stats(), seed);
  io.out(
    values.json
      ? JSON.stringify({ scripts: checked, realism: report }, null, 2)
      : formatRealismReport(report),
  );
  return values.strict && report.missed > 0 ? EXIT.invalidScript : EXIT.ok;
}

/** The thresholds, as the help lists them. */
function thresholdsHelp(): string {
  const pct = (share: number) => `${share * 100}%`;
  return [
    `Thresholds: the most common user message at most ${pct(t.maxTopMessageShare)} of turns;`,
    `${t.minDistinctPer1000} distinct user messages and as many distinct answers per 1,000 ` +
    "sessions (fewer sessions: that share);",
    `${pct(t.minErrorShare)} to ${pct(t.maxErrorShare)} of sessions with an ERROR; at least ` +
    `${pct(t.minFailuresShown)} of failed steps shown to the next generation;`,
    "no unsolved session scored resolved; no score comment sent with two values;",
    `at most ${t.maxSessionsPerUserDay} sessions per user a day; no two sessions of a user at once;`,
    `at least ${pct(t.minTokenFitShare)} of generations reporting the input tokens the tokenizer ` +
    `counts in their input plus their hiddenInputTokens, within ${tokenFitTolerance()}.`,
  ].join("\n");
}
