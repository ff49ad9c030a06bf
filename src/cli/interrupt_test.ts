import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { interruptHandler } from "./interrupt.ts";

function setup(graceful?: boolean) {
  let now = 1_000_000;
  const events: string[] = [];
  const handler = interruptHandler({
    now: () => now,
    graceful,
    onStop: () => events.push("stop"),
    onQuit: () => events.push("quit"),
  });
  return { handler, events, advance: (ms: number) => (now += ms) };
}

describe("Ctrl-C", () => {
  it("stops the run gracefully the first time", () => {
    const { handler, events } = setup();
    assert.equal(handler.interrupted(), false);
    handler.handle();
    assert.equal(handler.interrupted(), true);
    assert.deepEqual(events, ["stop"]);
  });

  it("counts a signal that arrives again within a second as the same Ctrl-C", () => {
    const { handler, events, advance } = setup();
    handler.handle();
    advance(3);
    handler.handle();
    advance(997);
    handler.handle();
    assert.deepEqual(events, ["stop"], "the terminal's and deno task's copies of one key press");
  });

  it("quits at once on a deliberate second Ctrl-C more than a second later", () => {
    const { handler, events, advance } = setup();
    handler.handle();
    handler.handle();
    advance(1_200);
    handler.handle();
    assert.deepEqual(events, ["stop", "quit"]);
  });

  it("quits at once the first time when the command cannot stop gracefully", () => {
    const { handler, events } = setup(false);
    handler.handle();
    assert.deepEqual(events, ["quit"]);
  });
});
