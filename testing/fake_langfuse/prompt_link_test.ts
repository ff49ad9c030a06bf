import { test } from "node:test";
import assert from "node:assert/strict";
import { OBSERVATION } from "../../src/emit/attributes.ts";
import { callFake } from "../langfuse.ts";
import { withFakeLangfuse } from "../servers.ts";
import { conversation, hexId, sendSpans, type TestSpan } from "../otlp.ts";
import type { FakeLangfuse } from "./server.ts";

type Row = Record<string, unknown>;

/** A one-turn conversation whose spans all name prompt `name` version `version`. */
function linked(seed: number, name: string, version: number): TestSpan[] {
  return conversation({ seed, sessionId: `s-${seed}`, turns: 1 }).map((span) => ({
    ...span,
    attributes: {
      ...span.attributes,
      [OBSERVATION.promptName]: name,
      [OBSERVATION.promptVersion]: version,
    },
  }));
}

async function createPrompt(fake: FakeLangfuse, name: string): Promise<string> {
  const answer = await callFake(fake, "POST", "/api/public/v2/prompts", { name, prompt: "x" });
  assert.equal(answer.status, 201);
  return (answer.body as Row).id as string;
}

async function v4Prompts(fake: FakeLangfuse, seed: number): Promise<unknown[][]> {
  const answer = await callFake(
    fake,
    "GET",
    `/api/public/v2/observations?traceId=${hexId(seed, 1, 16)}&fields=core,prompt`,
  );
  return (answer.body as { data: Row[] }).data.map((
    r,
  ) => [r.type, r.promptId, r.promptName, r.promptVersion]);
}

test("v4 links a generation to a prompt version that existed when it was ingested, and never later", async () => {
  await withFakeLangfuse({ mode: "v4" }, async (fake) => {
    const id = await createPrompt(fake, "support-answer");
    await sendSpans(fake, linked(1, "support-answer", 1));
    await sendSpans(fake, linked(2, "support-answer", 2));
    // Version 2 now exists, but the generation ingested before it stays unlinked.
    await createPrompt(fake, "support-answer");
    assert.deepEqual(await v4Prompts(fake, 1), [
      ["GENERATION", id, "support-answer", 1],
      ["AGENT", null, null, null],
    ]);
    assert.deepEqual(await v4Prompts(fake, 2), [
      ["GENERATION", "", "support-answer", 2],
      ["AGENT", null, null, null],
    ]);
  });
});

test("v3 keeps no prompt name or version on a generation whose prompt did not exist", async () => {
  await withFakeLangfuse({ mode: "v3" }, async (fake) => {
    const id = await createPrompt(fake, "support-answer");
    await sendSpans(fake, linked(1, "support-answer", 1));
    await sendSpans(fake, linked(2, "support-answer", 3));
    const read = async (seed: number) => {
      const answer = await callFake(
        fake,
        "GET",
        `/api/public/observations?traceId=${hexId(seed, 1, 16)}`,
      );
      return (answer.body as { data: Row[] }).data
        .filter((r) => r.type === "GENERATION")
        .map((r) => [r.promptId, r.promptName, r.promptVersion]);
    };
    assert.deepEqual(await read(1), [[id, "support-answer", 1]]);
    assert.deepEqual(await read(2), [[null, null, null]]);
  });
});
