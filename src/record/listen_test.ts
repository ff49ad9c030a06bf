import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { BatchSpanProcessor, SimpleSpanProcessor } from "@opentelemetry/sdk-trace";
import { SDK_T0, sdkConversation } from "../../testing/sdk_conversation.ts";
import {
  LANGFUSE_SDK_TURN,
  langfuseSdkConversation,
} from "../../testing/langfuse_sdk_conversation.ts";
import { parseScript } from "../script/read.ts";
import { listenForSessions, ListenPortError } from "./listen.ts";
import { toScripts } from "./script.ts";
import { conversation, otlpJson } from "../../testing/otlp.ts";
import { formatBytes } from "../text/bytes.ts";

/** Starts listening on a free port; answers the running listen and its traces URL. */
async function startListening(options: { sessions?: number; idleMs?: number } = {}) {
  let stop = false;
  const turns: string[] = [];
  let ready: (url: string) => void = () => {};
  const url = new Promise<string>((resolve) => (ready = resolve));
  const done = listenForSessions({
    port: 0,
    ...options,
    stopped: () => stop,
    onTurn: (text) => turns.push(text),
    onReady: ready,
    pollMs: 10,
  });
  return { done, url: await url, turns, stop: () => (stop = true) };
}

describe("record --listen", () => {
  it("shows each turn of a plain OpenTelemetry SDK app as it arrives, its mistakes flagged", async () => {
    const listen = await startListening();
    await sdkConversation(
      [new SimpleSpanProcessor({ exporter: new OTLPTraceExporter({ url: listen.url }) })],
      { mistakes: true },
    );
    // What Ctrl-C does: the listen stops and answers what it saw.
    listen.stop();
    const result = await listen.done;

    assert.equal(result.traces, 3);
    assert.equal(result.spans, 9);
    assert.equal(listen.turns.length, 3);
    const [first, second, third] = listen.turns;
    assert.match(
      first,
      /^Session chat-8841 · user user-alice\n {2}1\. 2026-11-20T10:00:00Z {2}support-turn/,
    );
    assert.match(first, /Tags sent as a string \("support,vip"\)/);
    assert.match(first, /Prompt version "3" of span "answer" is a string attribute, not an int/);
    assert.match(
      first,
      /Metadata "langfuse\.trace\.metadata\.customer" of span "support-turn" is a nested object/,
    );
    assert.match(second, /^Session chat-8841 · user user-alice\n {2}2\. /);
    assert.match(second, /Span "lookup-order" has no session id/);
    assert.doesNotMatch(second, /Prompt version/);
    assert.match(third, /^Session chat-8841 · user user-alice\n {2}3\. /);
    assert.doesNotMatch(third, /no session id|nested/);
    assert.ok(result.problems >= 5, `problems: ${result.problems}`);

    const [session, ...others] = result.sessions;
    assert.equal(others.length, 0);
    assert.equal(session.sessionId, "chat-8841");
    assert.equal(session.traces.length, 3);
    assert.equal(session.source, "a live OpenTelemetry app (record --listen)");
    // A string prompt version makes Langfuse drop the link's version; the name is kept.
    assert.deepEqual(session.traces[0].root!.children[0].prompt, { name: "support-answer" });
    assert.deepEqual(session.traces[1].root!.children[0].prompt, {
      name: "support-answer",
      version: 3,
    });
  });

  it("stops by itself once --sessions sessions arrived and stayed quiet for --idle", async () => {
    const listen = await startListening({ sessions: 2, idleMs: 50 });
    // A batch processor sends each conversation in one request, so a session arrives whole.
    for (const [i, sessionId] of ["chat-1", "chat-2"].entries()) {
      const exporter = new OTLPTraceExporter({ url: listen.url });
      const startMs = SDK_T0 + i * 3_600_000;
      await sdkConversation([new BatchSpanProcessor({ exporter })], {
        sessionId,
        turns: 2,
        startMs,
      });
    }
    const result = await listen.done;
    assert.deepEqual(result.sessions.map((s) => [s.sessionId, s.traces.length]), [
      ["chat-1", 2],
      ["chat-2", 2],
    ]);
    assert.deepEqual(
      listen.turns.map((t) => t.split("\n")[0]),
      [
        "Session chat-1 · user user-alice",
        "Session chat-1 · user user-alice",
        "Session chat-2 · user user-alice",
        "Session chat-2 · user user-alice",
      ],
    );
  });

  it("reads an app instrumented with Langfuse's JS SDK as Langfuse does: setTraceIO's input is the turn's", async () => {
    const listen = await startListening();
    await langfuseSdkConversation({ baseUrl: listen.url.replace(/\/v1\/traces$/, "") });
    listen.stop();
    const result = await listen.done;
    const t = LANGFUSE_SDK_TURN;

    assert.equal(result.traces, 2);
    const [first] = listen.turns;
    // The SDK writes user and session as user.id and session.id; Langfuse reads those too.
    assert.match(first, new RegExp(`^Session ${t.sessionId} · user ${t.userId}\n`));
    assert.match(first, /support-chat/);
    assert.match(
      first,
      /tags support, sdk · tier=gold channel=web · version 2\.3\.0 · env staging · public/,
    );
    assert.match(first, /input {2}\{"route":"\/chat","turn":1\}/);
    assert.match(first, /input {2}Where is order 4411\? \(v3, trace evaluators\)/);
    assert.match(first, /sets langfuse\.trace\.input and a different langfuse\.observation\.input/);

    const [session] = result.sessions;
    assert.equal(session.sessionId, t.sessionId);
    assert.equal(session.userId, t.userId);
    for (const [turn, trace] of session.traces.entries()) {
      assert.equal(trace.input, t.question(turn));
      assert.equal(trace.output, t.answer);
      assert.equal(trace.name, t.traceName);
      assert.deepEqual(trace.tags, t.tags);
      assert.deepEqual(trace.metadata, t.metadata);
      assert.equal(trace.version, t.version);
      assert.equal(trace.environment, t.environment);
      assert.deepEqual(trace.root?.input, t.request(turn));
    }
    // The recorded script's turns say what the user said, scrubbed, not "".
    const [script] = toScripts(result.sessions, { name: "sdk-app" });
    const turns = parseScript(script.yaml, "sdk-app.yaml").turns;
    assert.deepEqual(turns.map((turn) => String(turn.input).replace(/\{\{[^}]*\}\}/g, "N")), [
      "Where is order N?",
      "Where is order N?",
    ]);
  });

  it("refuses every request with 503 once the requests held would pass maxBytes, and says so once", async () => {
    let stop = false;
    const full: string[] = [];
    let ready: (url: string) => void = () => {};
    const url = new Promise<string>((resolve) => (ready = resolve));
    const body = otlpJson(conversation({ seed: 1, sessionId: "conv_a", turns: 1 }));
    const done = listenForSessions({
      port: 0,
      maxBytes: body.length + 10,
      stopped: () => stop,
      onTurn: () => {},
      onReady: ready,
      onFull: (reason) => full.push(reason),
      pollMs: 10,
    });
    const statuses: number[] = [];
    for (const seed of [1, 2, 3]) {
      const response = await fetch(await url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: otlpJson(conversation({ seed, sessionId: `conv_${seed}`, turns: 1 })),
      });
      await response.arrayBuffer();
      statuses.push(response.status);
    }
    stop = true;
    const result = await done;
    assert.deepEqual(statuses, [200, 503, 503]);
    assert.equal(result.spans, 2);
    assert.equal(result.refusedSpans, 4);
    assert.deepEqual(result.sessions.map((s) => s.sessionId), ["conv_1"]);
    assert.equal(full.length, 1);
    assert.equal(
      full[0],
      `holding 2 spans, and this request would pass the bound of ${
        formatBytes(body.length + 10)
      } of requests; later requests are answered 503 (Retry-After: 60). Stop (Ctrl-C) to ` +
        "write the scripts of the spans held.",
    );
  });

  it("refuses a port in use with ListenPortError naming it", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      await assert.rejects(
        listenForSessions({ port, stopped: () => true, onTurn: () => {} }),
        (error: Error) =>
          error instanceof ListenPortError &&
          error.message === `--listen: cannot listen on 127.0.0.1:${port}: it is in use ` +
              "(is a Collector or another receiver running?)",
      );
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
