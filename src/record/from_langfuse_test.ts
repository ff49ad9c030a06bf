import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../main.ts";
import { captureIo } from "../../testing/io.ts";
import { langfuseClientFor, langfuseEnv, replayWithScores } from "../../testing/langfuse.ts";
import { withFakeLangfuse } from "../../testing/servers.ts";
import type { FakeMode } from "../../testing/fake_langfuse/server.ts";
import { LangfuseClient } from "../langfuse/client.ts";
import { LangfuseSource } from "./from_langfuse.ts";
import { sessionsFromSpans } from "./from_spans.ts";
import type { RecordedObservation, RecordedTrace } from "./types.ts";

/** Everything a script keeps of an observation tree, as comparable text. */
function tree(obs: RecordedObservation, depth = 0): string[] {
  const facts = [
    obs.type,
    obs.name,
    obs.level ?? "DEFAULT",
    obs.model ?? "-",
    obs.prompt ? `${obs.prompt.name}@${obs.prompt.version}` : "-",
    obs.usage ? `${obs.usage.input}/${obs.usage.output}` : "-",
    `${obs.endMs - obs.startMs}ms`,
  ];
  return [
    `${"  ".repeat(depth)}${facts.join(" ")}`,
    ...obs.children.flatMap((child) => tree(child, depth + 1)),
  ];
}

function turn(trace: RecordedTrace): string[] {
  return [
    `${trace.name} tags=${trace.tags.join(",")} env=${trace.environment}`,
    ...(trace.root ? tree(trace.root) : []),
    ...trace.orphans.flatMap((obs) => tree(obs)),
  ];
}

for (const mode of ["v4", "v3"] as FakeMode[]) {
  describe(`recording a Langfuse session through the ${mode} API`, () => {
    it("gives the same turns, trees, models, prompt links, levels and usage as the spans sent", async () => {
      await withFakeLangfuse({ mode }, async (fake) => {
        const { manifest } = await replayWithScores(fake, 21, ["conversations/order-status.yaml"]);
        const sessionId = manifest.sessions[0].sessionId;
        const source = new LangfuseSource(langfuseClientFor(fake));
        const recorded = await source.session(sessionId);
        const [sent] = sessionsFromSpans(fake.spans, { source: "spans" });

        assert.equal(await source.generation(), mode);
        assert.equal(recorded.sessionId, sessionId);
        assert.equal(recorded.userId, manifest.sessions[0].userId);
        assert.equal(recorded.source, `a Langfuse session (${mode} API)`);
        assert.equal(recorded.traces.length, manifest.sessions[0].traces.length);
        assert.deepEqual(recorded.traces.map(turn), sent.traces.map(turn));
        // Prompt links come back as the resources step made them.
        const prompts = recorded.traces.flatMap((t) => flat(t.root!)).filter((o) => o.prompt);
        assert.ok(prompts.length > 0, "order-status links a prompt");
        // Inputs and outputs come back parsed, trace metadata apart from observation metadata.
        const first = recorded.traces[0];
        assert.deepEqual(first.input, sent.traces[0].input);
        assert.deepEqual(first.metadata, sent.traces[0].metadata);
        assert.equal(first.root!.metadata, undefined);
        // The run's scores, on their turns.
        const scored = manifest.sessions[0].scores?.filter((s) => s.traceId !== undefined) ?? [];
        const names = recorded.traces.flatMap((t) => t.scores.map((s) => s.name)).sort();
        assert.deepEqual(names, scored.map((s) => s.name).sort());
        // The session's own score (order-status's resolution) as sent, and no trace score with it.
        const own = manifest.sessions[0].scores?.filter((s) => s.traceId === undefined) ?? [];
        assert.deepEqual(own.map((s) => s.name), ["resolution"]);
        assert.deepEqual(
          recorded.scores,
          own.map((s) => ({
            name: s.name,
            dataType: s.dataType,
            value: s.value,
            ...(s.comment ? { comment: s.comment } : {}),
          })),
        );
        // The OTLP spans hold no scores.
        assert.equal(sent.scores.length, 0);
      });
    });

    it("finds a user's newest sessions, at most --limit, newest first", async () => {
      await withFakeLangfuse({ mode }, async (fake) => {
        const { manifest } = await replayWithScores(fake, 22, [
          "conversations/order-status.yaml",
          "conversations/refund.yaml",
        ]);
        const source = new LangfuseSource(langfuseClientFor(fake));
        for (const session of manifest.sessions) {
          const ids = await source.recentSessionIds({ userId: session.userId, limit: 5 });
          assert.deepEqual(ids, [session.sessionId]);
        }
        const all = await source.recentSessionIds({ limit: 5 });
        assert.deepEqual([...all].sort(), manifest.sessions.map((s) => s.sessionId).sort());
        assert.equal((await source.recentSessionIds({ limit: 1 })).length, 1);
        const later = Math.max(...manifest.sessions.flatMap((s) =>
          s.traces.map((t) =>
            Date.parse(t.endTime)
          )
        )) + 1;
        assert.deepEqual(await source.recentSessionIds({ fromMs: later, limit: 5 }), []);
        if (mode === "v3") {
          // The window goes to Langfuse as fromTimestamp/toTimestamp, not only filtered here.
          const client = langfuseClientFor(fake);
          const iso = new Date(later).toISOString();
          assert.equal((await client.traces({ fromTimestamp: iso })).data.length, 0);
          assert.equal(
            (await client.traces({ toTimestamp: iso })).data.length,
            manifest.sessions.flatMap((s) => s.traces).length,
          );
        }
      });
    });
  });
}

