import { test } from "node:test";
import assert from "node:assert/strict";
import { parseScript } from "../script/read.ts";
import { parseByteSize } from "../script/schema_stress.ts";
import { fieldLimitWarnings, LANGFUSE_LIMITS } from "./field_limits.ts";
import { planSession } from "./session.ts";
import { STEP_TOOLS } from "./stress.ts";
import { utf8Bytes } from "./stress_text.ts";
import { countSpans, type Json, type ObservationPlan, preOrder } from "./types.ts";
import { oneTurnScript, scriptErrors } from "../../testing/scripts.ts";

const END = Date.UTC(2026, 10, 20, 14);

/** The one-turn test script with `stress` (YAML lines) added. */
function stressed(stress: string): string {
  return oneTurnScript("- { type: tool, name: lookup }") +
    `stress:\n${stress.trim().split("\n").map((line) => `  ${line}`).join("\n")}\n`;
}

function plan(stress: string, seed = 7) {
  return planSession(parseScript(stressed(stress), "x.yaml"), { seed, endMs: END, file: "x.yaml" });
}

/** How deep objects and arrays nest in `value` (a scalar is 0). */
function nesting(value: Json | undefined): number {
  if (value === null || typeof value !== "object") return 0;
  const inner = Array.isArray(value) ? value : Object.values(value);
  return 1 + Math.max(0, ...inner.map(nesting));
}

/** Levels of children below `observation` on its deepest path. */
function chainDepth(observation: ObservationPlan): number {
  return observation.children.length === 0
    ? 0
    : 1 + Math.max(...observation.children.map(chainDepth));
}

test("a payload is exactly the bytes asked for, nested as deep as asked, the turn's words kept", () => {
  for (const [size, depth] of [["64KB", 1], ["1MB", 20], ["300KiB", 7]] as const) {
    const root = plan(`payload: { bytes: ${size}, unicode: true, nestDepth: ${depth} }`)
      .turns[0].root;
    const text = JSON.stringify(root.input);
    assert.equal(utf8Bytes(text), parseByteSize(size), `${size} deep ${depth}`);
    assert.equal(new TextEncoder().encode(text).length, parseByteSize(size));
    assert.equal(nesting(root.input), depth);
    assert.equal((root.input as Record<string, Json>).request, "Where is my order?");
    assert.equal(root.output, "On its way.", "on: input by default leaves the output alone");
  }
});

test("a unicode payload carries right-to-left and astral characters; without unicode it is plain ASCII", () => {
  const unicode = JSON.stringify(
    plan("payload: { bytes: 64KB, unicode: true }").turns[0].root.input,
  );
  assert.match(unicode, /[\u0590-\u05ff]/u, "Hebrew");
  assert.match(unicode, /[\u0600-\u06ff]/u, "Arabic");
  assert.match(unicode, /[\u{10000}-\u{10ffff}]/u, "outside the Basic Multilingual Plane");
  assert.doesNotMatch(unicode, /[\ud800-\udbff](?![\udc00-\udfff])/, "no lone surrogate");
  const plain = JSON.stringify(plan("payload: { bytes: 64KB }").turns[0].root.input);
  assert.doesNotMatch(plain, /[^\x20-\x7e]/, "printable ASCII only");
  assert.ok(new Set(plain.split(". ")).size > 100, "sentences vary, not one repeated");
});

test("the same seed gives the same stressed session; another seed other text", () => {
  const shape = "payload: { bytes: 8KB, unicode: true, on: both }\nwidth: 5\nturns: 3";
  assert.deepEqual(plan(shape, 1), plan(shape, 1));
  assert.notDeepEqual(plan(shape, 1).turns[0].root.input, plan(shape, 2).turns[0].root.input);
});

test("width puts that many tool calls directly under each turn's root, inside its time", () => {
  const { root } = plan("width: 200").turns[0];
  const tools = root.children.filter((child) => child.type === "tool" && child.name !== "lookup");
  assert.equal(tools.length, 200);
  for (const child of root.children) {
    assert.ok(child.startMs >= root.startMs && child.endMs <= root.endMs, "inside the root");
  }
});

