import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../main.ts";
import { captureIo } from "../../testing/io.ts";
import { decodeTraceRequest } from "../otlp/decode.ts";
import type { ReceivedSpan } from "../otlp/decode.ts";
import { GENAI, GENAI_SCOPE } from "./dialect_genai.ts";
import { OPENINFERENCE, OPENINFERENCE_SCOPE } from "./dialect_openinference.ts";
import { VERCEL, VERCEL_SCOPE } from "./dialect_vercel.ts";
import { SCOPE_NAME } from "./attributes.ts";

const ORDER_STATUS = "conversations/order-status.yaml";
const tmp = () => mkdtemp(join(tmpdir(), "session-replay-dialect-"));

/** Replays order-status to the file target; the spans as decoded, the manifest as written. */
async function replay(
  extra: string[],
  options: { quiet?: boolean } = {},
): Promise<
  { spans: ReceivedSpan[]; manifest: Record<string, unknown>; raw: string; summary: string }
> {
  const dir = await tmp();
  const out = join(dir, "spans.jsonl");
  const run = captureIo();
  const args = ["replay", ORDER_STATUS, "--seed", "42", "--target", "file", "--out", out];
  const quiet = options.quiet ?? true ? ["--quiet"] : [];
  const code = await main([...args, "--manifest-dir", dir, ...quiet, ...extra], run.io);
  assert.equal(code, 0, run.err());
  const raw = await readFile(out, "utf8");
  const spans = raw.split("\n").filter((line) => line !== "").flatMap((line) =>
    decodeTraceRequest(new TextEncoder().encode(line), "application/json")
  );
  const file = (await readdir(dir)).find((name) => name.endsWith(".json"))!;
  const manifest = JSON.parse(await readFile(join(dir, file), "utf8"));
  return { spans, manifest, raw, summary: run.out() };
}

const keys = (spans: readonly ReceivedSpan[]) =>
  new Set(spans.flatMap((s) => Object.keys(s.attributes)));
const langfuseKeys = (spans: readonly ReceivedSpan[]) =>
  [...keys(spans)].filter((key) => key.startsWith("langfuse."));

test("--dialect langfuse is the default: the same spans and the same run id as no flag", async () => {
  const plain = await replay([]);
  const langfuse = await replay(["--dialect", "langfuse"]);
  assert.equal(langfuse.raw, plain.raw);
  assert.equal(langfuse.manifest.runId, plain.manifest.runId);
  assert.equal(langfuse.manifest.dialect, undefined);
  const genai = await replay(["--dialect", "genai"], { quiet: false });
  assert.match(genai.summary, /^ {2}dialect {3}genai$/m);
  assert.notEqual(genai.manifest.runId, plain.manifest.runId, "another dialect is another run");
  assert.equal(genai.manifest.dialect, "genai");
});

test("--dialect genai writes GenAI semconv: chat and execute_tool spans, conversation id, no langfuse.* keys", async () => {
  const { spans, manifest } = await replay(["--dialect", "genai"]);
  assert.deepEqual(langfuseKeys(spans), []);
  const chats = spans.filter((s) => s.attributes[GENAI.operation] === "chat");
  assert.ok(chats.length > 0);
  for (const chat of chats) {
    assert.deepEqual(chat.scope, GENAI_SCOPE);
    assert.equal(chat.name, `chat ${chat.attributes[GENAI.requestModel]}`);
    for (
      const key of [GENAI.inputTokens, GENAI.outputTokens, GENAI.inputMessages, GENAI.provider]
    ) {
      assert.ok(key in chat.attributes, `${chat.name} has ${key}`);
    }
  }
  const tools = spans.filter((s) => s.attributes[GENAI.operation] === "execute_tool");
  assert.deepEqual(
    [...new Set(tools.map((s) => s.name))].sort(),
    [
      "execute_tool carrier_incidents",
      "execute_tool carrier_tracking",
      "execute_tool create_handoff_ticket",
      "execute_tool lookup_order",
    ],
  );
  assert.ok(spans.some((s) => s.name === "invoke_agent support-agent"));
  const sessions = new Set(spans.map((s) => s.attributes[GENAI.conversationId]));
  const users = new Set(spans.map((s) => s.attributes[GENAI.userId]));
  const session = (manifest.sessions as { sessionId: string; userId: string }[])[0];
  assert.deepEqual([...sessions], [session.sessionId], "every span carries the conversation id");
  assert.deepEqual([...users], [session.userId]);
});