function flat(obs: RecordedObservation): RecordedObservation[] {
  return [obs, ...obs.children.flatMap(flat)];
}

describe("record from Langfuse, on the command line", () => {
  it("exits 6 when Langfuse refuses the keys, naming the variables and never a key", async () => {
    await withFakeLangfuse({}, async (fake) => {
      const env = { ...langfuseEnv(fake), LANGFUSE_SECRET_KEY: "sk-lf-wrong-secret-123" };
      const run = captureIo(env);
      const out = join(await mkdtemp(join(tmpdir(), "record-")), "s.yaml");
      const code = await main(["record", "--session", "conv_1", "--out", out], run.io);
      assert.equal(code, 6);
      assert.match(run.err(), /LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY/);
      assert.doesNotMatch(run.out() + run.err(), /sk-lf-wrong-secret-123|pk-lf-fake/);
    });
  });

  it("exits 3 for a session Langfuse does not have, and 2 without the variables", async () => {
    await withFakeLangfuse({}, async (fake) => {
      const run = captureIo(langfuseEnv(fake));
      const out = join(await mkdtemp(join(tmpdir(), "record-")), "s.yaml");
      assert.equal(await main(["record", "--session", "conv_nope", "--out", out], run.io), 3);
      assert.match(run.err(), /Langfuse has no session "conv_nope"/);
      const bare = captureIo({});
      assert.equal(await main(["record", "--session", "conv_nope", "--out", out], bare.io), 2);
      assert.match(bare.err(), /record needs LANGFUSE_BASE_URL/);
    });
  });

  it("waits out Langfuse's 429s as Retry-After says and still records the session", async () => {
    await withFakeLangfuse({ rateLimitEvery: 3, retryAfterSeconds: 0 }, async (fake) => {
      const { manifest } = await replayWithScores(fake, 23, ["conversations/refund.yaml"]);
      const client = new LangfuseClient({ baseUrl: fake.url, ...fake.keys });
      const recorded = await new LangfuseSource(client).session(manifest.sessions[0].sessionId);
      assert.equal(recorded.traces.length, manifest.sessions[0].traces.length);
      assert.ok(fake.requests.some((r) => r.status === 429), "the fake answered 429s");
    });
  });
});
