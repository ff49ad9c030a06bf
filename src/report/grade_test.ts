import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  type GradeItem,
  gradeReviewers,
  hasAnswerKey,
  type KeySession,
  type ReviewerScore,
} from "./grade.ts";

const VOCABULARY = ["repeated_answer", "lost_state", "late_escalation", "unsolved"];

/** Session `n` with traces t<n>-1 and t<n>-2 and the findings given as [finding, turn]. */
function session(n: number, findings: [string, number][] = []): KeySession {
  return {
    sessionId: `s${n}`,
    traces: [{ traceId: `t${n}-1` }, { traceId: `t${n}-2` }],
    findings: findings.map(([finding, turn]) => ({ finding, turn, traceId: `t${n}-${turn}` })),
  };
}

function item(objectType: string, objectId: string, queueId = "q1"): GradeItem {
  return { queueId, id: `item-${objectType}-${objectId}-${queueId}`, objectType, objectId };
}

let counter = 0;
/** A reviewer's score on a session (or a trace when the id starts with "t"). */
function mark(
  reviewer: string | null,
  objectId: string,
  name: string,
  value: number | boolean | string,
  timestamp = "2026-12-03T10:00:00.000Z",
): ReviewerScore {
  return {
    id: `score-${++counter}`,
    reviewer,
    name,
    objectType: objectId.startsWith("t") ? "TRACE" : "SESSION",
    objectId,
    value,
    timestamp,
  };
}

const SESSIONS = [
  session(1, [["repeated_answer", 2]]),
  session(2, [["lost_state", 2]]),
  session(3),
  session(4),
];
const ITEMS = SESSIONS.map((s) => item("SESSION", s.sessionId));

