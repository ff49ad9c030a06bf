import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "./random.ts";
import { type Slot, UserSchedule } from "./user_schedule.ts";
import { defaultPoolSize, UserPool } from "./users.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const START = Date.parse("2026-11-20T00:00:00Z");

/** `count` sessions spread evenly over `days`, each lasting at most `longestMs`, assigned in order. */
function assign(options: {
  users: number;
  count: number;
  days: number;
  longestMs: number;
  scripts?: number[];
  live?: boolean;
}): { slot: Slot; user: number }[] {
  const pool = new UserPool(options.users, new Rng(1, "users"), { skew: 0.8 });
  const weights = options.scripts ?? [1];
  const schedule = new UserSchedule(pool, { seed: 1, scriptWeights: weights });
  const assigned: { slot: Slot; user: number }[] = [];
  for (let i = 0; i < options.count; i++) {
    const slot: Slot = {
      atMs: START + Math.floor((i * options.days * DAY) / options.count),
      beforeMs: options.live ? 0 : options.longestMs,
      afterMs: options.live ? options.longestMs : 0,
      script: i % weights.length,
    };
    assigned.push({ slot, user: schedule.assign(slot, new Rng(1, `user:${i}`)) });
  }
  return assigned;
}

/** Each user's sessions as [from, to] spans (the longest they may last). */
function spans(assigned: { slot: Slot; user: number }[]): Map<number, [number, number][]> {
  const byUser = new Map<number, [number, number][]>();
  for (const { slot, user } of assigned) {
    const span: [number, number] = [slot.atMs - slot.beforeMs, slot.atMs + slot.afterMs];
    byUser.set(user, [...(byUser.get(user) ?? []), span]);
  }
  return byUser;
}

for (const live of [false, true]) {
  test(`UserSchedule never gives one user two sessions at once (${live ? "live: from the start" : "backfill: up to the end"})`, () => {
    const assigned = assign({ users: 300, count: 3000, days: 3, longestMs: 10 * 60_000, live });
    for (const [user, list] of spans(assigned)) {
      for (let i = 1; i < list.length; i++) {
        assert.ok(list[i][0] >= list[i - 1][1], `user ${user}: ${list[i - 1]} then ${list[i]}`);
      }
    }
  });
}

test("UserSchedule gives nobody more than 12 sessions in any 24 hours, yet heavy users return", () => {
  const assigned = assign({ users: 250, count: 1000, days: 1, longestMs: 5 * 60_000 });
  const counts = new Map<number, number>();
  for (const { user } of assigned) counts.set(user, (counts.get(user) ?? 0) + 1);
  assert.equal(Math.max(...counts.values()), 12);
  assert.ok([...counts.values()].filter((n) => n >= 5).length >= 30, "a fifth come back often");
  assert.ok([...counts.values()].filter((n) => n === 1).length >= 20, "and a tail comes once");
});

test("UserSchedule gives users sessions of their favourite script most of the time", () => {
  const assigned = assign({
    users: 400,
    count: 4000,
    days: 7,
    longestMs: 5 * 60_000,
    scripts: [1, 1, 1],
  });
  const pool = new UserPool(400, new Rng(1, "users"), { skew: 0.8 });
  const schedule = new UserSchedule(pool, { seed: 1, scriptWeights: [1, 1, 1] });
  const favourite = assigned.filter(({ slot, user }) => schedule.favourite(user) === slot.script);
  const share = favourite.length / assigned.length;
  // A third would be chance with three equal scripts.
  assert.ok(share > 0.75, `${(share * 100).toFixed(1)}% on the favourite script`);
});

test("UserSchedule keeps users on their favourite script however many scripts a run has", () => {
  const scripts = Array(9).fill(1);
  const assigned = assign({ users: 400, count: 4000, days: 7, longestMs: 5 * 60_000, scripts });
  const pool = new UserPool(400, new Rng(1, "users"), { skew: 0.8 });
  const schedule = new UserSchedule(pool, { seed: 1, scriptWeights: scripts });
  const favourite = assigned.filter(({ slot, user }) => schedule.favourite(user) === slot.script);
  const share = favourite.length / assigned.length;
  // One in nine would be chance; a library of nine scripts still has users who stick to one.
  assert.ok(share > 0.75, `${(share * 100).toFixed(1)}% on the favourite script`);
});

test("UserSchedule is deterministic: the same slots and streams give the same users", () => {
  const a = assign({ users: 50, count: 500, days: 1, longestMs: 60_000 });
  const b = assign({ users: 50, count: 500, days: 1, longestMs: 60_000 });
  assert.deepEqual(a.map(({ user }) => user), b.map(({ user }) => user));
});

test("UserSchedule reuses the user free soonest when the pool is too small for the sessions at once", () => {
  // Three users, ten sessions at the same moment: overlap cannot be avoided, but never fails.
  const assigned = assign({ users: 3, count: 10, days: 0, longestMs: HOUR });
  assert.equal(assigned.length, 10);
  assert.deepEqual(new Set(assigned.map(({ user }) => user)).size, 3);
});

test("defaultPoolSize() gives a user for every 4 sessions, and a live run room for those under way", () => {
  assert.equal(defaultPoolSize({ sessions: 1000 }), 250);
  assert.equal(defaultPoolSize({ sessions: 2 }), 1);
  assert.equal(defaultPoolSize({ sessions: 0.4 }), 1);
  // 20 sessions a second, each up to 6 minutes: 7,200 under way at most.
  assert.equal(defaultPoolSize({ sessions: 60_000, underWay: 20 * 360 }), 15_000);
  assert.equal(defaultPoolSize({ sessions: 12_000, underWay: 20 * 360 }), 10_800);
  // A short run: no user can come back within the longest session, so one user each.
  assert.equal(defaultPoolSize({ sessions: 1_200, underWay: 20 * 360 }), 1_200);
});
