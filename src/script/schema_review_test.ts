import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../main.ts";
import { startOtlpReceiver } from "../export/receiver.ts";
import { captureIo } from "../../testing/io.ts";
import { ScriptError } from "./errors.ts";
import { parseScript, readScriptFile } from "./read.ts";

const ORDER_STATUS = "conversations/order-status.yaml";

/** order-status with its review section replaced by `review` (YAML text at column 0). */
async function withReview(review: string): Promise<string> {
  const text = await readFile(ORDER_STATUS, "utf8");
  return text.slice(0, text.indexOf("\nreview:\n")) + "\n" + review;
}

function problems(text: string): string {
  try {
    parseScript(text, "x.yaml");
  } catch (error) {
    if (error instanceof ScriptError) return error.message;
    throw error;
  }
  assert.fail("the script was accepted");
}

describe("the review section", () => {
  it("of order-status declares one queue of escalated sessions and a team lead's comment", async () => {
    const { script } = await readScriptFile(ORDER_STATUS);
    assert.deepEqual(script.review?.queues?.map((q) => [q.name, q.objectType, q.scoreConfigs]), [
      ["order-status-escalations", "SESSION", ["resolution", "escalation_justified"]],
    ]);
    assert.deepEqual(script.review?.comments?.map((c) => [c.on, c.select]), [
      ["session", { outcome: "escalated" }],
    ]);
  });

  it("refuses a queue score config that is neither a score of the script nor declared, at its place", async () => {
    const text = await withReview(
      "review:\n  queues:\n    - name: q\n      objectType: SESSION\n" +
        "      scoreConfigs: [resolution, helpfulness]\n",
    );
    const line = text.split("\n").findIndex((l) => l.includes("helpfulness")) + 1;
    assert.match(
      problems(text),
      new RegExp(
        `x\\.yaml:${line}:\\d+: review\\.queues\\[0\\]\\.scoreConfigs\\[1\\] names "helpfulness"`,
      ),
    );
  });

  it("refuses includePlanted without a rate: a queue of only planted sessions gives the answer away", async () => {
    const text = await withReview(
      "review:\n  queues:\n    - name: q\n      objectType: SESSION\n" +
        "      scoreConfigs: [resolution]\n      select: { includePlanted: true }\n",
    );
    assert.match(problems(text), /select\.includePlanted needs a rate above 0/);
  });

  it("refuses includePlanted on a comment, which would point reviewers at the findings", async () => {
    const text = await withReview(
      "review:\n  comments:\n    - on: session\n      select: { rate: 0.5, includePlanted: true }\n" +
        "      content: Look here\n",
    );
    assert.match(problems(text), /comments\[0\]\.select\.includePlanted is for queues only/);
  });

  it("needs an observation comment's step to be a step of the script", async () => {
    const missing = await withReview(
      "review:\n  comments:\n    - on: observation\n      content: Slow\n",
    );
    const unknown = await withReview(
      "review:\n  comments:\n    - on: observation\n      step: nowhere\n      content: Slow\n",
    );
    assert.match(problems(missing), /comments\[0\]\.step is required on an observation comment/);
    assert.match(problems(unknown), /comments\[0\]\.step names "nowhere", which is no step/);
  });

  it("refuses a review-only config that repeats a score of the script, or lacks its categories", async () => {
    const text = await withReview(
      "review:\n  scoreConfigs:\n    - { name: resolution, dataType: BOOLEAN }\n" +
        "    - { name: tone, dataType: CATEGORICAL }\n",
    );
    const message = problems(text);
    assert.match(message, /scoreConfigs\[0\]\.name "resolution" is a score the script sends/);
    assert.match(message, /scoreConfigs\[1\]\.categories is required for CATEGORICAL/);
  });
});

describe("replay --review FILE", () => {
  it("refuses a bad review file with file:line:col and sends nothing", async () => {
    const receiver = await startOtlpReceiver();
    try {
      const dir = await mkdtemp(join(tmpdir(), "review-file-"));
      const file = join(dir, "review.yaml");
      await writeFile(
        file,
        "queues:\n  - name: q\n    objectType: SESSIONS\n    scoreConfigs: [resolution]\n",
      );
      const run = captureIo({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
      const code = await main(["replay", ORDER_STATUS, "--review", file, "--no-manifest"], run.io);
      assert.equal(code, 3, run.err());
      assert.match(
        run.err(),
        /review\.yaml:3:17: queues\[0\]\.objectType must be one of SESSION, TRACE/,
      );
      assert.match(run.err(), /Nothing was sent/);
      assert.equal(receiver.spans.length, 0);
    } finally {
      await receiver.close();
    }
  });
});
