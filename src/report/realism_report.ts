/**
 * The realism report `validate --realism` prints: each measure of a planned load with its value,
 * a verdict against a documented threshold, and for a miss a hint that names the script, turn or
 * step to change. The thresholds are those of issue #20 ("Sessions that read as real"). Pure.
 */
import type { RealismStats } from "../plan/realism_stats.ts";
import { escapeControls } from "../text/escape.ts";
import { TOKEN_FIT_TOLERANCE, type TurnVariety } from "../plan/realism_text.ts";

/** The thresholds a load is judged by. */
export const REALISM_THRESHOLDS = {
  /** The most common user message: at most this share of turns. */
  maxTopMessageShare: 0.03,
  /** Distinct user messages and distinct answers per 1,000 sessions (scaled down for fewer). */
  minDistinctPer1000: 300,
  /** Sessions with an ERROR observation: this share or more… */
  minErrorShare: 0.02,
  /** …and this share or less. */
  maxErrorShare: 0.25,
  /** Failed steps the next generation shows: at least this share. */
  minFailuresShown: 0.9,
  /** Sessions one user starts on one day: at most this many. */
  maxSessionsPerUserDay: 12,
  /**
   * Generations whose input tokens fit the tokenizer's count of their input plus its declared
   * hidden part (within TOKEN_FIT_TOLERANCE): at least this share. A fixed usage.input is what
   * usually misses.
   */
  minTokenFitShare: 0.99,
} as const;

/** ok: the threshold is met; MISS: it is not; info: a number without a threshold. */
export type Verdict = "ok" | "MISS" | "info";

/** One line of the report. */
export interface RealismMeasure {
  /** A stable key, for --json readers. */
  key: string;
  label: string;
  /** The value as printed. */
  value: string;
  verdict: Verdict;
  /** What ok means, as printed. */
  threshold?: string;
  /** What to change, for a miss. */
  hint?: string;
}

/** What the report is about. */
export interface RealismReport {
  sessions: number;
  seed: number;
  measures: RealismMeasure[];
  /** Measures that missed. */
  missed: number;
  stats: RealismStats;
}

/** The distinct messages (or answers) `sessions` sessions should have at least. */
export function minDistinct(sessions: number): number {
  return Math.ceil(REALISM_THRESHOLDS.minDistinctPer1000 * Math.min(sessions, 1000) / 1000);
}

/** Judges a load's numbers; `seed` is the one it was planned with. */
export function realismReport(stats: RealismStats, seed: number): RealismReport {
  const t = REALISM_THRESHOLDS;
  const text = stats.text;
  const measures: RealismMeasure[] = [];
  const add = (measure: RealismMeasure) => measures.push(measure);
  const least = minDistinct(stats.sessions);
  const perSessions = `≥ ${least} for ${stats.sessions} sessions`;

  const distinct = [
    ["distinctUserMessages", "user messages", text.distinctUserMessages, "distinctMessages"],
    ["distinctAnswers", "answers", text.distinctAnswers, "distinctAnswers"],
  ] as const;
  for (const [key, what, count, perTurn] of distinct) {
    add(judge({
      key,
      label: `distinct ${what}`,
      value: String(count),
      ok: count >= least,
      threshold: perSessions,
      hint: () => paraphraseHint(mostRepeated(text.perTurn, perTurn), what),
    }));
  }
  const topShare = text.turns === 0 ? 0 : (text.top?.count ?? 0) / text.turns;
  add(judge({
    key: "topUserMessageShare",
    label: "most common user message",
    value: `${percent(topShare)} of ${text.turns} turns`,
    ok: topShare <= t.maxTopMessageShare,
    threshold: `≤ ${percent(t.maxTopMessageShare)} of turns`,
    hint: () =>
      text.top
        ? `"${clip(text.top.text)}" is turn ${text.top.turn} (${text.top.kind}) of ` +
          `${text.top.script}: add paraphrases with a var of whole-sentence alternatives ` +
          "(vars: { ask: [..., ...] }, or {{pick …}}) used as its input and its generations' " +
          "user message"
        : "",
  }));
  add(judge({
    key: "errorShare",
    label: "sessions with an ERROR",
    value: `${percent(stats.errorShare)} (${stats.sessionsWithError})`,
    ok: stats.errorShare >= t.minErrorShare && stats.errorShare <= t.maxErrorShare,
    threshold: `${percent(t.minErrorShare)}–${percent(t.maxErrorShare)}`,
    hint: () =>
      stats.errorShare < t.minErrorShare
        ? "real agents fail now and then: give tool and retriever steps an error: " +
          "{ rate, message } with what follows (load mode fails them at that rate)"
        : "lower the error rates of the steps: most real sessions go through",
  }));
  const unshown = Object.entries(stats.failuresNotShown).sort((a, b) => b[1] - a[1])[0];
  add(judge({
    key: "failuresShown",
    label: "failures the agent sees",
    value: stats.failedSteps === 0
      ? "no step failed"
      : `${percent(stats.failuresShownShare)} of ${stats.failedSteps}`,
    ok: stats.failuresShownShare >= t.minFailuresShown,
    threshold: `≥ ${percent(t.minFailuresShown)}`,
    hint: () =>
      unshown
        ? `${unshown[0]} failed ${unshown[1]} times unseen: put a generation after it in its ` +
          `turn, with a tool message named after the step (name: ${
            unshown[0].split(": ")[1]
          }), which then carries the error`
        : "",
  }));
  add({
    key: "findingsPerKind",
    label: "planted findings",
    value: Object.entries(stats.findingsPerKind).map(([kind, n]) => `${kind} ${n}`).join(", ") ||
      "none",
    verdict: "info",
  });
  add(judge({
    key: "scoresAgreeWithFindings",
    label: "unsolved sessions scored resolved",
    value: String(stats.unsolvedScoredResolved),
    ok: stats.unsolvedScoredResolved === 0,
    threshold: "0",
    hint: () => "give the resolution score byFinding: { unsolved: { resolved: 0 } }",
  }));
  const comments = Object.values(stats.commentValues).reduce(
    (sum, byComment) => sum + Object.keys(byComment).length,
    0,
  );
  add(judge({
    key: "commentsPerValue",
    label: "score comments on another value",
    value: `${stats.commentsOnSeveralValues} of ${comments}`,
    ok: stats.commentsOnSeveralValues === 0,
    threshold: "0",
    hint: () => "give each value its own comments: comments: { 0: [...], 1: [...] }",
  }));
  add(judge({
    key: "maxSessionsPerUserDay",
    label: "most sessions of a user a day",
    value: String(stats.maxSessionsPerUserDay),
    ok: stats.maxSessionsPerUserDay <= t.maxSessionsPerUserDay,
    threshold: `≤ ${t.maxSessionsPerUserDay}`,
    hint: () => "more users: load --users N (the default is a user for every 4 sessions)",
  }));
  add(judge({
    key: "overlappingSessions",
    label: "a user's sessions at once",
    value: `${stats.overlappingPairs} pairs`,
    ok: stats.overlappingPairs === 0,
    threshold: "0",
    hint: () => "more users (load --users N), or shorter sessions (timing.thinkTime)",
  }));
  const fit = text.tokenFit;
  add(judge({
    key: "tokenFit",
    label: "generations whose input tokens fit",
    value: fit.generations === 0 ? "no generation" : `${fit.fitting} of ${fit.generations}`,
    ok: fit.share >= t.minTokenFitShare,
    threshold: `≥ ${percent(t.minTokenFitShare)} within ${tokenFitTolerance()} of the tokenizer`,
    hint: () =>
      fit.worst
        ? `${fit.worst.name} in turn ${fit.worst.turn} of ${fit.worst.script} reports ` +
          `${fit.worst.reported} input tokens for ${fit.worst.expected} tokens of visible input ` +
          "+ hidden: remove its fixed usage.input (then it is counted) or declare " +
          "hiddenInputTokens (what its messages do not show)"
        : "",
  }));
  return {
    sessions: stats.sessions,
    seed,
    measures,
    missed: measures.filter((measure) => measure.verdict === "MISS").length,
    stats,
  };
}

