/**
 * The text of a grading: a header on the run and its answer key, one row per reviewer and
 * finding plus an overall row per reviewer, and a closing line. Pure.
 */
import type { FindingGrade, GradeResult, ReviewerGrade } from "./grade.ts";

/** Where the scores came from, for the header. */
export interface GradeSource {
  runId: string;
  /** Langfuse host, safe to print (no credentials). */
  host: string;
  generation: string;
  /** ANNOTATION scores read back. */
  scoresRead: number;
  /** Queues the items are in. */
  queues: number;
}

/** An agreement as a percentage with one decimal, "-" when nothing was graded. */
export function formatAgreement(grade: FindingGrade): string {
  if (grade.agreement === null) return "-";
  return `${(grade.agreement * 100).toFixed(1)}% (${grade.agreed}/${grade.reviewed})`;
}

/** The table and summary of a grading. */
export function formatGrade(result: GradeResult, source: GradeSource): string {
  const { items, sessions } = result;
  const lines = [
    `Grade ${source.runId} against Langfuse at ${source.host} (${source.generation})`,
    `  answer key  ${sessions.findings} finding${plural(sessions.findings)} planted in ` +
    `${sessions.withFindings} of ${sessions.total} session${plural(sessions.total)}`,
    `  items       ${items.total} queue item${plural(items.total)} in ${source.queues} queue${
      plural(source.queues)
    }: ${items.gradable} graded${skipped(result)}`,
    `  scores      ${source.scoresRead} ANNOTATION score${plural(source.scoresRead)} read${
      scoreNotes(result)
    }`,
  ];
  if (sessions.findings === 0) {
    lines.push(
      "  note        the run planted no findings: every finding marked present is a false alarm",
    );
  }
  if (result.reviewers.length === 0) {
    lines.push(
      "No reviewer has marked a finding on the run's queue items yet. Review them in Langfuse " +
        "(Annotation Queues), setting each finding's BOOLEAN score (1 present, 0 absent), then " +
        "run grade again.",
    );
    return lines.join("\n");
  }
  const header = [
    "REVIEWER",
    "FINDING",
    "REVIEWED",
    "NOT REVIEWED",
    "AGREEMENT",
    "MISSES",
    "FALSE ALARMS",
    "BLANK",
  ];
  const rows: string[][] = [];
  for (const reviewer of result.reviewers) {
    for (const grade of reviewer.findings) rows.push(row(reviewer, grade));
    rows.push(row(reviewer, reviewer.overall));
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    `  ${
      cells.map((cell, i) => i === cells.length - 1 ? cell : cell.padEnd(widths[i])).join("  ")
    }`;
  lines.push(line(header), ...rows.map(line));
  lines.push(
    `Graded ${result.reviewers.length} reviewer${
      plural(result.reviewers.length)
    } on ${result.findings.length} finding${plural(result.findings.length)}: ${
      result.reviewers.map((r) => `${r.reviewer} ${formatAgreement(r.overall)}`).join(", ")
    } agreement`,
  );
  return lines.join("\n");
}

function row(reviewer: ReviewerGrade, grade: FindingGrade): string[] {
  return [
    reviewer.reviewer,
    grade.finding,
    String(reviewer.reviewed),
    String(reviewer.notReviewed),
    formatAgreement(grade),
    String(grade.misses),
    String(grade.falseAlarms),
    String(grade.blank),
  ];
}

function skipped(result: GradeResult): string {
  const parts: string[] = [];
  const { items } = result;
  if (items.notInRun > 0) parts.push(`${items.notInRun} not in the run`);
  if (items.unsupported > 0) parts.push(`${items.unsupported} observation items not graded`);
  const duplicates = items.total - items.gradable - items.notInRun - items.unsupported;
  if (duplicates > 0) parts.push(`${duplicates} queued twice`);
  return parts.length > 0 ? ` (${parts.join(", ")})` : "";
}

function scoreNotes(result: GradeResult): string {
  const parts: string[] = [];
  if (result.otherScores > 0) {
    parts.push(`${result.otherScores} of other score configs, not graded`);
  }
  if (result.outsideScores > 0) {
    parts.push(`${result.outsideScores} on objects outside the run's items`);
  }
  return parts.length > 0 ? ` (${parts.join("; ")})` : "";
}

function plural(n: number): string {
  return n === 1 ? "" : "s";
}
