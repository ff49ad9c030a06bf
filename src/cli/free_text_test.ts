import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../main.ts";
import { captureIo } from "../../testing/io.ts";
import { langfuseEnv } from "../../testing/langfuse.ts";
import { withFakeLangfuse } from "../../testing/servers.ts";

const CARD = "4111 1111 1111 1111";
const KEY = "sk-proj-abcdEFGH1234";
const EMAIL = "jane.doe@example.com";

test("replay and load refuse a review comment, queue name or score comment holding a card, a key or an e-mail, and send nothing", async () => {
  const dir = await mkdtemp(join(tmpdir(), "free-text-"));
  const script = (await readFile("conversations/order-status.yaml", "utf8"))
    .replace(
      "1: Quick handover to a person",
      `1: "Customer wrote from ${EMAIL}"`,
    )
    .replace(
      "name: order-status-escalations",
      `name: "escalations ${KEY}"`,
    );
  const file = join(dir, "order-status.yaml");
  await writeFile(file, script);
  const review = join(dir, "review.yaml");
  await writeFile(
    review,
    [
      "comments:",
      "  - on: session",
      `    content: "Refund went to card ${CARD}, see key ${KEY}"`,
      "",
    ].join("\n"),
  );
  await withFakeLangfuse({}, async (fake) => {
    const runs: [string[], RegExp[]][] = [
      [
        ["replay", file, "--manifest-dir", dir],
        [
          /scores\[0\]\.comments\.1 looks like an e-mail address/,
          /review\.queues\[0\]\.name looks like a key or token/,
        ],
      ],
      [
        [
          "load",
          "conversations/order-status.yaml",
          "--sessions",
          "2",
          "--review",
          review,
          "--out-dir",
          dir,
        ],
        [/review\.yaml:3:14: comments\[0\]\.content looks like a (card number|key or token)/],
      ],
    ];
    for (const [args, messages] of runs) {
      const run = captureIo(langfuseEnv(fake));
      const code = await main(args, run.io);
      assert.equal(code, 3, `${args.join(" ")}\n${run.err()}`);
      for (const message of messages) assert.match(run.err(), message);
      for (const value of [CARD, KEY, EMAIL, "4111"]) {
        assert.ok(!run.err().includes(value), `${value} is not echoed:\n${run.err()}`);
      }
    }
    assert.deepEqual(fake.requests, [], "nothing reached Langfuse");
  });
});
