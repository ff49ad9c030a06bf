import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { interruptHandler } from "./interrupt.ts";
import { exitCodeFor, stopText } from "../run/stop.ts";

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

describe("SIGTERM", () => {
  it("stops the run as Ctrl-C does, and the run remembers which signal it was", () => {
    const { handler, events } = setup();
    handler.handle("SIGTERM");
    assert.deepEqual(events, ["stop"]);
    assert.equal(handler.signal(), "SIGTERM");
    assert.equal(stopText(handler.signal()), "terminated (SIGTERM)");
    assert.equal(exitCodeFor("SIGTERM"), 143);
    assert.equal(stopText(undefined), "interrupted (Ctrl-C)");
    assert.equal(exitCodeFor("SIGINT"), 130);
  });

  it("quits with 143 when the command cannot stop gracefully, or on a second signal later", () => {
    const codes: number[] = [];
    let now = 0;
    const at = (graceful: boolean) =>
      interruptHandler({ now: () => now, graceful, onQuit: (code) => codes.push(code) });
    at(false).handle("SIGTERM");
    const graceful = at(true);
    graceful.handle("SIGTERM");
    now += 2_000;
    graceful.handle("SIGINT");
    assert.deepEqual(codes, [143, 143], "the first signal names the stop");
  });
});

describe("SIGHUP", () => {
  it("stops the run as Ctrl-C does and names a closed terminal, with exit 129", () => {
    const codes: number[] = [];
    let now = 0;
    const handler = interruptHandler({ now: () => now, onQuit: (code) => codes.push(code) });
    handler.handle("SIGHUP");
    assert.equal(handler.interrupted(), true);
    assert.equal(stopText(handler.signal()), "hung up (SIGHUP)");
    now += 2_000;
    handler.handle("SIGHUP");
    assert.deepEqual(codes, [129], "a second hangup later quits at once, still as a hangup");
    assert.equal(exitCodeFor("SIGHUP"), 129);
  });
});