test("depth adds a chain that many levels below the root", () => {
  const { root } = plan("depth: 50").turns[0];
  assert.equal(chainDepth(root), 50);
  let link = root.children.find((child) => child.type === "chain");
  for (let level = 1; link; level++) {
    assert.equal(link.name, `delegate level ${level}`);
    assert.ok(link.children.length <= 1);
    link = link.children[0];
  }
});

test("observations fills each trace up to exactly that many, in agent steps of tool calls", () => {
  for (const wanted of [10_000, 51, 3]) {
    const session = plan(`observations: ${wanted}\nturns: 2`);
    for (const turn of session.turns) {
      assert.equal(countSpans(turn.root), wanted);
      for (const step of turn.root.children.filter((child) => child.type === "agent")) {
        assert.ok(step.children.length <= STEP_TOOLS);
      }
    }
  }
});

test("turns plays the script's turns again until the session has that many, each a trace of its own, in time order", () => {
  const session = plan("turns: 300");
  assert.equal(session.turns.length, 300);
  assert.equal(new Set(session.turns.map((turn) => turn.traceId)).size, 300);
  const spanIds = session.turns.flatMap((turn) => preOrder(turn.root).map((o) => o.spanId));
  assert.equal(new Set(spanIds).size, spanIds.length, "no span id twice");
  for (const [i, turn] of session.turns.entries()) {
    assert.match(turn.traceId, /^[0-9a-f]{32}$/);
    assert.equal(turn.index, i);
    if (i > 0) assert.ok(turn.root.startMs > session.turns[i - 1].root.endMs, `turn ${i + 1}`);
  }
  assert.equal(session.turns.at(-1)!.root.endMs, END, "the session still ends when asked");
});

test("field-limit warnings name the turn, the size and Langfuse's limit; a small session has none", () => {
  assert.deepEqual(fieldLimitWarnings(plan("width: 3"), { requestBytes: 4 << 20 }), []);
  const big = plan("payload: { bytes: 3MB, on: both }\nturns: 2");
  const warnings = fieldLimitWarnings(big, { requestBytes: 4 << 20 });
  assert.deepEqual(warnings, [
    "demo: turn 1 input is 2.86 MiB; Langfuse moves an input, output or metadata value over " +
    "2 MiB to media storage when LANGFUSE_OBSERVATION_FIELD_OVERFLOW_ENABLED is on (and 3 " +
    "more like it)",
    "demo: turn 1 span is at least 11.44 MiB, over the request limit of 4 MiB: it is counted " +
    "failed, not sent (and 1 more like it)",
    "demo: turn 1 span is at least 11.44 MiB; Langfuse logs spans over 9.5 MB " +
    "(LANGFUSE_OTEL_MAX_SPAN_BYTES) as oversized (and 1 more like it)",
  ]);
  const many = fieldLimitWarnings(plan("observations: 20001"), {});
  assert.equal(many.length, 1);
  assert.match(
    many[0],
    /turn 1 has 20001 observations; Langfuse's trace view loads the first 20,000/,
  );
  assert.equal(LANGFUSE_LIMITS.observationsPerTrace, 20_000);
});

test("a stress section with a bad size or shape is refused at its line and column", () => {
  assert.deepEqual(scriptErrors(stressed("payload: { bytes: 1 GB }")), [
    'x.yaml:13:21: stress.payload.bytes must be a size like "512KB", "1MB", "1.5MiB" or a number of bytes',
  ]);
  assert.match(scriptErrors(stressed("payload: { bytes: 17MB }"))[0], /must be at most 16MB/);
  assert.match(scriptErrors(stressed("width: 0"))[0], /^x\.yaml:13:10: stress\.width/);
  assert.match(scriptErrors(stressed("wide: 3"))[0], /stress/);
});
