import { test } from "node:test";
import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import { mentionedTimeout } from "../script/duration.ts";
import { readScriptFile } from "../script/read.ts";
import { FINDINGS } from "../script/vocabulary.ts";
import { loadPlans } from "./load_plans.ts";
import { realismStats, showsFailure } from "./realism_stats.ts";
import { outputTokens } from "./tokens.ts";
import type { ObservationPlan, SessionPlan } from "./types.ts";

const END = Date.parse("2026-11-25T12:00:00.000Z");
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const files = (await readdir("conversations")).filter((name) => name.endsWith(".yaml")).sort()
  .map((name) => `conversations/${name}`);
const scripts = await Promise.all(files.map((file) => readScriptFile(file)));

/** What `load conversations/*.yaml --sessions 1000 --seed N` plans: its defaults, in-process. */
function defaultLoad(seed: number, sessions = 1000): SessionPlan[] {
  return [...loadPlans(scripts, { sessions, seed, endMs: END })];
}

const LOADS = [7, 42].map((seed) => ({ seed, plans: defaultLoad(seed) }));

for (const { seed, plans } of LOADS) {
  test(`a default 1,000-session load of the shipped scripts (seed ${seed}) reads as real`, () => {
    const stats = realismStats(plans);
    assert.equal(stats.sessions, 1000);
    // Failures happen at believable rates, and the agent sees them.
    assert.ok(
      stats.errorShare >= 0.02 && stats.errorShare <= 0.25,
      `${stats.sessionsWithError} sessions with an ERROR`,
    );
    assert.ok(stats.failedSteps > 0);
    assert.ok(
      stats.failuresShownShare >= 0.9,
      `${stats.failuresShown} of ${stats.failedSteps} failures shown to the next generation`,
    );
    // People: about a dozen sessions a day at most, never two at once, mostly one kind.
    assert.ok(stats.maxSessionsPerUserDay <= 12, `busiest: ${stats.maxSessionsPerUserDay} a day`);
    assert.equal(stats.overlappingPairs, 0);
    assert.ok(stats.returningUsers > 50, `${stats.returningUsers} users come back`);
    assert.ok(stats.returningOnMainScript > 0.7, `main script ${stats.returningOnMainScript}`);
    // Findings: every kind at least 10 times, in every shipped script, agreeing with scores.
    for (const finding of FINDINGS) {
      assert.ok(
        (stats.findingsPerKind[finding] ?? 0) >= 10,
        `${finding}: ${stats.findingsPerKind[finding]}`,
      );
    }
    for (const { script } of scripts) {
      assert.ok((stats.findingsPerScript[script.name] ?? 0) > 0, `findings in ${script.name}`);
    }
    assert.ok(stats.findingsPerKind.unsolved > 0);
    assert.equal(stats.unsolvedScoredResolved, 0);
    assert.equal(stats.commentsOnSeveralValues, 0, JSON.stringify(stats.commentValues));
    assert.ok(Object.keys(stats.commentValues.resolution ?? {}).length >= 2);
    // Words: people word the same request many ways, and the agent its answers.
    const { text } = stats;
    assert.ok(text.distinctUserMessages >= 300, `${text.distinctUserMessages} user messages`);
    assert.ok(text.distinctAnswers >= 300, `${text.distinctAnswers} answers`);
    assert.ok(
      text.top!.count / text.turns <= 0.03,
      `"${text.top!.text}" is ${text.top!.count} of ${text.turns} turns`,
    );
    for (const turn of text.perTurn.filter((turn) => turn.plays >= 50)) {
      assert.ok(turn.distinctMessages >= 8, `turn ${turn.turn} of ${turn.script}`);
    }
    // Many kinds of work, not one domain.
    const workflows = new Set(plans.map((plan) => plan.metadata.workflow));
    assert.ok(workflows.size >= 8, `${workflows.size} workflows: ${[...workflows].join(", ")}`);
    const withFindings = new Set(
      plans.filter((plan) => plan.findings.length > 0).map((plan) => plan.metadata.workflow),
    );
    assert.ok(withFindings.size >= 6, `findings in ${[...withFindings].join(", ")}`);
    // Numbers a reviewer can check: input tokens fit the input, each text one count.
    assert.ok(
      text.tokenFit.share >= 0.99,
      `${text.tokenFit.fitting} of ${text.tokenFit.generations} fit: ` +
        JSON.stringify(text.tokenFit.worst),
    );
    const numbers = observationNumbers(plans);
    assert.deepEqual(numbers.textsWithTwoCounts, [], "the same output text counts the same");
    assert.deepEqual(numbers.timeoutsOff, [], "a step that times out lasts its timeout");
    assert.ok(numbers.streamed > 100, `${numbers.streamed} streamed generations`);
    assert.deepEqual(numbers.tooSlow, [], "streamed generations run at 10 tokens/s or faster");
  });
}

