/**
 * The scenario library (issue #20): the shipped scripts beyond the support agent, checked the
 * way a reviewer reads them: the preview finds no contract problem, and a seeded load varies the
 * users' words, fails at a few percent, shows every failure to the next generation and times out
 * when its messages say. (prompt_render_test checks that linked generations carry their prompt.)
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../main.ts";
import { backfillTimes } from "../plan/backfill.ts";
import { SessionFactory } from "../plan/instances.ts";
import { Rng } from "../plan/random.ts";
import { realismStats } from "../plan/realism_stats.ts";
import type { Json, ObservationPlan, SessionPlan } from "../plan/types.ts";
import { defaultPoolSize } from "../plan/users.ts";
import { captureIo } from "../../testing/io.ts";
import { readScriptFile } from "./read.ts";

const LIBRARY = [
  "coding-agent",
  "data-analyst",
  "docs-qa",
  "llm-judge-eval",
  "multi-agent-planner",
  "research-assistant",
].map((name) => `conversations/${name}.yaml`);

const END = Date.parse("2026-11-25T12:00:00.000Z");

for (const file of LIBRARY) {
  test(`${file} replays into the local preview with no contract problem`, async () => {
    const run = captureIo();
    const dir = await mkdtemp(join(tmpdir(), "library-"));
    assert.equal(await main(["replay", file, "--seed", "1", "--manifest-dir", dir], run.io), 0);
    assert.match(run.out(), /No contract problems found\./, run.out());
  });
}

test("a seeded 100-session load of each library script varies what users say, fails at a few percent and shows every failure", async () => {
  for (const file of LIBRARY) {
    const loaded = await readScriptFile(file);
    const factory = new SessionFactory([loaded], {
      seed: 3,
      users: defaultPoolSize({ sessions: 100 }),
    });
    const ends = backfillTimes(100, { endMs: END, spreadMs: 86_400_000, rng: new Rng(3, "ends") });
    const plans = [...factory.backfill(ends)].map(([, plan]) => plan);
    const stats = realismStats(plans);
    const said = new Set(
      plans.flatMap((plan) => plan.turns.map((turn) => masked(turn.root.input))),
    );
    assert.ok(said.size >= 25, `${file}: ${said.size} distinct user messages`);
    assert.ok(
      stats.errorShare >= 0.01 && stats.errorShare <= 0.15,
      `${file}: ${stats.sessionsWithError} of 100 sessions with an ERROR`,
    );
    assert.equal(stats.failuresShown, stats.failedSteps, `${file}: every failure shown`);
    assert.ok(Object.keys(stats.findingsPerKind).length > 0, `${file}: findings planted`);
    for (const timeout of plans.flatMap(observations).filter(isTimeout)) {
      const [, amount, unit] = /timed out after (\d+)(ms|s)\b/.exec(timeout.statusMessage!)!;
      const ms = Number(amount) * (unit === "s" ? 1000 : 1);
      const lasted = timeout.endMs - timeout.startMs;
      assert.ok(
        lasted >= ms && lasted <= ms * 1.01,
        `${file}: ${timeout.name} lasted ${lasted} ms`,
      );
    }
  }
});

/** Every observation of a session, parents before children. */
function observations(plan: SessionPlan): ObservationPlan[] {
  const all: ObservationPlan[] = [];
  const visit = (obs: ObservationPlan) => {
    all.push(obs);
    obs.children.forEach(visit);
  };
  plan.turns.forEach((turn) => visit(turn.root));
  return all;
}

/** A failed step whose status message names a timeout. */
function isTimeout(obs: ObservationPlan): boolean {
  return obs.level === "ERROR" && /timed out after \d+(ms|s)\b/.test(obs.statusMessage ?? "");
}

/** What a user said, with numbers masked, so only the wording counts. */
function masked(input: Json | undefined): string {
  return JSON.stringify(input ?? null).replace(/\d+/g, "#");
}