test("--dialect openinference writes span kinds, llm.* and input.value with mime types, session and tags on every span", async () => {
  const { spans, manifest } = await replay(["--dialect", "openinference"]);
  assert.deepEqual(langfuseKeys(spans), []);
  const llms = spans.filter((s) => s.attributes[OPENINFERENCE.spanKind] === "LLM");
  assert.ok(llms.length > 0);
  for (const llm of llms) {
    assert.deepEqual(llm.scope, OPENINFERENCE_SCOPE);
    for (
      const key of [
        OPENINFERENCE.modelName,
        OPENINFERENCE.promptTokens,
        OPENINFERENCE.completionTokens,
        OPENINFERENCE.totalTokens,
        "llm.input_messages.0.message.role",
        "llm.input_messages.0.message.content",
        "llm.output_messages.0.message.content",
        OPENINFERENCE.inputValue,
        OPENINFERENCE.inputMimeType,
      ]
    ) assert.ok(key in llm.attributes, `${llm.name} has ${key}`);
    assert.equal(llm.attributes[OPENINFERENCE.inputMimeType], "application/json");
  }
  const kinds = new Set(spans.map((s) => s.attributes[OPENINFERENCE.spanKind]));
  for (const kind of ["LLM", "TOOL", "AGENT", "GUARDRAIL"]) assert.ok(kinds.has(kind), kind);
  const session = (manifest.sessions as { sessionId: string; tags: string[] }[])[0];
  for (const span of spans) {
    assert.equal(span.attributes[OPENINFERENCE.sessionId], session.sessionId);
    assert.deepEqual(span.attributes[OPENINFERENCE.tags], session.tags);
    assert.equal(typeof span.attributes[OPENINFERENCE.metadata], "string");
  }
});

test("--dialect vercel writes scope ai: ai.streamText around doStream and ai.toolCall, telemetry metadata, the app's other spans apart", async () => {
  const { spans, manifest } = await replay(["--dialect", "vercel"]);
  assert.deepEqual(langfuseKeys(spans), []);
  const ai = spans.filter((s) => s.scope.name === VERCEL_SCOPE.name);
  assert.deepEqual(
    [...new Set(ai.map((s) => s.name))].sort(),
    ["ai.streamText", "ai.streamText.doStream", "ai.toolCall"],
  );
  const session =
    (manifest.sessions as { sessionId: string; userId: string; traceName: string }[])[0];
  for (const span of ai) {
    assert.equal(span.attributes[VERCEL.sessionId], session.sessionId);
    assert.equal(span.attributes[VERCEL.userId], session.userId);
    assert.equal(span.attributes[VERCEL.functionId], session.traceName);
    assert.equal(span.attributes[VERCEL.operationId], span.name);
    assert.ok(Array.isArray(span.attributes[VERCEL.tags]));
  }
  for (const call of ai.filter((s) => s.name === "ai.streamText.doStream")) {
    for (
      const key of [
        VERCEL.modelId,
        VERCEL.promptMessages,
        VERCEL.responseText,
        VERCEL.inputTokens,
        VERCEL.outputTokens,
        VERCEL.msToFirstChunk,
      ]
    ) assert.ok(key in call.attributes, `${call.name} has ${key}`);
  }
  // Guardrails, agents and retrievers are not AI SDK calls: the app's own tracer, no telemetry,
  // only the app's environment (a resource attribute, so on every span the app sends).
  const own = spans.filter((s) => s.scope.name === SCOPE_NAME);
  assert.ok(own.some((s) => s.name === "pii-input-filter"));
  const envs = new Set(spans.map((s) => s.attributes["deployment.environment.name"]));
  for (const span of own) {
    assert.deepEqual(Object.keys(span.attributes).filter((k) => !k.startsWith("deployment.")), []);
  }
  assert.equal(envs.size, 1, "every span, the app's own too, has the one environment");
  const roots = ai.filter((s) => s.parentSpanId === undefined);
  assert.equal(roots.length, 3, "each turn is one ai.streamText call");
});

test("the manifest says per trace what Langfuse will show of a dialect's spans", async () => {
  const { manifest } = await replay(["--dialect", "vercel"]);
  const [session] = manifest.sessions as {
    dialect: string;
    traces: { shown: { name: string; types: Record<string, number>; models: string[] } }[];
  }[];
  assert.equal(session.dialect, "vercel");
  const shown = session.traces[0].shown;
  assert.equal(shown.name, "order-status-turn:ai.streamText");
  assert.equal(shown.types.generation, 2);
  assert.equal(shown.types.agent, undefined, "the AI SDK has no agent span");
  assert.deepEqual(shown.models, ["gpt-5.4", "gpt-5.4-nano"]);
});

test("replay refuses --dialect mixed and an unknown dialect as usage errors, naming the flag", async () => {
  for (
    const [value, message] of [
      ["mixed=genai:1", /--dialect mixed is for load/],
      ["otel", /--dialect: "otel" is not a dialect: use one of langfuse, genai/],
      ["mixed", /--dialect mixed is for load/],
      ["mixed=otel:1", /--dialect mixed is for load/],
    ] as const
  ) {
    const run = captureIo();
    assert.equal(await main(["replay", ORDER_STATUS, "--dialect", value], run.io), 2);
    assert.match(run.err(), message);
    // Replay takes one dialect: its errors do not offer the mixed form it refuses.
    assert.doesNotMatch(run.err(), /mixed=</);
  }
});

test("the preview's command to send the same sessions to Langfuse keeps the --dialect", async () => {
  const run = captureIo();
  const code = await main(
    ["replay", ORDER_STATUS, "--seed", "42", "--dialect", "vercel", "--no-manifest"],
    run.io,
  );
  assert.equal(code, 0, run.err());
  assert.match(run.out(), /To send the same sessions to Langfuse:/);
  assert.match(run.out(), /replay conversations\/order-status\.yaml --dialect vercel$/m);
});
