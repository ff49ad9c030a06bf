import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadCommand } from "../cli/load.ts";
import { replayCommand } from "../cli/replay.ts";
import { LangfuseClient, type LangfuseClientOptions } from "../langfuse/client.ts";
import type { FakeLangfuse } from "../../testing/fake_langfuse/server.ts";
import { NOW } from "../../testing/clock.ts";
import { captureIo } from "../../testing/io.ts";
import { langfuseEnv } from "../../testing/langfuse.ts";
import { withFakeLangfuseOnClock } from "../../testing/servers.ts";
import type { MakeLangfuseClient } from "./langfuse_access.ts";

const ORDER_STATUS = "conversations/order-status.yaml";

/** A client maker that counts the clients made. */
function counting(): { make: MakeLangfuseClient; made: () => number } {
  let made = 0;
  return {
    make: (options: LangfuseClientOptions) => {
      made++;
      return new LangfuseClient(options);
    },
    made: () => made,
  };
}

/** The routes of `wanted` ("GET /api/public/projects") the fake was never asked. */
function notAsked(fake: FakeLangfuse, wanted: string[]): string[] {
  return wanted.filter((route) => {
    const [method, path] = route.split(" ");
    return !fake.requests.some((r) => r.method === method && r.path.startsWith(path));
  });
}

describe("one Langfuse client per run", () => {
  it("replay --verify of a script with prompts, scores and a review layer makes one client for every step, so every step spends one pacer's budget", async () => {
    await withFakeLangfuseOnClock(NOW, {}, async (fake, clock) => {
      const clients = counting();
      const run = captureIo(langfuseEnv(fake), { clock });
      const dir = await mkdtemp(join(tmpdir(), "one-client-"));
      const code = await replayCommand(
        [ORDER_STATUS, "--seed", "42", "--manifest-dir", dir, "--verify"],
        run.io,
        { makeLangfuseClient: clients.make },
      );
      assert.equal(code, 0, run.err());
      assert.match(run.out(), /^Verified: all \d+ traces and \d+ scores match/m);
      // The production check, prompts, score configs, queues, scores, comments and verify's
      // reads all went through that one client.
      assert.deepEqual(
        notAsked(fake, [
          "GET /api/public/projects",
          "POST /api/public/v2/prompts",
          "POST /api/public/score-configs",
          "POST /api/public/annotation-queues",
          "POST /api/public/ingestion",
          "POST /api/public/comments",
          "GET /api/public/v2/observations",
        ]),
        [],
      );
      assert.equal(clients.made(), 1);
    });
  });

  it("load with scores and a review layer makes one client for the production check, prompts, queues, scores and comments", async () => {
    await withFakeLangfuseOnClock(NOW, {}, async (fake, clock) => {
      const clients = counting();
      const run = captureIo(langfuseEnv(fake), { clock });
      const dir = await mkdtemp(join(tmpdir(), "one-client-"));
      const code = await loadCommand(
        [ORDER_STATUS, "--sessions", "12", "--seed", "7", "--workers", "1", "--out-dir", dir],
        run.io,
        { makeLangfuseClient: clients.make },
      );
      assert.equal(code, 0, run.err());
      assert.match(run.out(), /scores +\d+ sent/);
      assert.deepEqual(
        notAsked(fake, [
          "GET /api/public/projects",
          "POST /api/public/score-configs",
          "POST /api/public/annotation-queues",
          "POST /api/public/ingestion",
        ]),
        [],
      );
      assert.equal(clients.made(), 1);
    });
  });

  it("a run to another target makes no client", async () => {
    const clients = counting();
    const dir = await mkdtemp(join(tmpdir(), "one-client-"));
    const run = captureIo({});
    const code = await replayCommand(
      [
        ORDER_STATUS,
        "--seed",
        "42",
        "--target",
        "file",
        "--out",
        join(dir, "spans.jsonl"),
        "--manifest-dir",
        dir,
      ],
      run.io,
      { makeLangfuseClient: clients.make },
    );
    assert.equal(code, 0, run.err());
    assert.equal(clients.made(), 0);
  });
});
