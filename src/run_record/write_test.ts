import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LinesFile } from "./lines_file.ts";
import { redactorFor } from "../http/redact.ts";
import { V1, v1Text } from "../../testing/run_record.ts";
import { parseRunRecord, parseSessionLine, readSessionsFile } from "./read.ts";
import { type ManifestSession, RECORD_VERSION } from "./schema.ts";
import { recordText, sessionLine } from "./write.ts";

const manifest = () => parseRunRecord(v1Text(V1.manifest), V1.manifest).record;
const loadReport = () => parseRunRecord(v1Text(V1.loadReport), V1.loadReport).record;
const sessions = (): ManifestSession[] =>
  v1Text(V1.sessions).trim().split("\n").map((text, i) =>
    parseSessionLine(text, { file: V1.sessions, line: i + 1 })
  );

test("a manifest, a load report and a merged report written then read are the records written", () => {
  const report = loadReport();
  const { sessionsFile: _file, ...rest } = report as { sessionsFile: string };
  const merged = {
    ...rest,
    shards: { n: 2, merged: [1], missing: [2] },
    sessionsFiles: ["out/a.jsonl"],
  } as Parameters<typeof recordText>[0];
  for (const record of [manifest(), report, merged]) {
    const text = recordText(record, {});
    assert.deepEqual(parseRunRecord(text, "out/x.json").record, record);
  }
});

test("recordText() writes the record version right after tool, resources for fixtures", () => {
  const written = JSON.parse(recordText(manifest(), {}));
  assert.deepEqual(Object.keys(written).slice(0, 3), ["tool", "recordVersion", "version"]);
  assert.equal(written.recordVersion, RECORD_VERSION);
  assert.equal(written.fixtures, undefined);
  assert.deepEqual(written.resources.scoreConfigs.map((c: { id: string }) => c.id), ["sc-1"]);
});

test("recordText() removes the run's secrets from the file", () => {
  const record = manifest();
  record.target.describe = "Langfuse at http://lf.test (key sk-lf-0123456789)";
  const text = recordText(record, { LANGFUSE_SECRET_KEY: "sk-lf-0123456789" });
  assert.ok(!text.includes("sk-lf-0123456789"));
  assert.match(text, /key \[redacted\]/);
});

test("a sessions file written line by line then streamed back holds the sessions written", async () => {
  const file = join(await mkdtemp(join(tmpdir(), "run-record-")), "run.sessions.jsonl");
  const lines = LinesFile.open(file);
  const clean = redactorFor({});
  for (const session of sessions()) lines.write(clean(sessionLine(session)));
  lines.close();
  const read: ManifestSession[] = [];
  for await (const session of readSessionsFile(file)) read.push(session);
  assert.deepEqual(read, sessions());
  assert.match(sessionLine(read[0]), /^\{"recordVersion":2,"script":"order-status",/);
});
