import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ReadProgress } from "./read_progress.ts";

/** A reporter on a clock the test moves; answers it, the clock and the lines written. */
function reporter() {
  let t = 0;
  const lines: string[] = [];
  const progress = new ReadProgress({ label: "verify", write: (l) => lines.push(l), now: () => t });
  return { progress, lines, advance: (ms: number) => (t += ms) };
}

describe("ReadProgress", () => {
  it("says nothing about a phase shorter than 2 s", () => {
    const { progress, lines, advance } = reporter();
    const phase = progress.phase("comments", 3);
    for (let i = 1; i <= 3; i++) {
      advance(500);
      phase.at(i);
    }
    phase.end();
    assert.deepEqual(lines, []);
  });

  it("tells a long phase's count after 2 s, then every 5 s, and its end", () => {
    const { progress, lines, advance } = reporter();
    const phase = progress.phase("comments", 30);
    // One read every 500 ms: 15 s in all.
    for (let i = 1; i <= 30; i++) {
      advance(500);
      phase.at(i);
    }
    phase.end();
    assert.deepEqual(lines, [
      "verify: reading comments 4/30\n",
      "verify: reading comments 14/30\n",
      "verify: reading comments 24/30\n",
      "verify: reading comments 30/30\n",
    ]);
  });

  it("ends a long phase at its total even when fewer were counted", () => {
    const { progress, lines, advance } = reporter();
    const phase = progress.phase("queue items", 10);
    advance(3_000);
    phase.at(2);
    phase.end();
    assert.deepEqual(lines, [
      "verify: reading queue items 2/10\n",
      "verify: reading queue items 10/10\n",
    ]);
  });
});
