/**
 * Grading reviewers against a run's answer key. The key is the findings a load or replay run
 * planted (`ManifestSession.findings`: which finding, on which turn's trace; empty for a clean
 * session); the run's annotation-queue items say which objects reviewers were given (a SESSION
 * item is a session id, a TRACE item a trace id); reviewers mark a finding with an ANNOTATION
 * score named after it, BOOLEAN 1 (present) or 0 (absent), on the item's object.
 *
 * Definitions, per reviewer and finding:
 * - An item is **reviewed** by a reviewer when they left at least one finding score (a score
 *   named after a finding of the vocabulary) on its object; an item they did not touch is **not
 *   reviewed**: it is not graded, and never a miss. Scores of other names (a "resolution" config
 *   in the same queue, or a queue that is not about findings at all) neither make an item
 *   reviewed nor are graded; they are counted as `otherScores`.
 * - The key of a SESSION item says the finding is present when the session has it on any turn;
 *   the key of a TRACE item, when it was planted on that trace.
 * - The reviewer's **verdict** is present when their score of that name is 1 (`true`), absent
 *   when it is 0, and absent too when they reviewed the item but left that finding **blank**
 *   (no score of that name): a reviewer who looked at the item and did not flag it said "not
 *   there". When they scored it more than once, the latest score counts.
 * - **agreement** = reviewed items where the verdict equals the key / reviewed items;
 *   a **miss** = key present, verdict absent (a 0 or a blank; `blank` counts the blanks);
 *   a **false alarm** = verdict present, key absent.
 * - The **overall** line sums over the graded findings: one decision per reviewed item and
 *   finding; `exactItems` counts reviewed items where every finding's verdict matched.
 * - Graded findings: those of the vocabulary planted in the run's key or marked by some reviewer
 *   on an item, in vocabulary order (a finding nobody planted or marked would only pad the
 *   agreement).
 * - An object queued twice (in one queue or in several) is graded once; items whose object is
 *   not in the run, and OBSERVATION items, are counted and left out; scores on objects that are
 *   not the run's items are counted as `outsideScores`.
 *
 * Pure: no I/O, no clock.
 */

/** A finding planted in a session: its name, the turn it changes and that turn's trace. */
export interface PlantedFinding {
  finding: string;
  turn: number;
  traceId: string;
}

/** What grading needs of a manifest session. */
export interface KeySession {
  sessionId: string;
  traces: readonly { traceId: string }[];
  /** The answer key; empty for a clean session, absent when the run planted none. */
  findings?: readonly PlantedFinding[];
}

/** A queue item as the manifest records it. */
export interface GradeItem {
  queueId: string;
  id: string;
  objectType: string;
  objectId: string;
}

/** A reviewer's annotation score, as read back from Langfuse. */
export interface ReviewerScore {
  id: string;
  /** The reviewer's user id; null for ANNOTATION scores written through the API. */
  reviewer: string | null;
  /** The score's (its config's) name. */
  name: string;
  objectType: "SESSION" | "TRACE" | "OBSERVATION" | "EXPERIMENT";
  objectId: string;
  /** BOOLEAN scores: true/1 present, false/0 absent. */
  value: number | boolean | string;
  /** ISO 8601; the latest of a reviewer's scores of one name on one object counts. */
  timestamp: string;
}

/** What {@link gradeReviewers} compares. */
export interface GradeInput {
  sessions: readonly KeySession[];
  items: readonly GradeItem[];
  scores: readonly ReviewerScore[];
  /** The finding names (the vocabulary); other score names are not graded. */
  vocabulary: readonly string[];
}

/** One reviewer's grade on one finding (or, as `overall`, on all of them). */
export interface FindingGrade {
  /** The finding, or "all findings" for the overall line. */
  finding: string;
  /** Decisions graded: reviewed items (overall: reviewed items × findings). */
  reviewed: number;
  /** Decisions where the verdict equals the key. */
  agreed: number;
  /** agreed / reviewed; null when nothing was reviewed. */
  agreement: number | null;
  /** Key present among the reviewed decisions. */
  planted: number;
  /** Key present, verdict absent (0 or blank). */
  misses: number;
  /** Verdict present, key absent. */
  falseAlarms: number;
  /** Reviewed, but no score of this finding. */
  blank: number;
}

/** One reviewer's grades. */
export interface ReviewerGrade {
  /** User id, or "(no author)" for scores without one. */
  reviewer: string;
  /** Items they touched. */
  reviewed: number;
  /** Gradable items they did not touch. */
  notReviewed: number;
  /** Reviewed items where every graded finding matched the key. */
  exactItems: number;
  findings: FindingGrade[];
  overall: FindingGrade;
}

/** The whole grading. */
export interface GradeResult {
  /** Graded findings, in vocabulary order. */
  findings: string[];
  items: {
    /** Items in the manifest. */
    total: number;
    /** Distinct SESSION and TRACE objects of the run, each graded once. */
    gradable: number;
    /** Items whose session or trace is not in the run. */
    notInRun: number;
    /** OBSERVATION (or other) items, not graded. */
    unsupported: number;
    /** Gradable objects per finding where the key says present. */
    plantedByFinding: Record<string, number>;
  };
  /** Sessions in the run, and how many have at least one planted finding. */
  sessions: { total: number; withFindings: number; findings: number };
  reviewers: ReviewerGrade[];
  /** Finding scores on objects that are none of the run's items. */
  outsideScores: number;
  /** Scores of names outside the vocabulary, not graded. */
  otherScores: number;
}

/** Name of the reviewer for scores without an author. */
export const NO_AUTHOR = "(no author)";