describe("gradeReviewers", () => {
  it("gives full agreement to a reviewer whose marks equal the key", () => {
    const result = gradeReviewers({
      sessions: SESSIONS,
      items: ITEMS,
      vocabulary: VOCABULARY,
      scores: [
        mark("ann", "s1", "repeated_answer", 1),
        mark("ann", "s1", "lost_state", 0),
        mark("ann", "s2", "lost_state", true),
        mark("ann", "s2", "repeated_answer", false),
        mark("ann", "s3", "repeated_answer", 0),
        mark("ann", "s4", "lost_state", 0),
      ],
    });
    assert.deepEqual(result.findings, ["repeated_answer", "lost_state"]);
    const [ann] = result.reviewers;
    assert.equal(ann.reviewer, "ann");
    assert.equal(ann.reviewed, 4);
    assert.equal(ann.notReviewed, 0);
    assert.equal(ann.exactItems, 4);
    assert.deepEqual(ann.findings.map((f) => [f.finding, f.agreement, f.misses, f.falseAlarms]), [
      ["repeated_answer", 1, 0, 0],
      ["lost_state", 1, 0, 0],
    ]);
    assert.deepEqual(ann.overall, {
      finding: "all findings",
      reviewed: 8,
      agreed: 8,
      agreement: 1,
      planted: 2,
      misses: 0,
      falseAlarms: 0,
      blank: 2,
    });
  });

  it("counts a 0 and a blank on a reviewed item with the finding as misses, and a 1 without it as a false alarm", () => {
    const result = gradeReviewers({
      sessions: SESSIONS,
      items: ITEMS,
      vocabulary: VOCABULARY,
      scores: [
        mark("bob", "s1", "repeated_answer", 0), // miss: said absent
        mark("bob", "s2", "repeated_answer", 0), // reviewed s2, left lost_state blank: miss
        mark("bob", "s3", "lost_state", 1), // false alarm
        mark("bob", "s4", "repeated_answer", 1), // false alarm
      ],
    });
    const [bob] = result.reviewers;
    const byName = Object.fromEntries(bob.findings.map((f) => [f.finding, f]));
    assert.deepEqual(
      [
        byName.repeated_answer.misses,
        byName.repeated_answer.falseAlarms,
        byName.repeated_answer.agreed,
      ],
      [1, 1, 2],
    );
    assert.deepEqual(
      [byName.lost_state.misses, byName.lost_state.falseAlarms, byName.lost_state.blank],
      [1, 1, 3],
    );
    assert.equal(byName.lost_state.agreement, 0.5);
    assert.equal(bob.overall.agreement, 0.5);
    assert.equal(bob.exactItems, 0);
  });

  it("leaves items a reviewer never touched out as not reviewed, never as misses", () => {
    const result = gradeReviewers({
      sessions: SESSIONS,
      items: ITEMS,
      vocabulary: VOCABULARY,
      scores: [mark("cy", "s3", "repeated_answer", 0)],
    });
    const [cy] = result.reviewers;
    assert.equal(cy.reviewed, 1);
    assert.equal(cy.notReviewed, 3);
    assert.equal(cy.overall.misses, 0, "s1 and s2 hold findings but cy did not review them");
    assert.equal(cy.overall.agreement, 1);
  });

  it("grades several reviewers apart, the latest of a reviewer's scores counting", () => {
    const result = gradeReviewers({
      sessions: SESSIONS,
      items: ITEMS,
      vocabulary: VOCABULARY,
      scores: [
        mark("dee", "s1", "repeated_answer", 0, "2026-12-03T10:00:00.000Z"),
        mark("dee", "s1", "repeated_answer", 1, "2026-12-03T10:05:00.000Z"),
        mark("eve", "s1", "repeated_answer", 1, "2026-12-03T10:05:00.000Z"),
        mark("eve", "s1", "repeated_answer", 0, "2026-12-03T10:09:00.000Z"),
        mark(null, "s2", "lost_state", 1),
      ],
    });
    assert.deepEqual(
      result.reviewers.map((r) => [r.reviewer, r.reviewed, r.overall.misses, r.overall.agreed]),
      [["(no author)", 1, 0, 2], ["dee", 1, 0, 2], ["eve", 1, 1, 1]],
    );
  });

  it("keys a TRACE item by the finding planted on that trace, not on the session", () => {
    const result = gradeReviewers({
      sessions: SESSIONS,
      items: [item("TRACE", "t1-1"), item("TRACE", "t1-2")],
      vocabulary: VOCABULARY,
      scores: [
        mark("fay", "t1-1", "repeated_answer", 1),
        mark("fay", "t1-2", "repeated_answer", 1),
      ],
    });
    assert.deepEqual(result.items.plantedByFinding, { repeated_answer: 1 });
    const [fay] = result.reviewers;
    assert.deepEqual([fay.overall.agreed, fay.overall.falseAlarms], [1, 1]);
  });

  it("grades an object queued twice once, and counts foreign items, observations and stray scores", () => {
    const result = gradeReviewers({
      sessions: SESSIONS,
      items: [
        item("SESSION", "s1"),
        item("SESSION", "s1", "q2"),
        item("SESSION", "other-run"),
        item("OBSERVATION", "obs-1"),
      ],
      vocabulary: VOCABULARY,
      scores: [mark("gus", "s1", "repeated_answer", 1), mark("gus", "s2", "repeated_answer", 1)],
    });
    assert.deepEqual(
      { ...result.items, plantedByFinding: undefined },
      { total: 4, gradable: 1, notInRun: 1, unsupported: 1, plantedByFinding: undefined },
    );
    assert.equal(result.outsideScores, 1);
    assert.equal(result.reviewers[0].reviewed, 1);
  });

  it("grades only findings of the vocabulary; other scores do not make an item reviewed", () => {
    const result = gradeReviewers({
      sessions: SESSIONS,
      items: ITEMS,
      vocabulary: VOCABULARY,
      scores: [
        mark("hal", "s1", "resolution", "resolved"),
        mark("hal", "s3", "unsolved", 1),
        mark("ida", "s2", "escalation_justified", 1),
      ],
    });
    assert.deepEqual(result.findings, ["repeated_answer", "lost_state", "unsolved"]);
    assert.equal(result.otherScores, 2);
    assert.deepEqual(result.reviewers.map((r) => r.reviewer), ["hal"], "ida marked no finding");
    const [hal] = result.reviewers;
    assert.equal(hal.reviewed, 1, "s1 got only a resolution score");
    assert.deepEqual(hal.findings.map((f) => [f.finding, f.misses, f.falseAlarms]), [
      ["repeated_answer", 0, 0],
      ["lost_state", 0, 0],
      ["unsolved", 0, 1],
    ]);
  });

  it("sees an answer key when a session has a findings list, even an empty one", () => {
    assert.equal(hasAnswerKey([session(1)]), true);
    assert.equal(hasAnswerKey([{ sessionId: "s", traces: [] }]), false);
  });
});
