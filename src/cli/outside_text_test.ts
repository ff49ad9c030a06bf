import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../main.ts";
import { TRACE } from "../emit/attributes.ts";
import { closeServer, listenOnLoopback } from "../http/loopback.ts";
import { captureIo, runCommand } from "../../testing/io.ts";
import { FakeClock, NOW } from "../../testing/clock.ts";
import { langfuseEnv, replayWithScores } from "../../testing/langfuse.ts";
import { otlpJson, type TestSpan } from "../../testing/otlp.ts";
import { withFakeLangfuseOnClock, withOtlpReceiver } from "../../testing/servers.ts";
import { startRecordListen } from "../../testing/listen.ts";
import { rawControl } from "../../testing/terminal.ts";
import { verifyCommand } from "./verify.ts";

/** Retitles the terminal, rings its bell and clears the screen, if printed raw. */
const ATTACK = "\x1b]0;OWNED\x07\x1b[2J";
const SHOWN = "\\x1b]0;OWNED\\x07\\x1b[2J";

/** Fails when `text` holds a raw control character other than a line break or tab. */
function assertNoRawControls(text: string, colours = false): void {
  const raw = rawControl(text, colours);
  assert.equal(raw, undefined, `raw control ${JSON.stringify(raw)} in:\n${text}`);
}

describe("text from servers and received spans never drives the terminal", () => {
  it("an OTLP endpoint's error body is printed with its escape sequences shown, not sent", async () => {
    await withOtlpReceiver({
      respond: () => ({ status: 400, body: `bad request ${ATTACK}` }),
    }, async (receiver) => {
      const run = captureIo({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
      const dir = await mkdtemp(join(tmpdir(), "outside-"));
      const code = await main(
        ["replay", "fixtures/scripts/quick.yaml", "--manifest-dir", dir],
        run.io,
      );
      assert.equal(code, 4, run.err());
      assert.ok(run.err().includes(SHOWN), run.err());
      assertNoRawControls(run.out() + run.err());
    });
  });

  it("a Langfuse API error body is printed with its escape sequences shown, not sent", async () => {
    const server = createServer((_req, res) => {
      res.writeHead(400, { "content-type": "application/json" });
      res.end(JSON.stringify({ message: `no such session ${ATTACK}` }));
    });
    const url = await listenOnLoopback(server);
    try {
      const out = join(await mkdtemp(join(tmpdir(), "outside-")), "s.yaml");
      const run = captureIo({
        LANGFUSE_BASE_URL: url,
        LANGFUSE_PUBLIC_KEY: "pk-lf-x",
        LANGFUSE_SECRET_KEY: "sk-lf-x",
      });
      const code = await main(["record", "--session", "conv_x", "--out", out], run.io);
      assert.equal(code, 6, run.err());
      assert.ok(run.err().includes(`no such session ${SHOWN}`), run.err());
      assertNoRawControls(run.out() + run.err());
    } finally {
      await closeServer(server);
    }
  });

  for (const color of [false, true]) {
    it(
      `record --listen shows a span's name and attributes escaped (colour ${color ? "on" : "off"})`,
      async () => {
        const dir = await mkdtemp(join(tmpdir(), "outside-"));
        const listen = await startRecordListen(
          ["--listen", "0", "--sessions", "1", "--idle", "100ms", "--out", dir],
          { color },
        );
        const span: TestSpan = {
          traceId: "0af7651916cd43dd8448eb211c80319c",
          spanId: "b7ad6b7169203331",
          name: `turn ${ATTACK}`,
          startMs: NOW - 2_000,
          endMs: NOW - 1_000,
          attributes: {
            [TRACE.sessionId]: `chat-1\n  2. fake line ${ATTACK}`,
            [TRACE.userId]: `user-1 ${ATTACK}`,
            [TRACE.tags]: [`vip${ATTACK}`],
          },
        };
        const answer = await fetch(listen.url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: otlpJson([span]),
        });
        assert.equal(answer.status, 200);
        await answer.body?.cancel();
        assert.equal(await listen.done, 0, listen.err());
        const text = listen.out();
        assert.ok(text.includes(`turn ${SHOWN}`), text);
        assert.ok(text.includes("chat-1\\x0a  2. fake line"), "a newline cannot fake a line");
        assertNoRawControls(text + listen.err(), color);
      },
    );
  }

  it("verify shows what Langfuse answered escaped", async () => {
    await withFakeLangfuseOnClock(NOW, { mode: "v4" }, async (fake, clock) => {
      const { path, manifest } = await replayWithScores(fake, 14, [
        "conversations/order-status.yaml",
      ]);
      const changed = manifest.sessions[0].traces[0];
      fake.mutate((span) => {
        if (span.traceId === changed.traceId) span.attributes[TRACE.tags] = [ATTACK];
      });
      // Without main(): the verify table itself escapes, not only the edge of the process.
      const check = captureIo(langfuseEnv(fake), { clock: clock ?? new FakeClock(NOW) });
      assert.equal(await runCommand(verifyCommand, [path, "--timeout", "5s"], check.io), 5);
      assert.ok(check.out().includes(`→ [${SHOWN}]`), check.out());
      assertNoRawControls(check.out() + check.err());
    });
  });
});