/** The report as a table, a hint under each miss. */
export function formatRealismReport(report: RealismReport): string {
  const width = Math.max(...report.measures.map((measure) => measure.label.length));
  // A long info value (findings by kind) is printed as it is, not padded to.
  const valueWidth = Math.max(
    ...report.measures.filter((measure) => measure.verdict !== "info").map((m) => m.value.length),
  );
  const lines = [
    `Realism of ${report.sessions} sessions as load would plan them (seed ${report.seed}; ` +
    "nothing sent):",
  ];
  for (const measure of report.measures) {
    const verdict = measure.verdict === "info" ? "" : measure.verdict.padEnd(4);
    lines.push(
      `  ${measure.label.padEnd(width)}  ${measure.value.padEnd(valueWidth)}  ${verdict}${
        measure.threshold ? `  (${measure.threshold})` : ""
      }`.trimEnd(),
    );
    if (measure.verdict === "MISS" && measure.hint) lines.push(`    hint: ${measure.hint}`);
  }
  lines.push(
    report.missed === 0
      ? "All realism measures met."
      : `${report.missed} realism measure${report.missed === 1 ? "" : "s"} missed.`,
  );
  return lines.join("\n");
}

function judge(options: {
  key: string;
  label: string;
  value: string;
  ok: boolean;
  threshold: string;
  hint: () => string;
}): RealismMeasure {
  const { key, label, value, ok, threshold } = options;
  if (ok) return { key, label, value, verdict: "ok", threshold };
  const hint = options.hint();
  return { key, label, value, verdict: "MISS", threshold, ...(hint ? { hint } : {}) };
}

/** The turn that repeats itself most: the most plays per distinct wording. */
function mostRepeated(
  turns: readonly TurnVariety[],
  field: "distinctMessages" | "distinctAnswers",
): { turn: TurnVariety; distinct: number } | undefined {
  let worst: { turn: TurnVariety; distinct: number } | undefined;
  for (const turn of turns) {
    const distinct = turn[field];
    if (!worst || turn.plays / distinct > worst.turn.plays / worst.distinct) {
      worst = { turn, distinct };
    }
  }
  return worst;
}

function paraphraseHint(
  worst: { turn: TurnVariety; distinct: number } | undefined,
  what: string,
): string {
  if (!worst) return "";
  const { turn, distinct } = worst;
  return `turn ${turn.turn} (${turn.kind}) of ${turn.script} has ${distinct} distinct ` +
    `${distinct === 1 ? what.replace(/s$/, "") : what} ` +
    `in ${turn.plays} plays: add paraphrases with a var of whole-sentence alternatives ` +
    "(8 or more), used wherever the turn says it";
}

function percent(share: number): string {
  const value = share * 100;
  return `${value < 10 && value !== Math.round(value) ? value.toFixed(1) : Math.round(value)}%`;
}

function clip(text: string): string {
  return escapeControls(text.length <= 60 ? text : `${text.slice(0, 57)}...`);
}

/** The per-generation tolerance, as printed: "max(2, 1%) tokens". */
export function tokenFitTolerance(): string {
  return `max(${TOKEN_FIT_TOLERANCE.tokens}, ${percent(TOKEN_FIT_TOLERANCE.share)}) tokens`;
}
