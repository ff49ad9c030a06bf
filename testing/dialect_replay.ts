/**
 * Test helper: replays scripts with `--dialect` to the file target through the replay task, as a
 * user types it, and reads the spans back the way Langfuse will show them (the reader).
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeTraceRequest } from "../src/otlp/decode.ts";
import type { ReceivedSpan } from "../src/otlp/decode.ts";
import { interpretSpans } from "../src/langfuse/ingestion/view.ts";
import type { LangfuseView } from "../src/langfuse/ingestion/view.ts";
import { runTask } from "./tasks.ts";

/** The spans of an OTLP/JSON file with one export request per line (the file target's). */
export async function readSpanLines(file: string): Promise<ReceivedSpan[]> {
  const raw = await readFile(file, "utf8");
  return raw.split("\n").filter((line) => line !== "").flatMap((line) =>
    decodeTraceRequest(new TextEncoder().encode(line), "application/json")
  );
}

/** `replay <scripts> --dialect <dialect> --target file --seed 42`; the reader's view of the file. */
export async function replayView(scripts: string[], dialect: string): Promise<LangfuseView> {
  const dir = await mkdtemp(join(tmpdir(), "session-replay-dialect-view-"));
  const out = join(dir, "spans.jsonl");
  const run = await runTask("replay", [
    ...scripts,
    ...["--dialect", dialect, "--seed", "42", "--target", "file", "--out", out],
    ...["--manifest-dir", dir, "--quiet"],
  ]);
  assert.equal(run.code, 0, run.stderr);
  return interpretSpans(await readSpanLines(out));
}
