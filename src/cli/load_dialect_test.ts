import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../main.ts";
import { captureIo } from "../../testing/io.ts";
import { decodeTraceRequest } from "../otlp/decode.ts";

async function load(dir: string, extra: string[]): Promise<string> {
  const run = captureIo();
  const args = ["load", "conversations/order-status.yaml", "conversations/refund.yaml"];
  const out = ["--target", "file", "--out", join(dir, "spans.jsonl"), "--out-dir", dir];
  const code = await main([...args, "--sessions", "200", "--seed", "7", ...out, ...extra], run.io);
  assert.equal(code, 0, run.err());
  return run.out();
}

test("load --dialect mixed draws each session's dialect by share, recorded per session and in the report", async () => {
  const dir = await mkdtemp(join(tmpdir(), "session-replay-mixed-"));
  const summary = await load(dir, ["--dialect", "mixed=langfuse:50,vercel:30,openinference:20"]);
  assert.match(summary, /^ {2}dialect {4}mixed=langfuse:50,vercel:30,openinference:20$/m);
  const files = await readdir(dir);
  const lines =
    (await readFile(join(dir, files.find((f) => f.endsWith(".sessions.jsonl"))!), "utf8"))
      .split("\n").filter((line) => line !== "").map((line) => JSON.parse(line));
  assert.equal(lines.length, 200);
  // Every session says its dialect, Langfuse's own too: a mixed run's file is read by dialect.
  assert.deepEqual(lines.filter((s) => s.dialect === undefined), []);
  const share = (name: string) => lines.filter((s) => s.dialect === name).length / lines.length;
  assert.ok(Math.abs(share("langfuse") - 0.5) <= 0.05, `langfuse ${share("langfuse")}`);
  assert.ok(Math.abs(share("vercel") - 0.3) <= 0.05, `vercel ${share("vercel")}`);
  assert.ok(Math.abs(share("openinference") - 0.2) <= 0.05);
  const report = JSON.parse(
    await readFile(join(dir, files.find((f) => f.endsWith(".load.json"))!), "utf8"),
  );
  assert.equal(report.dialect, "mixed=langfuse:50,vercel:30,openinference:20");
  assert.equal(report.identity.shape.dialect, report.dialect);

  // Each session's spans are in its dialect: a Vercel session's calls under scope ai.
  const vercel = new Set(lines.filter((s) => s.dialect === "vercel").map((s) => s.sessionId));
  const spans = (await readFile(join(dir, "spans.jsonl"), "utf8")).split("\n")
    .filter((line) => line !== "")
    .flatMap((line) => decodeTraceRequest(new TextEncoder().encode(line), "application/json"));
  const aiSessions = new Set(
    spans.filter((s) => s.scope.name === "ai").map((s) =>
      s.attributes["ai.telemetry.metadata.sessionId"]
    ),
  );
  assert.deepEqual([...aiSessions].sort(), [...vercel].sort());
});

test("load without --dialect keeps its run id; with a dialect it is another run", async () => {
  const runIdOf = async (extra: string[]) => {
    const dir = await mkdtemp(join(tmpdir(), "session-replay-mixed-"));
    await load(dir, extra);
    return (await readdir(dir)).find((f) => f.endsWith(".load.json"))!.split(".")[0];
  };
  const plain = await runIdOf([]);
  assert.equal(await runIdOf(["--dialect", "langfuse"]), plain);
  assert.notEqual(await runIdOf(["--dialect", "mixed=langfuse:1"]), plain);
});
