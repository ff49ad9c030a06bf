import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { V1, v1Json, v1Text } from "../../testing/run_record.ts";
import { parseRunRecord, parseSessionLine, readSessionsFile, RunRecordError } from "./read.ts";
import type { ManifestSession } from "./schema.ts";
import { fileURLToPath } from "node:url";
import { V1_DIR } from "../../testing/run_record.ts";

const NEWER = "record version 3 is newer than this session-replay reads (up to 2); " +
  "read it with the session-replay that wrote it, or a newer one";

test("a version-1 manifest written by today's code reads with its fixtures as resources", () => {
  const v1 = v1Json(V1.manifest);
  const { kind, record } = parseRunRecord(v1Text(V1.manifest), V1.manifest);
  assert.equal(kind, "replay");
  assert.equal(record.runId, "run_dc08756ac8a0");
  assert.deepEqual(record.resources, v1.fixtures);
  assert.ok(!("fixtures" in record));
  // Nothing of the file is lost: the record is the file, `fixtures` renamed.
  const { fixtures, ...rest } = v1;
  assert.deepEqual(record, { ...rest, resources: fixtures });
});

test("a version-1 load report reads as the record it holds, every field kept", () => {
  const { kind, record } = parseRunRecord(v1Text(V1.loadReport), V1.loadReport);
  assert.equal(kind, "load");
  assert.deepEqual(record, v1Json(V1.loadReport));
});

test("an older merge's space-joined sessionsFile reads as its sessionsFiles", () => {
  const { sessionsFile: _file, ...report } = v1Json(V1.loadReport);
  const older = { ...report, shards: { n: 2, merged: [1, 2], missing: [] } };
  const text = JSON.stringify({ ...older, sessionsFile: "out/a.jsonl out/b.jsonl" });
  const { record } = parseRunRecord(text, "older.merged.json");
  assert.deepEqual("sessionsFiles" in record && record.sessionsFiles, [
    "out/a.jsonl",
    "out/b.jsonl",
  ]);
});

test("readSessionsFile() streams a version-1 sessions file, each line the session written", async () => {
  const file = fileURLToPath(new URL(V1.sessions, V1_DIR));
  const read: ManifestSession[] = [];
  for await (const session of readSessionsFile(file)) read.push(session);
  const written = v1Text(V1.sessions).trim().split("\n").map((line) => JSON.parse(line));
  assert.deepEqual(read, written);
  assert.deepEqual(read.map((s) => s.sessionId), v1Json(V1.loadReport).sessionIds);
});

/** The message and fields of the RunRecordError `run` throws. */
function refusal(run: () => unknown): Partial<RunRecordError> {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof RunRecordError, String(error));
    const { message, file, line, field, version } = error;
    return JSON.parse(JSON.stringify({ message, file, line, field, version }));
  }
  assert.fail("not refused");
}

test("a manifest of a newer record version is refused, naming the file and the version", () => {
  const text = JSON.stringify({ ...v1Json(V1.manifest), recordVersion: 3 });
  assert.deepEqual(refusal(() => parseRunRecord(text, "out/run_x.json")), {
    message: `out/run_x.json: ${NEWER}`,
    file: "out/run_x.json",
    field: "recordVersion",
    version: 3,
  });
});

test("a truncated manifest, a wrong type and a missing field are refused naming file and field", () => {
  const text = v1Text(V1.manifest);
  assert.deepEqual(refusal(() => parseRunRecord(text.slice(0, 400), "out/cut.json")), {
    message: "out/cut.json: is not JSON, so not a manifest or load report",
    file: "out/cut.json",
  });
  const manifest = v1Json(V1.manifest) as { sessions: ManifestSession[] };
  (manifest.sessions[0].traces[1] as unknown as Record<string, unknown>).turn = "2";
  assert.deepEqual(refusal(() => parseRunRecord(JSON.stringify(manifest), "out/m.json")), {
    message: "out/m.json: sessions[0].traces[1].turn must be a number, not a string",
    file: "out/m.json",
    field: "sessions[0].traces[1].turn",
  });
  const { population: _population, ...report } = v1Json(V1.loadReport);
  assert.deepEqual(refusal(() => parseRunRecord(JSON.stringify(report), "out/r.load.json")), {
    message: "out/r.load.json: population is missing",
    file: "out/r.load.json",
    field: "population",
  });
  const odd = JSON.stringify({ ...v1Json(V1.manifest), recordVersion: "2" });
  assert.equal(
    refusal(() => parseRunRecord(odd, "out/v.json")).message,
    'out/v.json: recordVersion must be a whole number of at least 1, not "2"',
  );
  assert.equal(
    refusal(() => parseRunRecord('{"tool":"k6"}', "out/k6.json")).message,
    "out/k6.json: is not a session-replay manifest or load report",
  );
});

test("a sessions line that is no object, of a newer version or with a wrong field names file:line and field", () => {
  const place = { file: "out/s.jsonl", line: 7 };
  const session = v1Text(V1.sessions).split("\n")[0];
  assert.deepEqual(refusal(() => parseSessionLine("[1]", place)), {
    message: "out/s.jsonl:7: is not a session (a JSON object), but an array",
    ...place,
  });
  assert.deepEqual(refusal(() => parseSessionLine('{"sessionId":', place)), {
    message: "out/s.jsonl:7: is not a JSON session line",
    ...place,
  });
  const newer = JSON.stringify({ recordVersion: 3, ...JSON.parse(session) });
  assert.deepEqual(refusal(() => parseSessionLine(newer, place)), {
    message: `out/s.jsonl:7: ${NEWER}`,
    ...place,
    field: "recordVersion",
    version: 3,
  });
  const wrong = JSON.parse(session);
  wrong.traces[0].traceId = 42;
  delete wrong.userId;
  assert.deepEqual(refusal(() => parseSessionLine(JSON.stringify(wrong), place)), {
    message: "out/s.jsonl:7: userId is missing (and 1 more problem)",
    ...place,
    field: "userId",
  });
});

test("readSessionsFile() names the line of a bad session after reading the good ones", async () => {
  const dir = await mkdtemp(join(tmpdir(), "run-record-"));
  const file = join(dir, "run.sessions.jsonl");
  const [good] = v1Text(V1.sessions).split("\n");
  await writeFile(file, `${good}\n\n${JSON.stringify({ ...JSON.parse(good), tags: "a" })}\n`);
  const read: string[] = [];
  await assert.rejects(
    async () => {
      for await (const session of readSessionsFile(file)) read.push(session.sessionId);
    },
    {
      name: "RunRecordError",
      message: `${file}:3: tags must be an array, not a string`,
      line: 3,
      field: "tags",
    },
  );
  assert.equal(read.length, 1);
});
