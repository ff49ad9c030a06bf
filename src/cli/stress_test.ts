import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../main.ts";
import { loadSpecOf } from "./load.ts";
import { startOtlpReceiver } from "../export/receiver.ts";
import { type AttrValue, decodeTraceRequest, type ReceivedSpan } from "../otlp/decode.ts";
import { planSession } from "../plan/session.ts";
import { countSpans } from "../plan/types.ts";
import { readScriptFile } from "../script/read.ts";
import { captureIo } from "../../testing/io.ts";
import type { RunReport } from "../report/run_report.ts";

const AT = "2026-11-20T14:00:00Z";

/** Replays or loads `args` to the file target; the spans written, by trace, and the Io. */
async function toFile(args: string[]) {
  const dir = await mkdtemp(join(tmpdir(), "stress-"));
  const out = join(dir, "spans.jsonl");
  const run = captureIo();
  const code = await main(
    [...args, "--seed", "5", "--at", AT, "--target", "file", "--out", out, ...outputDir(args, dir)],
    run.io,
  );
  assert.equal(code, 0, run.err());
  const spans = (await readFile(out, "utf8")).trim().split("\n").flatMap((line) =>
    decodeTraceRequest(new TextEncoder().encode(line), "application/json")
  );
  const traces = Map.groupBy(spans, (span) => span.traceId);
  return { spans, traces, run };
}

/** Where a replay's manifest or a load's report goes. */
const outputDir = (args: string[], dir: string) =>
  args[0] === "load" ? ["--out-dir", dir] : ["--manifest-dir", dir];

const bytes = (text: AttrValue) => new TextEncoder().encode(text as string).length;
const rootOf = (spans: ReceivedSpan[]) => spans.find((span) => span.parentSpanId === undefined)!;
const childrenOf = (spans: ReceivedSpan[], parent: ReceivedSpan) =>
  spans.filter((span) => span.parentSpanId === parent.spanId);

function nesting(value: unknown): number {
  if (value === null || typeof value !== "object") return 0;
  return 1 + Math.max(0, ...Object.values(value).map(nesting));
}

test("a replay of stress/big-traces.yaml writes traces of 10,000 spans: 1 MB nested unicode input, 200 tool calls wide, a chain 50 deep", async () => {
  const { traces } = await toFile(["replay", "stress/big-traces.yaml"]);
  assert.equal(traces.size, 2);
  const { script } = await readScriptFile("stress/big-traces.yaml");
  const planned = planSession(script, {
    seed: 5,
    endMs: Date.parse(AT),
    file: "stress/big-traces.yaml",
  });
  for (const [position, spans] of [...traces.values()].entries()) {
    assert.equal(spans.length, 10_000, "observations per trace");
    const root = rootOf(spans);
    const input = root.attributes["langfuse.observation.input"];
    assert.equal(bytes(input), 1_000_000, "the input is 1 MB on the wire");
    assert.equal(root.attributes["langfuse.trace.input"], input);
    assert.equal(nesting(JSON.parse(input as string)), 20);
    // Byte for byte what was planned: astral characters and right-to-left text survive.
    assert.equal(input, JSON.stringify(planned.turns[position].root.input));
    assert.match(input as string, /[\u{10000}-\u{10ffff}]/u);
    assert.match(input as string, /[\u0590-\u05ff]/u);
    const tools = childrenOf(spans, root).filter((span) =>
      span.attributes["langfuse.observation.type"] === "tool"
    );
    // The 200 of `width`, and the turn's own tool call.
    assert.equal(tools.length, 201);
    let depth = 0;
    let link = childrenOf(spans, root).find((span) => span.name === "delegate level 1");
    while (link) {
      depth++;
      assert.equal(link.name, `delegate level ${depth}`);
      link = childrenOf(spans, link)[0];
    }
    assert.equal(depth, 50, "chain depth");
  }
});

test("a load of stress/long-session.yaml sends sessions of 300 turns, each turn's input and output 16 KB", async () => {
  const { traces, spans } = await toFile(["load", "stress/long-session.yaml", "--sessions", "2"]);
  assert.equal(traces.size, 600);
  const sessions = Map.groupBy(
    spans.filter((span) => span.parentSpanId === undefined),
    (span) => span.attributes["langfuse.session.id"],
  );
  assert.deepEqual([...sessions.values()].map((roots) => roots.length), [300, 300]);
  for (const roots of sessions.values()) {
    for (const root of roots) {
      assert.equal(bytes(root.attributes["langfuse.observation.input"]), 16_000);
      assert.equal(bytes(root.attributes["langfuse.observation.output"]), 16_000);
    }
  }
});