/** What a reviewer checks on single observations across a load: counts, timeouts, speeds. */
function observationNumbers(plans: SessionPlan[]) {
  const counts = new Map<string, Set<number>>();
  const timeoutsOff: string[] = [];
  const tooSlow: string[] = [];
  let streamed = 0;
  for (const plan of plans) {
    for (const turn of plan.turns) {
      const stack = [turn.root];
      while (stack.length > 0) {
        const obs = stack.pop()!;
        stack.push(...obs.children);
        const durationMs = obs.endMs - obs.startMs;
        const timeout = obs.statusMessage ? mentionedTimeout(obs.statusMessage) : undefined;
        if (timeout && obs.level === "ERROR" && obs.children.length === 0) {
          if (durationMs !== timeout.ms) {
            timeoutsOff.push(`${plan.script} ${obs.name}: ${durationMs} ms, "${timeout.words}"`);
          }
        }
        if (obs.type !== "generation" || obs.usage?.output === undefined) continue;
        const text = JSON.stringify(obs.output);
        const own = outputTokens(obs.output, obs.model ?? "");
        counts.set(text, (counts.get(text) ?? new Set()).add(own));
        // A spoken answer lasts its audio, which streams at speaking pace, not text's.
        if (obs.completionStartMs === undefined || obs.usage.output_audio_tokens) continue;
        streamed++;
        const streamingMs = obs.endMs - obs.completionStartMs;
        const speed = obs.usage.output / (streamingMs / 1000);
        if (obs.usage.output >= 20 && streamingMs > 0 && speed < 10) {
          tooSlow.push(`${plan.script} ${obs.name}: ${speed.toFixed(1)} tokens/s`);
        }
      }
    }
  }
  const textsWithTwoCounts = [...counts].filter(([, set]) => set.size > 1).map(([text]) => text);
  return { textsWithTwoCounts, timeoutsOff, tooSlow: tooSlow.slice(0, 5), streamed };
}

test("in a default load every user keeps one company, plan and account across their sessions", () => {
  const byUser = new Map<string, string[]>();
  for (const plan of LOADS[0].plans.filter((plan) => plan.script === "handoff")) {
    const search = find(plan.turns[0].root, "billing_search")!.output as Record<string, unknown>;
    const account = `${search.account_name} ${search.plan} ${search.account}`;
    byUser.set(plan.userId, [...(byUser.get(plan.userId) ?? []), account]);
  }
  const returning = [...byUser.values()].filter((accounts) => accounts.length > 1);
  assert.ok(returning.length > 10, `${returning.length} users dispute charges more than once`);
  for (const accounts of returning) assert.equal(new Set(accounts).size, 1, accounts.join("; "));
  assert.ok(new Set([...byUser.values()].map((accounts) => accounts[0])).size > 10);
});

test("in a default load a user's sessions carry the same first name and tenant tier", () => {
  const names = new Map<string, Set<unknown>>();
  const tiers = new Map<string, Set<string>>();
  const add = <T>(map: Map<string, Set<T>>, key: string, value: T) =>
    map.set(key, (map.get(key) ?? new Set()).add(value));
  for (const plan of LOADS[0].plans) {
    if (plan.script === "order-status") {
      const order = find(plan.turns[0].root, "lookup_order")!.output as Record<string, unknown>;
      add(names, plan.userId, (order.customer as Record<string, unknown>).first_name);
    } else add(tiers, `${plan.script}:${plan.userId}`, plan.metadata.tenant_tier);
  }
  for (const [user, values] of [...names, ...tiers]) assert.equal(values.size, 1, user);
  const allTiers = new Set([...tiers.values()].flatMap((values) => [...values]));
  assert.deepEqual([...allTiers].sort(), ["enterprise", "free", "team"]);
  // Different users have different names (as many scripts share the load, so fewer users each).
  const distinct = new Set([...names.values()].flatMap((values) => [...values])).size;
  assert.ok(
    names.size > 10 && distinct > names.size * 0.8,
    `${distinct} names, ${names.size} users`,
  );
});

function find(root: ObservationPlan, name: string): ObservationPlan | undefined {
  if (root.name === name) return root;
  for (const child of root.children) {
    const found = find(child, name);
    if (found) return found;
  }
  return undefined;
}

/** A one-turn session of `user` from `startMs` to `endMs`, with the given tree and findings. */
function session(options: {
  user: string;
  startMs: number;
  endMs: number;
  script?: string;
  children?: ObservationPlan[];
  findings?: SessionPlan["findings"];
  scores?: SessionPlan["scores"];
}): SessionPlan {
  return {
    script: options.script ?? "demo",
    file: "demo.yaml",
    seed: 1,
    sessionId: `conv_${options.startMs}`,
    userId: options.user,
    traceName: "demo-turn",
    version: "local",
    tags: [],
    metadata: {},
    turns: [{
      index: 0,
      kind: "status",
      outcome: "answered",
      traceId: "t".repeat(32),
      root: obs({ name: "root", startMs: options.startMs, endMs: options.endMs }, options.children),
    }],
    scores: options.scores ?? [],
    findings: options.findings ?? [],
  };
}

