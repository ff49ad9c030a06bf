import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../main.ts";
import type { RunReport } from "../report/run_report.ts";
import type { LoadReport } from "../report/load_report.ts";
import type { FakeLangfuse, FakeLangfuseOptions } from "../../testing/fake_langfuse/server.ts";
import { FakeClock, NOW } from "../../testing/clock.ts";
import { type CapturedIo, captureIo } from "../../testing/io.ts";
import { langfuseClientFor, langfuseEnv } from "../../testing/langfuse.ts";
import { withFakeLangfuseOnClock } from "../../testing/servers.ts";

const ORDER_STATUS = "conversations/order-status.yaml";
const QUEUE = "order-status-escalations";
const SESSION = "conv_82d9535867844b4c8cdff";

/** A fake Langfuse on a {@link FakeClock} from NOW. */
const withFake = (
  options: FakeLangfuseOptions,
  fn: (fake: FakeLangfuse, clock: FakeClock) => Promise<void>,
) => withFakeLangfuseOnClock(NOW, options, fn);

/** Runs a command against the fake, its waits on `clock`; answers the exit code and output. */
async function run(
  fake: FakeLangfuse,
  clock: FakeClock,
  args: string[],
): Promise<{ code: number; run: CapturedIo }> {
  const captured = captureIo(langfuseEnv(fake), { clock });
  const code = await main(args, captured.io);
  return { code, run: captured };
}

/** Replays order-status with seed 42 into the fake; answers the exit code, output and manifest. */
async function replay(fake: FakeLangfuse, clock: FakeClock, dir: string, extra: string[] = []) {
  const { code, run: out } = await run(fake, clock, [
    "replay",
    ORDER_STATUS,
    "--seed",
    "42",
    "--manifest-dir",
    dir,
    ...extra,
  ]);
  const name = (await readdir(dir)).find((f) => f.startsWith("run_") && f.endsWith(".json"));
  const path = join(dir, name ?? "none");
  const manifest: RunReport | undefined = name
    ? JSON.parse(await readFile(path, "utf8"))
    : undefined;
  return { code, out, manifest, path };
}

const tmp = () => mkdtemp(join(tmpdir(), "review-"));

/** Loads order-status into the fake with `flags`; asserts exit 0, answers output, report, sessions. */
async function load(fake: FakeLangfuse, clock: FakeClock, flags: string[]) {
  const dir = await tmp();
  const { code, run: out } = await run(fake, clock, [
    "load",
    ORDER_STATUS,
    ...flags,
    "--out-dir",
    dir,
  ]);
  assert.equal(code, 0, out.err());
  const name = (await readdir(dir)).find((f) => f.endsWith(".load.json"))!;
  const report: LoadReport = JSON.parse(await readFile(join(dir, name), "utf8"));
  const sessions = (await readFile(report.sessionsFile, "utf8")).trim().split("\n")
    .map((line) => JSON.parse(line) as RunReport["sessions"][number]);
  return { out, report, sessions };
}