test("a span over the request limit is counted failed with its size, and the summary warns of each Langfuse limit", async () => {
  const receiver = await startOtlpReceiver();
  try {
    const dir = await mkdtemp(join(tmpdir(), "stress-"));
    const run = captureIo({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
    const code = await main(
      ["replay", "stress/over-limits.yaml", "--seed", "5", "--at", AT, "--manifest-dir", dir],
      run.io,
    );
    assert.equal(code, 4, "delivery failed");
    const manifest: RunReport = JSON.parse(
      await readFile(join(dir, (await readdir(dir))[0]), "utf8"),
    );
    assert.equal(manifest.spans.failed, 1);
    assert.match(
      Object.keys(manifest.spans.failures ?? {})[0] ?? "",
      /^a span is 11\.\d+ MiB encoded, over the request limit of 4 MiB$/,
    );
    assert.equal(receiver.spans.length, 24_999, "every other span was sent");
    for (const request of receiver.requests) assert.ok(request.bodyBytes <= 4 * 1024 * 1024);
    const err = run.err();
    assert.match(err, /warning: stress-over-limits: turn 1 input is 2\.86 MiB; Langfuse moves/);
    assert.match(err, /warning: .* span is at least 11\.\d+ MiB, over the request limit of 4 MiB/);
    assert.match(
      err,
      /warning: .*Langfuse logs spans over 9\.5 MB \(LANGFUSE_OTEL_MAX_SPAN_BYTES\)/,
    );
    assert.match(
      err,
      /warning: .* has 25000 observations; Langfuse's trace view loads the first 20,000/,
    );
  } finally {
    await receiver.close();
  }
});

test("validate warns of what a script's stress shapes pass and still calls it valid", async () => {
  const run = captureIo();
  const code = await main(
    ["validate", "stress/over-limits.yaml", "stress/big-traces.yaml"],
    run.io,
  );
  assert.equal(code, 0);
  const lines = run.out().split("\n");
  assert.equal(lines[0], "stress/over-limits.yaml: ok (1 turn)");
  assert.equal(
    lines.filter((line) => line.startsWith("stress/over-limits.yaml: warning: ")).length,
    4,
  );
  assert.ok(lines.includes("stress/big-traces.yaml: ok (2 turns)"));
  const long = captureIo();
  assert.equal(await main(["validate", "stress/long-session.yaml"], long.io), 0);
  // Its session plays 300: a bare "2 turns" would hide what a replay of it sends.
  assert.equal(
    long.out().trim(),
    "stress/long-session.yaml: ok (2 turns, played to 300 by stress.turns)",
  );
  assert.ok(!lines.some((line) => line.startsWith("stress/big-traces.yaml: warning")));
});

test("a live load's profile stress section applies to every script, over the script's own fields, and its sessions take the shapes", async () => {
  const dir = await mkdtemp(join(tmpdir(), "stress-"));
  const profile = join(dir, "profile.yaml");
  await writeFile(
    profile,
    "phases: [{ duration: 1m, rate: 1/s }]\nstress: { width: 30, observations: 500 }\n",
  );
  const run = captureIo({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318" });
  const built = await loadSpecOf(
    ["conversations/order-status.yaml", "stress/long-session.yaml", "--profile", profile],
    run.io,
  );
  assert.ok(built);
  const [order, long] = built.spec.scripts.map(({ script }) => script);
  assert.deepEqual(order.stress, { width: 30, observations: 500 });
  assert.equal(long.stress?.turns, 300, "the script's own fields stay");
  assert.equal(long.stress?.payload?.bytes, 16_000);
  const planned = planSession(order, { seed: 3, endMs: Date.parse(AT), file: "order.yaml" });
  for (const turn of planned.turns) {
    assert.equal(countSpans(turn.root), 500);
  }
});

test("a replay of stress/long-session.yaml lists its 300 traces in columns, whatever the turn number or kind", async () => {
  const { traces, run } = await toFile(["replay", "stress/long-session.yaml"]);
  assert.equal(traces.size, 300);
  const lines = run.out().split("\n").filter((line) => line.startsWith("  trace "));
  assert.equal(lines.length, 300);
  // "  trace 1   <id>  <name>  clarification   2 spans  24ms": each column starts where the
  // first line's does, for trace 300 as for trace 1, and after a 13-letter kind.
  const columns = (line: string) => [line.search(/[0-9a-f]{32}/), line.search(/ spans? /)];
  for (const line of lines) assert.deepEqual(columns(line), columns(lines[0]), line);
  assert.equal(columns(lines[0])[0], 12, lines[0]);
});
