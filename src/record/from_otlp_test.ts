import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { JsonTraceSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { main } from "../main.ts";
import { parseScript, readScriptFile } from "../script/read.ts";
import { captureIo } from "../../testing/io.ts";
import { SDK_T0, sdkConversationSpans } from "../../testing/sdk_conversation.ts";
import { decodeOtlpFile, readOtlpFile, sessionsFromOtlpFile } from "./from_otlp.ts";
import { RecordInputError } from "./from_spans.ts";
import type { RecordedObservation, RecordedSession } from "./types.ts";

/** "type name(children)" of an observation tree. */
function shape(obs: RecordedObservation): string {
  const kids = obs.children.map(shape).join(", ");
  return `${obs.type} ${obs.name}${kids === "" ? "" : `(${kids})`}`;
}

async function tempDir(): Promise<string> {
  return await mkdtemp(join(tmpdir(), "record-otlp-"));
}

/** The Collector's proto framing: each message after its length as a big-endian uint32. */
function frame(messages: Uint8Array[]): Uint8Array {
  const total = messages.reduce((n, m) => n + 4 + m.length, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const message of messages) {
    view.setUint32(at, message.length, false);
    out.set(message, at + 4);
    at += 4 + message.length;
  }
  return out;
}

function checkSdkSession(sessions: RecordedSession[]): void {
  assert.equal(sessions.length, 1);
  const [session] = sessions;
  assert.equal(session.sessionId, "chat-8841");
  assert.equal(session.userId, "user-alice");
  assert.equal(session.traces.length, 3);
  for (const [i, trace] of session.traces.entries()) {
    assert.equal(trace.startMs, SDK_T0 + i * 45_000);
    assert.equal(trace.name, "support-turn");
    assert.deepEqual(trace.tags, ["support", "vip"]);
    assert.deepEqual(trace.metadata, { tier: "gold" });
    assert.equal(shape(trace.root!), "span support-turn(generation answer, tool lookup-order)");
    const [answer, tool] = trace.root!.children;
    assert.equal(answer.model, "gpt-4o-mini");
    assert.deepEqual(answer.usage, { input: 320 + i, output: 41 });
    assert.deepEqual(answer.prompt, { name: "support-answer", version: 3 });
    assert.deepEqual(answer.modelParameters, { temperature: 0.2 });
    assert.deepEqual(tool.input, { order: i + 1 });
    assert.deepEqual(trace.input, { text: `Where is order ${i + 1}?` });
  }
}

describe("record --from-otlp", () => {
  it("reads the file target's JSON lines into one session per script with the tree as replayed", async () => {
    const dir = await tempDir();
    const file = join(dir, "spans.otlp.jsonl");
    const sent = captureIo();
    const code = await main(
      [
        "replay",
        "conversations/order-status.yaml",
        "--target",
        "file",
        "--out",
        file,
        "--seed",
        "7",
        "--no-manifest",
        "--quiet",
      ],
      sent.io,
    );
    assert.equal(code, 0, sent.err());
    const { format } = await readOtlpFile(file);
    assert.equal(format, "json-lines");
    const [session, ...more] = await sessionsFromOtlpFile(file);
    assert.equal(more.length, 0);
    assert.match(session.sessionId!, /^conv_[0-9a-f]{21}$/);
    assert.ok(session.traces.length >= 2);
    const first = session.traces[0];
    assert.equal(first.root?.name, "order-status-turn");
    assert.equal(first.orphans.length, 0);
    const agent = first.root!.children[0];
    assert.equal(agent.type, "agent");
    assert.deepEqual(
      agent.children.slice(0, 3).map((obs) => `${obs.type} ${obs.name}`),
      ["guardrail pii-input-filter", "generation route-intent", "tool lookup_order"],
    );
    const route = agent.children[1];
    assert.equal(route.model, "gpt-5.4-nano");
    assert.deepEqual(route.modelParameters, {
      reasoning_effort: "none",
      temperature: 0,
      max_completion_tokens: 64,
    });
    assert.ok(route.completionStartMs! > route.startMs);
    assert.ok(route.cost?.total !== undefined && route.cost.total > 0);
    // Turns are in time order.
    for (let i = 1; i < session.traces.length; i++) {
      assert.ok(session.traces[i].startMs > session.traces[i - 1].startMs);
    }
  });

  it("reads a Collector file exporter's JSON lines (TracesData with hex ids and string ints)", async () => {
    const spans = await sdkConversationSpans();
    // The Collector writes one TracesData per line; its JSON is the OTLP/JSON mapping.
    const lines = [spans.slice(0, 3), spans.slice(3)].map((batch) => {
      const json = JSON.parse(
        new TextDecoder().decode(JsonTraceSerializer.serializeRequest(batch)!),
      );
      for (const rs of json.resourceSpans) {
        rs.schemaUrl = "https://opentelemetry.io/schemas/1.26.0";
        for (const ss of rs.scopeSpans) {
          for (const span of ss.spans) {
            span.parentSpanId ??= "";
            span.flags = 256;
            span.kind = 1;
          }
        }
      }
      return JSON.stringify(json);
    });
    const file = join(await tempDir(), "collector.json");
    await writeFile(file, lines.join("\n") + "\n");
    const { format } = await readOtlpFile(file);
    assert.equal(format, "json-lines");
    checkSdkSession(await sessionsFromOtlpFile(file));
  });

  it("reads a Collector file exporter's protobuf output, length-prefixed, plain or gzipped", async () => {
    const spans = await sdkConversationSpans();
    const messages = [spans.slice(0, 4), spans.slice(4)].map((batch) =>
      ProtobufTraceSerializer.serializeRequest(batch)!
    );
    const dir = await tempDir();
    const plain = join(dir, "traces.pb");
    await writeFile(plain, frame(messages));
    assert.equal((await readOtlpFile(plain)).format, "proto");
    checkSdkSession(await sessionsFromOtlpFile(plain));
    const zipped = join(dir, "traces.pb.gz");
    await writeFile(zipped, gzipSync(frame(messages)));
    checkSdkSession(await sessionsFromOtlpFile(zipped));
  });

  it("names the file and line of a malformed JSON line, and the message of a bad frame", async () => {
    const spans = await sdkConversationSpans({ turns: 1 });
    const good = new TextDecoder().decode(JsonTraceSerializer.serializeRequest(spans)!);
    const text = new TextEncoder().encode(`${good}\n\n{"resourceSpans": 3}\n`);
    assert.throws(
      () => decodeOtlpFile(text, "spans.jsonl"),
      (error: Error) =>
        error instanceof RecordInputError &&
        error.message ===
          "spans.jsonl:3: not an OTLP/JSON trace export: resourceSpans: expected an array",
    );
    const message = ProtobufTraceSerializer.serializeRequest(spans)!;
    const truncated = frame([message, message]).subarray(0, 4 + message.length + 10);
    assert.throws(
      () => decodeOtlpFile(truncated, "traces.pb"),
      (error: Error) =>
        error instanceof RecordInputError &&
        error.message.startsWith(`traces.pb: protobuf message 2 (byte ${4 + message.length}): `) &&
        error.message.includes("truncated"),
    );
    assert.throws(
      () => decodeOtlpFile(new TextEncoder().encode("hello world, not spans"), "notes.txt"),
      /^RecordInputError: notes\.txt: not OTLP JSON lines .* protobuf format/,
    );
    assert.throws(
      () => decodeOtlpFile(new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 1, 2]), "traces.zst"),
      /traces\.zst: the file is zstd-compressed/,
    );
    assert.throws(
      () => decodeOtlpFile(new Uint8Array(), "empty.jsonl"),
      /empty\.jsonl: the file is empty/,
    );
  });
  it("keeps a script's vocabulary, developer messages, tool calls, usage types and embeddings through replay and record", async () => {
    const dir = await tempDir();
    const spans = join(dir, "spans.otlp.jsonl");
    const out = join(dir, "recorded.yaml");
    const fixture = "fixtures/scripts/open-vocabulary.yaml";
    const replay = captureIo();
    const replayArgs = ["replay", fixture, "--target", "file", "--out", spans, "--seed", "3"];
    assert.equal(await main([...replayArgs, "--no-manifest", "--quiet"], replay.io), 0);
    const record = captureIo();
    const code = await main(["record", "--from-otlp", spans, "--out", out], record.io);
    assert.equal(code, 0, record.err());
    const recorded = parseScript(await readFile(out, "utf8"), out);
    const { script: original } = await readScriptFile(fixture);
    assert.deepEqual(recorded.vocabulary, original.vocabulary);
    assert.equal(recorded.trace.metadata.workflow, "docs-search");
    assert.deepEqual(
      recorded.turns.map((turn) => `${turn.kind}/${turn.outcome}`),
      original.turns.map((turn) => `${turn.kind}/${turn.outcome}`),
    );
    const [embed, , answer] = recorded.turns[0].steps;
    const [originalEmbed, , originalAnswer] = original.turns[0].steps;
    for (const field of ["type", "model", "modelParameters", "price", "input"] as const) {
      assert.deepEqual(embed[field], originalEmbed[field], field);
    }
    assert.deepEqual(embed.usage, { input: "6..10" });
    // Messages, usage types and prices come back as the script gave them.
    assert.deepEqual(answer.messages, originalAnswer.messages);
    assert.deepEqual(Object.keys(answer.usage!), Object.keys(originalAnswer.usage!));
    assert.equal(answer.usage!.input_cached_tokens, "819..1229");
    assert.deepEqual(answer.price, originalAnswer.price);
  });
});