describe("the review layer of a replay", () => {
  it("--no-review leaves queues, items, comments and review-only configs out", async () => {
    await withFake({}, async (fake, clock) => {
      const { code, out, manifest } = await replay(fake, clock, await tmp(), ["--no-review"]);
      assert.equal(code, 0, out.err());
      assert.equal(manifest!.review, undefined);
      assert.equal(fake.annotationQueues.length, 0);
      assert.equal(fake.queueItems.length, 0);
      assert.equal(fake.comments.length, 0);
      assert.ok(!fake.scoreConfigs.some((c) => c.name === "escalation_justified"));
      assert.ok(fake.scoreConfigs.some((c) => c.name === "resolution"), "the scores' configs stay");
      const both = await run(fake, clock, [
        "replay",
        ORDER_STATUS,
        "--no-review",
        "--review",
        "x.yaml",
      ]);
      assert.equal(both.code, 2);
      assert.match(both.run.err(), /give --no-review or --review, not both/);
    });
  });

  it("leaves the declared queue holding the escalated session and the team lead's comment", async () => {
    await withFake({}, async (fake, clock) => {
      const { code, out, manifest } = await replay(fake, clock, await tmp());
      assert.equal(code, 0, out.err());
      const review = manifest!.review!;
      assert.deepEqual(review.failed, {});
      assert.deepEqual(review.queues.map((q) => [q.name, q.objectType, q.created]), [
        [QUEUE, "SESSION", true],
      ]);
      const client = langfuseClientFor(fake);
      const queue = (await client.allAnnotationQueues()).find((q) => q.name === QUEUE)!;
      assert.equal(queue.id, review.queues[0].id);
      const configs = await client.allScoreConfigs();
      assert.deepEqual(
        queue.scoreConfigIds.map((id) => configs.find((c) => c.id === id)?.name),
        ["resolution", "escalation_justified"],
      );
      const items = await client.allQueueItems(queue.id);
      assert.deepEqual(items.map((i) => [i.objectType, i.objectId]), [["SESSION", SESSION]]);
      assert.deepEqual(review.items.map((i) => [i.id, i.created]), [[items[0].id, true]]);
      const comments = await client.allComments({ objectType: "SESSION", objectId: SESSION });
      assert.equal(comments.length, 1);
      assert.match(comments[0].content, /^Team lead: escalated after the delay explanation/);
      assert.deepEqual(review.comments, [
        { id: comments[0].id, objectType: "SESSION", objectId: SESSION, created: true },
      ]);
      assert.match(
        out.out(),
        /review {4}queue "order-status-escalations" \(created, SESSION\): 1 item, 1 added/,
      );
    });
  });

  it("creates no new queue, item or comment on a second identical seeded run", async () => {
    await withFake({}, async (fake, clock) => {
      const dir = await tmp();
      assert.equal((await replay(fake, clock, dir)).code, 0);
      const again = await replay(fake, clock, dir);
      assert.equal(again.code, 0, again.out.err());
      const review = again.manifest!.review!;
      assert.deepEqual(
        [...review.queues, ...review.items, ...review.comments].map((x) => x.created),
        [false, false, false],
      );
      const client = langfuseClientFor(fake);
      const queues = await client.allAnnotationQueues();
      assert.equal(queues.length, 1);
      assert.equal((await client.allQueueItems(queues[0].id)).length, 1);
      assert.equal(
        (await client.allComments({ objectType: "SESSION", objectId: SESSION })).length,
        1,
      );
      assert.match(again.out.out(), /\(reused, SESSION\): 1 item, 0 added/);
    });
  });

  it("stops on Cloud Hobby's one-queue cap before the first span, saying what to do (exit 6)", async () => {
    await withFake({ plan: "cloud:hobby" }, async (fake, clock) => {
      const client = langfuseClientFor(fake);
      const config = await client.createScoreConfig({ name: "tone", dataType: "BOOLEAN" });
      await client.createAnnotationQueue({ name: "someone-else", scoreConfigIds: [config.id] });
      const { code, out, manifest } = await replay(fake, clock, await tmp());
      assert.equal(code, 6, out.err());
      assert.match(
        out.err(),
        /queue "order-status-escalations" not created: Langfuse Cloud's Hobby plan allows one annotation queue .*name that queue in the review section[\s\S]*Nothing was sent/,
      );
      assert.equal(manifest, undefined, "no manifest: nothing was sent");
      assert.equal(fake.spans.length, 0, "no span went out");
      assert.equal(fake.comments.length, 0);
    });
  });

  it("counts a queue it made before the first span as created by the run", async () => {
    await withFake({}, async (fake, clock) => {
      const { code, out, manifest } = await replay(fake, clock, await tmp());
      assert.equal(code, 0, out.err());
      const queueAt = fake.requests.findIndex((r) =>
        r.method === "POST" && r.path.startsWith("/api/public/annotation-queues")
      );
      const spansAt = fake.requests.findIndex((r) => r.path.startsWith("/api/public/otel"));
      assert.ok(queueAt >= 0 && queueAt < spansAt, "the queue exists before the first span");
      assert.deepEqual(manifest!.review!.queues.map((q) => q.created), [true]);
    });
  });

  it("waits for Langfuse to show the session before its comment goes in", async () => {
    await withFake({ visibleAfterMs: 20_000 }, async (fake, clock) => {
      const { code, out, manifest } = await replay(fake, clock, await tmp());
      assert.equal(code, 0, out.err());
      assert.match(out.progress(), /review: 1 comment waiting for Langfuse to show their objects/);
      assert.equal(manifest!.review!.comments.length, 1);
      assert.ok(clock.now() - NOW >= 20_000, "the clock moved past the visibility delay");
    });
  });

  it("gives up on a comment whose object never shows after --review-timeout, with the reason", async () => {
    await withFake({ visibleAfterMs: 3_600_000 }, async (fake, clock) => {
      const { code, out, manifest } = await replay(fake, clock, await tmp(), [
        "--review-timeout",
        "10s",
      ]);
      assert.equal(code, 6, out.err());
      assert.match(
        out.err(),
        /1 failed: comment not written: Langfuse could not see the SESSION within 10\.00s/,
      );
      assert.equal(Object.values(manifest!.review!.failed).reduce((a, b) => a + b), 1);
    });
  });

  it("is skipped with the reason for a target other than Langfuse", async () => {
    const dir = await tmp();
    const captured = captureIo({});
    const code = await main(
      ["replay", ORDER_STATUS, "--target", "file", "--out", join(dir, "s.jsonl"), "--no-manifest"],
      captured.io,
    );
    assert.equal(code, 0, captured.err());
    assert.match(captured.out(), /review {4}skipped: .* only the langfuse target gets them/);
  });
});

