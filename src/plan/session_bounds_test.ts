import { test } from "node:test";
import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import { loadScriptFile } from "../script/load.ts";
import { DEFAULT_OUTLIER_RATE } from "./instances.ts";
import { planSession } from "./session.ts";
import { longestSessionMs } from "./session_bounds.ts";

const END = Date.parse("2026-11-25T12:00:00.000Z");

test("no load-mode session of a shipped script lasts longer than its longest-session bound", async () => {
  const files = (await readdir("conversations")).filter((name) => name.endsWith(".yaml"));
  for (const name of files) {
    const file = `conversations/${name}`;
    const { script } = await loadScriptFile(file);
    // Every slow outlier at once, so leaves reach the bound's factor.
    const bound = longestSessionMs(script, { outlierRate: 1 });
    assert.ok(bound < 20 * 60_000, `${name}: ${bound} ms is no believable bound`);
    let longest = 0;
    for (let seed = 0; seed < 500; seed++) {
      const plan = planSession(script, { seed, endMs: END, file, branching: true, outlierRate: 1 });
      longest = Math.max(longest, plan.turns.at(-1)!.root.endMs - plan.turns[0].root.startMs);
    }
    assert.ok(longest <= bound, `${name}: a session lasted ${longest} ms, bound ${bound}`);
    assert.ok(
      longestSessionMs(script, { outlierRate: DEFAULT_OUTLIER_RATE }) === bound,
      "any outlier rate above 0 allows the same slowest leaf",
    );
  }
});
