import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { reviewConfigsOf, ReviewConflictError, ReviewSelector } from "./review_select.ts";
import type { ReviewInput } from "../script/schema_review.ts";
import type { ObservationPlan, ScorePlan, SessionPlan } from "./types.ts";

interface TurnSpec {
  outcome: string;
  failed?: boolean;
  feedback?: number;
}

function observation(name: string, spanId: string, children: ObservationPlan[] = []) {
  return { spanId, name, type: "span", startMs: 0, endMs: 1, children } as ObservationPlan;
}

/** A session of turns with the given outcomes; `planted` marks turn indexes with a finding. */
function session(
  id: string,
  turns: TurnSpec[],
  options: { script?: string; planted?: number[] } = {},
): SessionPlan {
  const scores: ScorePlan[] = [];
  const plan = {
    script: options.script ?? "order-status",
    file: "x.yaml",
    seed: 1,
    sessionId: id,
    userId: "usr_1",
    traceName: "turn",
    version: "local",
    tags: [],
    metadata: {},
    turns: turns.map((turn, index) => {
      const traceId = `${id}-t${index}`;
      if (turn.feedback !== undefined) {
        scores.push({
          id: `${traceId}-fb`,
          name: "user_feedback",
          dataType: "BOOLEAN",
          value: turn.feedback,
          traceId,
        });
      }
      const tool = observation("carrier_tracking", `${traceId}-tool`);
      if (turn.failed) tool.level = "ERROR";
      return {
        index,
        kind: "status",
        outcome: turn.outcome,
        traceId,
        root: observation("agent", `${traceId}-root`, [
          tool,
          observation("compose-answer", `${traceId}-gen`),
        ]),
      };
    }),
    scores,
    findings: (options.planted ?? []).map((t) => ({
      finding: "lost_state",
      turn: t + 1,
      traceId: `${id}-t${t}`,
    })),
  };
  return plan as SessionPlan;
}

function select(review: ReviewInput, sessions: SessionPlan[], seed = 42) {
  const selector = new ReviewSelector([{ label: "x.yaml", review }], seed);
  for (const plan of sessions) selector.add(plan);
  return selector.result();
}

function queue(objectType: "SESSION" | "TRACE", select?: ReviewInput["queues"]) {
  return select ?? [{ name: "q", objectType, scoreConfigs: ["resolution"] }];
}