describe("verify and purge of the review layer", () => {
  it("verify checks the queue's items and the comments, and finds a removed item (exit 5)", async () => {
    await withFake({}, async (fake, clock) => {
      const { manifest, path } = await replay(fake, clock, await tmp());
      const first = await run(fake, clock, ["verify", path, "--timeout", "0s"]);
      assert.match(
        first.run.out(),
        /Review verified: 1 queue, 1 queue item, 1 comment/,
        first.run.err(),
      );
      const item = manifest!.review!.items[0];
      assert.ok(await langfuseClientFor(fake).deleteQueueItem(item.queueId, item.id));
      const second = await run(fake, clock, ["verify", path, "--timeout", "0s"]);
      assert.equal(second.code, 5, second.run.out());
      assert.match(
        second.run.out(),
        new RegExp(`item +SESSION ${SESSION} is not in queue "${QUEUE}"`),
      );
    });
  });

  it("purge deletes the run's queue items and says why its comments stay", async () => {
    await withFake({}, async (fake, clock) => {
      const { manifest, path } = await replay(fake, clock, await tmp());
      const purged = await run(fake, clock, ["purge", path, "--yes"]);
      assert.equal(purged.code, 0, purged.run.err());
      assert.match(purged.run.out(), /delete {4}3 traces in 1 session and 1 queue item/);
      assert.match(
        purged.run.out(),
        /1 comment stays: Langfuse's public API cannot delete comments/,
      );
      const client = langfuseClientFor(fake);
      assert.deepEqual(await client.allQueueItems(manifest!.review!.queues[0].id), []);
      assert.equal((await client.allAnnotationQueues()).length, 1, "the queue stays: it is shared");
    });
  });
});

describe("the review layer of a load run", () => {
  it("queues the escalated sessions of a backfill and records them in the load report", async () => {
    await withFake({}, async (fake, clock) => {
      const { report, sessions } = await load(fake, clock, ["--sessions", "40", "--seed", "3"]);
      const escalated = sessions.filter((s) => s.traces.some((t) => t.outcome === "escalated"))
        .map((s) => s.sessionId);
      assert.ok(escalated.length > 0 && escalated.length < sessions.length);
      assert.deepEqual(report.review!.items.map((i) => i.objectId).sort(), [...escalated].sort());
      assert.deepEqual(
        report.review!.comments.map((c) => c.objectId).sort(),
        [...escalated].sort(),
      );
    });
  });
});

describe("the review layer of a load across worker threads", () => {
  it("queues and comments exactly what one thread does, in the same order", async () => {
    const made = async (workers: string, extra: string[]) => {
      let result: { items: string[]; comments: string[]; report: LoadReport } | undefined;
      await withFake({}, async (fake, clock) => {
        const { out, report } = await load(fake, clock, [
          "--sessions",
          "80",
          "--seed",
          "7",
          "--at",
          "2026-11-20T14:00:00Z",
          "--workers",
          workers,
          ...extra,
        ]);
        assert.doesNotMatch(out.out(), /using 1/);
        result = {
          // What Langfuse holds, in the order it was made.
          items: fake.queueItems.map((i) => `${i.objectType}:${i.objectId}`),
          comments: fake.comments.map((c) => `${c.objectType}:${c.objectId}:${c.content}`),
          report,
        };
      });
      return result!;
    };
    // The script's own section (a queue and a comment on escalated sessions), then a
    // training queue (every planted session and a seeded sample of the rest).
    for (const extra of [[], ["--review", "conversations/reviews/training.yaml"]]) {
      const one = await made("1", extra);
      const three = await made("3", extra);
      assert.equal(one.report.workers, 1);
      assert.equal(three.report.workers, 3);
      assert.ok(one.items.length > 0, "the queue has items");
      if (extra.length === 0) assert.ok(one.comments.length > 0, "and there are comments");
      assert.deepEqual(three.items, one.items);
      assert.deepEqual(three.comments, one.comments);
      assert.deepEqual(
        three.report.review!.items.map((i) => i.objectId),
        one.report.review!.items.map((i) => i.objectId),
      );
    }
  });
});

describe("a training queue from --review FILE", () => {
  it("holds every session with a planted finding and a sample of those without", async () => {
    await withFake({}, async (fake, clock) => {
      const { out, report, sessions } = await load(fake, clock, [
        "--sessions",
        "60",
        "--seed",
        "5",
        "--review",
        "conversations/reviews/training.yaml",
      ]);
      const planted = sessions.filter((s) => (s.findings ?? []).length > 0).map((s) => s.sessionId);
      const queued = new Set(report.review!.items.map((i) => i.objectId));
      assert.deepEqual(report.review!.queues.map((q) => q.name), ["reviewer-training"]);
      assert.ok(planted.length > 0);
      assert.deepEqual(planted.filter((id) => !queued.has(id)), [], "every planted session");
      const unplanted = [...queued].filter((id) => !planted.includes(id));
      assert.ok(unplanted.length > 0, "and sessions without findings");
      assert.match(
        out.out(),
        new RegExp(`${planted.length} of ${queued.size} with planted findings`),
      );
      const configs = await langfuseClientFor(fake).allScoreConfigs();
      for (const finding of ["repeated_answer", "lost_state", "late_escalation", "unsolved"]) {
        assert.ok(configs.some((c) => c.name === finding && c.dataType === "BOOLEAN"), finding);
      }
      assert.equal(report.review!.comments.length, 0, "the scripts' own comments do not apply");
    });
  });
});
