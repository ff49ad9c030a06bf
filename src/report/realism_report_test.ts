import { test } from "node:test";
import assert from "node:assert/strict";
import type { RealismStats } from "../plan/realism_stats.ts";
import { formatRealismReport, minDistinct, realismReport } from "./realism_report.ts";

/** The numbers of a 1,000-session load that meets every threshold. */
function goodStats(): RealismStats {
  return {
    sessions: 1000,
    sessionsWithError: 70,
    errorShare: 0.07,
    failedSteps: 74,
    failuresShown: 74,
    failuresShownShare: 1,
    failuresNotShown: {},
    maxSessionsPerUserDay: 12,
    overlappingPairs: 0,
    returningUsers: 120,
    returningOnMainScript: 0.9,
    findingsPerKind: { unsolved: 37, lost_state: 39 },
    findingsPerScript: { shop: 76 },
    unsolvedScoredResolved: 0,
    commentValues: { resolution: { "Asked for a human": ["escalated"] } },
    commentsOnSeveralValues: 0,
    text: {
      turns: 2400,
      distinctUserMessages: 555,
      distinctAnswers: 1014,
      top: {
        text: "Original payment method, please.",
        count: 38,
        script: "shop",
        turn: 2,
        kind: "refund",
      },
      perTurn: [
        {
          script: "shop",
          turn: 1,
          kind: "status",
          plays: 1000,
          distinctMessages: 300,
          distinctAnswers: 600,
        },
        {
          script: "shop",
          turn: 2,
          kind: "refund",
          plays: 1000,
          distinctMessages: 12,
          distinctAnswers: 400,
        },
      ],
      tokenFit: {
        method: "tokenizer",
        generations: 5000,
        fitting: 4950,
        share: 0.99,
        worst: { script: "shop", turn: 2, name: "answer", reported: 500, expected: 880 },
      },
    },
  };
}

test("minDistinct() asks 300 distinct wordings of 1,000 sessions, that share of fewer, no more of more", () => {
  assert.deepEqual([10, 500, 1000, 5000].map(minDistinct), [3, 150, 300, 300]);
});

test("a load that meets every threshold gets ok on every measure and no hint", () => {
  const report = realismReport(goodStats(), 1);
  assert.equal(report.missed, 0);
  assert.deepEqual(
    report.measures.filter((m) => m.verdict !== "ok").map((m) => `${m.key} ${m.verdict}`),
    ["findingsPerKind info"],
  );
  assert.ok(report.measures.every((m) => m.hint === undefined));
  assert.match(formatRealismReport(report), /All realism measures met\.$/);
});

test("one wording said too often misses, and the hint names it, its turn and its script", () => {
  const stats = goodStats();
  stats.text.top = {
    text: "Where is my order?",
    count: 600,
    script: "shop",
    turn: 1,
    kind: "status",
  };
  stats.text.distinctUserMessages = 31;
  stats.text.perTurn[0].distinctMessages = 1;
  const report = realismReport(stats, 7);
  const byKey = new Map(report.measures.map((m) => [m.key, m]));
  assert.equal(byKey.get("topUserMessageShare")!.verdict, "MISS");
  assert.equal(byKey.get("topUserMessageShare")!.value, "25% of 2400 turns");
  assert.match(
    byKey.get("topUserMessageShare")!.hint!,
    /^"Where is my order\?" is turn 1 \(status\) of shop: add paraphrases/,
  );
  assert.equal(byKey.get("distinctUserMessages")!.verdict, "MISS");
  assert.match(
    byKey.get("distinctUserMessages")!.hint!,
    /^turn 1 \(status\) of shop has 1 distinct user message in 1000 plays/,
  );
  assert.equal(report.missed, 2);
  const printed = formatRealismReport(report);
  assert.match(
    printed,
    /^Realism of 1000 sessions as load would plan them \(seed 7; nothing sent\):/,
  );
  assert.match(
    printed,
    /most common user message +25% of 2400 turns +MISS +\(≤ 3% of turns\)\n +hint: "Where/,
  );
  assert.match(printed, /2 realism measures missed\.$/);
});

test("unseen failures, too few or too many errors and input tokens that do not fit their input each name what to change", () => {
  const stats = goodStats();
  stats.failuresShown = 10;
  stats.failuresShownShare = 10 / 74;
  stats.failuresNotShown = { "shop: lookup_order": 60, "shop: search": 4 };
  stats.errorShare = 0.01;
  stats.text.tokenFit.fitting = 4949;
  stats.text.tokenFit.share = 4949 / 5000;
  stats.text.tokenFit.worst = {
    script: "shop",
    turn: 1,
    name: "route",
    reported: 5000,
    expected: 212,
  };
  const byKey = new Map(realismReport(stats, 1).measures.map((m) => [m.key, m]));
  assert.match(
    byKey.get("failuresShown")!.hint!,
    /^shop: lookup_order failed 60 times unseen: .*name: lookup_order/,
  );
  assert.match(byKey.get("errorShare")!.hint!, /give tool and retriever steps an error:/);
  assert.equal(byKey.get("tokenFit")!.verdict, "MISS");
  assert.equal(byKey.get("tokenFit")!.value, "4949 of 5000");
  assert.equal(
    byKey.get("tokenFit")!.hint!,
    "route in turn 1 of shop reports 5000 input tokens for 212 tokens of visible input + " +
      "hidden: remove its fixed usage.input (then it is counted) or declare hiddenInputTokens " +
      "(what its messages do not show)",
  );
  assert.equal(
    byKey.get("tokenFit")!.threshold!,
    "≥ 99% within max(2, 1%) tokens of the tokenizer",
  );
  stats.errorShare = 0.4;
  assert.match(
    realismReport(stats, 1).measures.find((m) => m.key === "errorShare")!.hint!,
    /lower the error rates/,
  );
});