describe("review selection", () => {
  it("puts only the sessions with an escalated turn into a session queue", () => {
    const [q] = select({
      queues: [{
        name: "escalations",
        objectType: "SESSION",
        scoreConfigs: ["resolution"],
        select: { outcome: "escalated" },
      }],
    }, [
      session("a", [{ outcome: "answered" }, { outcome: "escalated" }]),
      session("b", [{ outcome: "answered" }]),
      session("c", [{ outcome: "escalated" }]),
    ]).queues;
    assert.deepEqual(q.items.map((i) => [i.objectType, i.objectId]), [
      ["SESSION", "a"],
      ["SESSION", "c"],
    ]);
  });

  it("selects by an outcome a script declares, as by a default one", () => {
    const [q] = select({
      queues: [{
        name: "unanswered",
        objectType: "TRACE",
        scoreConfigs: ["resolution"],
        select: { outcome: ["no_answer", "failed"] },
      }],
    }, [
      session("a", [{ outcome: "cited" }, { outcome: "no_answer" }]),
      session("b", [{ outcome: "failed" }, { outcome: "cited" }]),
    ]).queues;
    assert.deepEqual(q.items.map((i) => i.objectId), ["a-t1", "b-t0"]);
  });

  it("selects the traces with negative feedback (user_feedback 0), not those with a thumbs up", () => {
    const [q] = select({
      queues: [{
        name: "negative",
        objectType: "TRACE",
        scoreConfigs: ["user_feedback"],
        select: { score: { name: "user_feedback", value: 0 } },
      }],
    }, [
      session("a", [{ outcome: "answered", feedback: 1 }, { outcome: "escalated", feedback: 0 }]),
      session("b", [{ outcome: "answered" }]),
    ]).queues;
    assert.deepEqual(q.items.map((i) => i.objectId), ["a-t1"]);
  });

  it("selects the traces where a step failed (level ERROR), and with failed: false the others", () => {
    const sessions = [
      session("a", [{ outcome: "recovered", failed: true }, { outcome: "answered" }]),
    ];
    const failed = select({
      queues: queue("TRACE").map((q) => ({ ...q, select: { failed: true } })),
    }, sessions);
    const fine = select({
      queues: queue("TRACE").map((q) => ({ ...q, select: { failed: false } })),
    }, sessions);
    assert.deepEqual(failed.queues[0].items.map((i) => i.objectId), ["a-t0"]);
    assert.deepEqual(fine.queues[0].items.map((i) => i.objectId), ["a-t1"]);
  });

  it("takes about the rate's share, the same objects for the same seed and others for another", () => {
    const sessions = Array.from(
      { length: 400 },
      (_, i) => session(`s${i}`, [{ outcome: "answered" }]),
    );
    const review: ReviewInput = {
      queues: [{
        name: "sample",
        objectType: "SESSION",
        scoreConfigs: ["x"],
        select: { rate: 0.25 },
      }],
    };
    const ids = (seed: number) =>
      select(review, sessions, seed).queues[0].items.map((i) => i.objectId);
    const first = ids(7);
    assert.deepEqual(ids(7), first);
    assert.notDeepEqual(ids(8), first);
    assert.ok(first.length > 60 && first.length < 140, `${first.length} of 400`);
  });

  it("adds every planted session to a rate sample with includePlanted, so the queue mixes both", () => {
    const sessions = Array.from(
      { length: 200 },
      (_, i) => session(`s${i}`, [{ outcome: "answered" }], { planted: i % 10 === 0 ? [0] : [] }),
    );
    const [q] = select({
      queues: [{
        name: "training",
        objectType: "SESSION",
        scoreConfigs: ["lost_state"],
        select: { rate: 0.2, includePlanted: true },
      }],
    }, sessions).queues;
    const planted = q.items.filter((i) => i.planted).length;
    assert.equal(planted, 20, "every planted session is in");
    assert.ok(q.items.length - planted > 20, "sessions without findings outnumber them");
  });

  it("puts the planted trace, not the whole session's traces, into a trace queue", () => {
    const [q] = select({
      queues: [{
        name: "training",
        objectType: "TRACE",
        scoreConfigs: ["lost_state"],
        select: { rate: 0.0001, includePlanted: true },
      }],
    }, [session("a", [{ outcome: "answered" }, { outcome: "answered" }], { planted: [1] })])
      .queues;
    assert.deepEqual(q.items.map((i) => [i.objectId, i.planted]), [["a-t1", true]]);
  });

  it("selects what any rule of a list selects, each object once", () => {
    const [q] = select({
      queues: [{
        name: "attention",
        objectType: "SESSION",
        scoreConfigs: ["x"],
        select: [{ outcome: "escalated" }, { score: { name: "user_feedback", value: 0 } }],
      }],
    }, [
      session("a", [{ outcome: "escalated", feedback: 0 }]),
      session("b", [{ outcome: "answered", feedback: 0 }]),
      session("c", [{ outcome: "answered", feedback: 1 }]),
    ]).queues;
    assert.deepEqual(q.items.map((i) => i.objectId), ["a", "b"]);
  });

  it("comments on the named step's observation in each selected trace, an identical one once", () => {
    const { comments } = select({
      comments: [
        {
          on: "observation",
          step: "carrier_tracking",
          select: { failed: true },
          content: "Timeout.",
        },
        {
          on: "observation",
          step: "carrier_tracking",
          select: { failed: true },
          content: " Timeout. ",
        },
        {
          on: "session",
          select: { outcome: "escalated" },
          content: "Team lead: check the handoff.",
        },
      ],
    }, [
      session("a", [{ outcome: "recovered", failed: true }, { outcome: "escalated" }]),
      session("b", [{ outcome: "answered" }]),
    ]);
    assert.deepEqual(comments, [
      { objectType: "OBSERVATION", objectId: "a-t0-tool", traceId: "a-t0", content: "Timeout." },
      { objectType: "SESSION", objectId: "a", content: "Team lead: check the handoff." },
    ]);
  });

  it("applies a script's section to that script's sessions only, a review file to all", () => {
    const review: ReviewInput = { queues: queue("SESSION") };
    const sessions = [
      session("a", [{ outcome: "answered" }], { script: "order-status" }),
      session("b", [{ outcome: "answered" }], { script: "refund" }),
    ];
    const own = new ReviewSelector([{ label: "o.yaml", review, scripts: ["order-status"] }], 1);
    const file = new ReviewSelector([{ label: "review.yaml", review }], 1);
    for (const plan of sessions) {
      own.add(plan);
      file.add(plan);
    }
    assert.deepEqual(own.result().queues[0].items.map((i) => i.objectId), ["a"]);
    assert.deepEqual(file.result().queues[0].items.map((i) => i.objectId), ["a", "b"]);
  });

  it("refuses one queue name declared differently in two scripts, naming both", () => {
    const a: ReviewInput = { queues: [{ name: "q", objectType: "SESSION", scoreConfigs: ["x"] }] };
    const b: ReviewInput = { queues: [{ name: "q", objectType: "TRACE", scoreConfigs: ["x"] }] };
    assert.throws(
      () => new ReviewSelector([{ label: "a.yaml", review: a }, { label: "b.yaml", review: b }], 1),
      (error: Error) =>
        error instanceof ReviewConflictError && /b\.yaml.*"q".*a\.yaml/.test(error.message),
    );
  });

  it("answers the review-only score configs once each, for the resources step to create", () => {
    const review: ReviewInput = {
      scoreConfigs: [{
        name: "escalation_justified",
        dataType: "BOOLEAN",
        description: "Right call?",
      }],
    };
    const specs = reviewConfigsOf([
      { label: "a.yaml", review },
      { label: "b.yaml", review },
    ]);
    assert.deepEqual(specs, [{
      name: "escalation_justified",
      dataType: "BOOLEAN",
      description: "Right call?",
      values: [],
      place: "a.yaml: review.scoreConfigs[0]",
    }]);
  });
});
