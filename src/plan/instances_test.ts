import { test } from "node:test";
import assert from "node:assert/strict";
import { readScriptFile } from "../script/read.ts";
import { checkPseudonymousId } from "../script/privacy.ts";
import { inferIdFormat, SessionFactory } from "./instances.ts";
import { backfillTimes } from "./backfill.ts";
import { Rng } from "./random.ts";
import { PopulationCounter } from "./population.ts";
import type { ObservationPlan } from "./types.ts";

const END = Date.parse("2026-11-25T12:00:00Z");
const DAY = 86_400_000;

test("inferIdFormat() keeps a literal id's prefix, alphabet and length", () => {
  assert.deepEqual(inferIdFormat("conv_82d9535867844b4c8cdff"), {
    prefix: "conv_",
    alphabet: "hex",
    length: 21,
  });
  assert.deepEqual(inferIdFormat("usr_pseudo_7f31c2"), {
    prefix: "usr_pseudo_",
    alphabet: "hex",
    length: 6,
  });
  assert.deepEqual(inferIdFormat("usr_{alnum:9}"), {
    prefix: "usr_",
    alphabet: "alnum",
    length: 9,
  });
});

test("a population follows the scripts' reach and error rates, with recurring users", async () => {
  const { file, script } = await readScriptFile("conversations/order-status.yaml");
  const factory = new SessionFactory([{ file, script }], { seed: 7, users: 200 });
  const counter = new PopulationCounter();
  const n = 3000;
  const sessionIds = new Set<string>();
  const ends = backfillTimes(n, { endMs: END, spreadMs: 14 * DAY, rng: new Rng(7, "backfill") });
  for (const [i, plan] of factory.backfill(ends)) {
    assert.ok(i < n);
    counter.add(plan);
    sessionIds.add(plan.sessionId);
    assert.match(plan.sessionId, /^conv_[0-9a-f]{21}$/);
    assert.equal(checkPseudonymousId(plan.userId), undefined);
  }
  const shape = counter.shape();
  assert.equal(sessionIds.size, n, "a fresh session id per session");
  // The script declares reach 1, 0.4, 0.15: 60% stop after one turn, 25% after two, 15% go on.
  const share = (turns: string) => (shape.turnsPerSession[turns] ?? 0) / n;
  assert.ok(Math.abs(share("1") - 0.6) < 0.03, `1 turn: ${share("1")}`);
  assert.ok(Math.abs(share("2") - 0.25) < 0.03, `2 turns: ${share("2")}`);
  // A planted late_escalation adds a turn before the escalation.
  const escalating = share("3") + share("4");
  assert.ok(Math.abs(escalating - 0.15) < 0.03, `3 or 4 turns: ${escalating}`);
  assert.ok(Math.abs(shape.escalationRate - 0.15) < 0.03, `escalation ${shape.escalationRate}`);
  // carrier_tracking fails at rate 0.04 in the first turn, which every session reaches, and
  // policy-search at 0.03 in the second, which 40% reach.
  const errors = 0.04 + 0.96 * 0.4 * 0.03;
  assert.ok(Math.abs(shape.errorRate - errors) < 0.015, `errors ${shape.errorRate}`);
  assert.ok(shape.users > 100 && shape.users <= 200, `users ${shape.users}`);
  assert.ok(shape.maxSessionsPerUser >= 50, "a few heavy users recur a lot");
});

test("a failed step is ERROR with its message and the turn takes the declared outcome", async () => {
  const { file, script } = await readScriptFile("conversations/order-status.yaml");
  const factory = new SessionFactory([{ file, script }], { seed: 3, users: 10 });
  for (let i = 0; i < 400; i++) {
    const plan = factory.plan(i, { endMs: END });
    const tracking = plan.turns[0].root.children[0].children.find((obs) =>
      obs.name === "carrier_tracking"
    )!;
    if (tracking.level !== "ERROR") continue;
    assert.equal(tracking.statusMessage, "carrier API timeout after 3s");
    assert.deepEqual(tracking.output, { error: "timeout", retryable: true });
    assert.equal(plan.turns[0].outcome, "recovered");
    return;
  }
  assert.fail("no injected failure in 400 sessions at rate 0.04");
});

test("the same seed gives the same population; another seed another", async () => {
  const { file, script } = await readScriptFile("conversations/refund.yaml");
  const a = new SessionFactory([{ file, script }], { seed: 11, users: 50 });
  const b = new SessionFactory([{ file, script }], { seed: 11, users: 50 });
  const c = new SessionFactory([{ file, script }], { seed: 12, users: 50 });
  for (let i = 0; i < 20; i++) {
    assert.deepEqual(a.plan(i, { endMs: END }), b.plan(i, { endMs: END }));
  }
  assert.notEqual(a.plan(0, { endMs: END }).sessionId, c.plan(0, { endMs: END }).sessionId);
});

test("weights decide how often each script is drawn", async () => {
  const order = await readScriptFile("conversations/order-status.yaml");
  const refund = await readScriptFile("conversations/refund.yaml");
  const factory = new SessionFactory([{ ...order, weight: 3 }, { ...refund, weight: 1 }], {
    seed: 5,
    users: 20,
  });
  const counter = new PopulationCounter();
  for (let i = 0; i < 2000; i++) counter.add(factory.plan(i, { endMs: END }));
  const share = counter.shape().sessionsPerScript["order-status"] / 2000;
  assert.ok(Math.abs(share - 0.75) < 0.03, `order-status share ${share}`);
});

test("backfilled sessions stay inside the window and follow the daily rhythm", async () => {
  const { file, script } = await readScriptFile("conversations/order-status.yaml");
  const factory = new SessionFactory([{ file, script }], { seed: 9, users: 30 });
  const ends = backfillTimes(2000, { endMs: END, spreadMs: 14 * DAY, rng: new Rng(9, "backfill") });
  const byHour = new Array(24).fill(0);
  for (const [i, endMs] of ends.entries()) {
    const plan = factory.plan(i, { endMs });
    const start = plan.turns[0].root.startMs;
    assert.ok(start >= END - 14 * DAY - 3_600_000 && plan.turns.at(-1)!.root.endMs <= END);
    byHour[new Date(start).getUTCHours()]++;
  }
  const night = byHour.slice(0, 6).reduce((a, b) => a + b, 0);
  const afternoon = byHour.slice(13, 18).reduce((a, b) => a + b, 0);
  assert.ok(afternoon > night * 4, `afternoon ${afternoon} vs night ${night}`);
});

test("in load mode the shipped scripts' tool inputs name each session's drawn user", async () => {
  const find = (node: ObservationPlan, name: string): ObservationPlan | undefined =>
    node.name === name ? node : node.children.map((c) => find(c, name)).find(Boolean);
  const cases: [string, string, string][] = [
    ["conversations/order-status.yaml", "lookup_order", "customer"],
    ["conversations/handoff.yaml", "crm_lookup", "user"],
    ["conversations/handoff.yaml", "billing_search", "linked_user"],
  ];
  for (const [path, tool, field] of cases) {
    const { file, script } = await readScriptFile(path);
    const factory = new SessionFactory([{ file, script }], { seed: 11, users: 20 });
    for (let i = 0; i < 5; i++) {
      const plan = factory.plan(i, { endMs: END });
      assert.notEqual(plan.userId, script.user.id, "load mode draws its own users");
      const input = find(plan.turns[0].root, tool)?.input as Record<string, unknown>;
      assert.equal(input[field], plan.userId, `${path} ${tool}.${field}`);
    }
  }
});