/** Whether any session carries an answer key (a `findings` list, even empty). */
export function hasAnswerKey(sessions: readonly KeySession[]): boolean {
  return sessions.some((session) => Array.isArray(session.findings));
}

/** Grades every reviewer who annotated the run's items; see the module comment. */
export function gradeReviewers(input: GradeInput): GradeResult {
  const sessionById = new Map(input.sessions.map((s) => [s.sessionId, s]));
  const findingByTrace = new Map<string, string[]>();
  const sessionOfTrace = new Map<string, KeySession>();
  for (const session of input.sessions) {
    for (const trace of session.traces) sessionOfTrace.set(trace.traceId, session);
    for (const planted of session.findings ?? []) {
      findingByTrace.set(planted.traceId, [
        ...(findingByTrace.get(planted.traceId) ?? []),
        planted.finding,
      ]);
    }
  }

  // The gradable objects, each once, with the findings the key says are present.
  const objects = new Map<string, Set<string>>();
  let notInRun = 0;
  let unsupported = 0;
  for (const item of input.items) {
    const key = objectKey(item.objectType, item.objectId);
    if (objects.has(key)) continue;
    if (item.objectType === "SESSION") {
      const session = sessionById.get(item.objectId);
      if (!session) notInRun++;
      else objects.set(key, new Set((session.findings ?? []).map((f) => f.finding)));
    } else if (item.objectType === "TRACE") {
      if (!sessionOfTrace.has(item.objectId)) notInRun++;
      else objects.set(key, new Set(findingByTrace.get(item.objectId) ?? []));
    } else {
      unsupported++;
    }
  }

  // Each reviewer's latest score per object and name.
  const latest = new Map<string, Map<string, Map<string, ReviewerScore>>>();
  const vocabulary = new Set(input.vocabulary);
  let outsideScores = 0;
  let otherScores = 0;
  for (const score of input.scores) {
    if (!vocabulary.has(score.name)) {
      otherScores++;
      continue;
    }
    const key = objectKey(score.objectType, score.objectId);
    if (!objects.has(key)) {
      outsideScores++;
      continue;
    }
    const reviewer = score.reviewer ?? NO_AUTHOR;
    const byObject = latest.get(reviewer) ?? new Map<string, Map<string, ReviewerScore>>();
    latest.set(reviewer, byObject);
    const byName = byObject.get(key) ?? new Map<string, ReviewerScore>();
    byObject.set(key, byName);
    const before = byName.get(score.name);
    if (!before || later(score, before)) byName.set(score.name, score);
  }

  const used = new Set<string>();
  for (const present of objects.values()) for (const f of present) used.add(f);
  for (const byObject of latest.values()) {
    for (const byName of byObject.values()) for (const name of byName.keys()) used.add(name);
  }
  const findings = input.vocabulary.filter((f) => used.has(f));

  const reviewers = [...latest.keys()].sort().map((reviewer): ReviewerGrade => {
    const byObject = latest.get(reviewer)!;
    const grades = findings.map((finding) => emptyGrade(finding));
    let exactItems = 0;
    for (const [key, byName] of byObject) {
      const present = objects.get(key)!;
      let exact = true;
      findings.forEach((finding, i) => {
        const grade = grades[i];
        const score = byName.get(finding);
        const verdict = score !== undefined && (score.value === true || score.value === 1);
        const truth = present.has(finding);
        grade.reviewed++;
        if (truth) grade.planted++;
        if (score === undefined) grade.blank++;
        if (verdict === truth) grade.agreed++;
        else if (truth) grade.misses++;
        else grade.falseAlarms++;
        if (verdict !== truth) exact = false;
      });
      if (exact) exactItems++;
    }
    const overall = emptyGrade("all findings");
    for (const grade of grades) {
      grade.agreement = share(grade.agreed, grade.reviewed);
      overall.reviewed += grade.reviewed;
      overall.agreed += grade.agreed;
      overall.planted += grade.planted;
      overall.misses += grade.misses;
      overall.falseAlarms += grade.falseAlarms;
      overall.blank += grade.blank;
    }
    overall.agreement = share(overall.agreed, overall.reviewed);
    return {
      reviewer,
      reviewed: byObject.size,
      notReviewed: objects.size - byObject.size,
      exactItems,
      findings: grades,
      overall,
    };
  });

  const plantedByFinding: Record<string, number> = {};
  for (const finding of findings) {
    plantedByFinding[finding] = [...objects.values()].filter((set) => set.has(finding)).length;
  }
  const withFindings = input.sessions.filter((s) => (s.findings ?? []).length > 0);
  return {
    findings,
    items: {
      total: input.items.length,
      gradable: objects.size,
      notInRun,
      unsupported,
      plantedByFinding,
    },
    sessions: {
      total: input.sessions.length,
      withFindings: withFindings.length,
      findings: withFindings.reduce((sum, s) => sum + s.findings!.length, 0),
    },
    reviewers,
    outsideScores,
    otherScores,
  };
}

function emptyGrade(finding: string): FindingGrade {
  return {
    finding,
    reviewed: 0,
    agreed: 0,
    agreement: null,
    planted: 0,
    misses: 0,
    falseAlarms: 0,
    blank: 0,
  };
}

function share(part: number, whole: number): number | null {
  return whole === 0 ? null : part / whole;
}

function objectKey(type: string, id: string): string {
  return `${type}/${id}`;
}

/** Whether `a` was written after `b` (timestamp, then id for a stable tie-break). */
function later(a: ReviewerScore, b: ReviewerScore): boolean {
  return a.timestamp > b.timestamp || (a.timestamp === b.timestamp && a.id > b.id);
}