function obs(fields: Partial<ObservationPlan>, children: ObservationPlan[] = []): ObservationPlan {
  return { spanId: "s", name: "x", type: "span", startMs: 0, endMs: 0, ...fields, children };
}

test("realismStats() counts overlapping pairs per user and the busiest user's day", () => {
  const at = Date.parse("2026-11-20T08:00:00Z");
  const stats = realismStats([
    session({ user: "a", startMs: at, endMs: at + HOUR }),
    session({ user: "a", startMs: at + 30 * 60_000, endMs: at + 2 * HOUR }), // overlaps the first
    session({ user: "a", startMs: at + 3 * HOUR, endMs: at + 4 * HOUR }),
    session({ user: "a", startMs: at + DAY, endMs: at + DAY + HOUR }), // the next day
    session({ user: "b", startMs: at, endMs: at + HOUR, script: "other" }), // same time, other user
  ]);
  assert.equal(stats.overlappingPairs, 1);
  assert.equal(stats.maxSessionsPerUserDay, 3);
  assert.equal(stats.returningUsers, 1);
  assert.equal(stats.returningOnMainScript, 1);
});

test("realismStats() counts a failure as shown only when the next generation's input holds it", () => {
  const failed = (name: string) =>
    obs({
      name,
      type: "tool",
      level: "ERROR",
      statusMessage: "carrier API timeout after 3s",
      output: { error: "timeout" },
    });
  const generation = (content: string) =>
    obs({ type: "generation", input: [{ role: "tool", content }] });
  const stats = realismStats([
    // Shown by its error output, as JSON text in a tool message.
    session({
      user: "a",
      startMs: 0,
      endMs: 1,
      children: [failed("t1"), generation(JSON.stringify({ error: "timeout" }))],
    }),
    // Shown by its status message.
    session({
      user: "b",
      startMs: 0,
      endMs: 1,
      children: [failed("t2"), generation("carrier API timeout after 3s")],
    }),
    // Not shown: the generation quotes the normal result.
    session({
      user: "c",
      startMs: 0,
      endMs: 1,
      children: [failed("t3"), generation("last_scan=Leeds eta=Friday")],
    }),
    // Not shown: no generation follows it.
    session({ user: "d", startMs: 0, endMs: 1, children: [generation("x"), failed("t4")] }),
  ]);
  assert.equal(stats.sessionsWithError, 4);
  assert.equal(stats.errorShare, 1);
  assert.equal(stats.failedSteps, 4);
  assert.equal(stats.failuresShown, 2);
  assert.equal(stats.failuresShownShare, 0.5);
  assert.equal(
    showsFailure(generation("nothing"), failed("t")),
    false,
    "a generation without the failure does not show it",
  );
});

test("realismStats() counts unsolved sessions scored resolved and comments sent with two values", () => {
  const score = (value: string, comment?: string) => ({
    id: `sr_${value}`,
    name: "resolution",
    dataType: "CATEGORICAL" as const,
    value,
    ...(comment ? { comment } : {}),
    sessionId: "s",
  });
  const unsolved = [{ finding: "unsolved", turn: 1, traceId: "t".repeat(32) }];
  const stats = realismStats([
    session({ user: "a", startMs: 0, endMs: 1, findings: unsolved, scores: [score("resolved")] }),
    session({ user: "b", startMs: 0, endMs: 1, findings: unsolved, scores: [score("abandoned")] }),
    session({ user: "c", startMs: 0, endMs: 1, scores: [score("resolved", "Asked for a human")] }),
    session({ user: "d", startMs: 0, endMs: 1, scores: [score("escalated", "Asked for a human")] }),
  ]);
  assert.equal(stats.unsolvedScoredResolved, 1);
  assert.deepEqual(stats.findingsPerKind, { unsolved: 2 });
  assert.deepEqual(stats.findingsPerScript, { demo: 2 });
  assert.deepEqual(stats.commentValues, {
    resolution: { "Asked for a human": ["escalated", "resolved"] },
  });
  assert.equal(stats.commentsOnSeveralValues, 1);
});

test("realismStats() of no session is all zeros, with every failure shown", () => {
  const stats = realismStats([]);
  assert.equal(stats.sessions, 0);
  assert.equal(stats.errorShare, 0);
  assert.equal(stats.failuresShownShare, 1);
  assert.equal(stats.maxSessionsPerUserDay, 0);
});
