import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../main.ts";
import type { RunReport } from "../report/run_report.ts";
import { captureIo } from "../../testing/io.ts";

const SCRIPT = "conversations/order-status.yaml";

test("replay --plant lost_state writes the answer key to the manifest and only the changed answer to the spans", async () => {
  const dir = await mkdtemp(join(tmpdir(), "plant-"));
  const out = join(dir, "spans.jsonl");
  const run = captureIo();
  const code = await main(
    ["replay", SCRIPT, "--seed", "7", "--target", "file", "--out", out, "--manifest-dir", dir],
    run.io,
  );
  assert.equal(code, 0, run.err());
  const planted = captureIo();
  const plantedOut = join(dir, "planted.jsonl");
  const plantedDir = join(dir, "planted");
  assert.equal(
    await main(
      [
        ...["replay", SCRIPT, "--seed", "7", "--target", "file", "--out", plantedOut],
        ...["--manifest-dir", plantedDir, "--plant", "lost_state"],
      ],
      planted.io,
    ),
    0,
    planted.err(),
  );
  const [manifestFile] = (await readdir(plantedDir)).filter((name) => name.endsWith(".json"));
  const manifest = JSON.parse(await readFile(join(plantedDir, manifestFile), "utf8")) as RunReport;
  const [session] = manifest.sessions;
  assert.equal(session.findings?.length, 1);
  const [key] = session.findings!;
  assert.equal(key.finding, "lost_state");
  assert.equal(key.traceId, session.traces[key.turn - 1].traceId);
  // The label never leaves the machine; the spans differ from the plain run in content only.
  const spans = await readFile(plantedOut, "utf8");
  assert.doesNotMatch(spans, /lost_state|finding/);
  assert.match(spans, /Could you tell me/);
  assert.doesNotMatch(await readFile(out, "utf8"), /Could you tell me/);
});

test("replay --plant refuses a name that is not a finding, or one the script has no variant of, before sending", async () => {
  const dir = await mkdtemp(join(tmpdir(), "plant-"));
  const out = join(dir, "spans.jsonl");
  for (
    const [script, finding, message] of [
      [
        SCRIPT,
        "rude",
        /--plant must be one of repeated_answer, lost_state, late_escalation, unsolved, not "rude"/,
      ],
      [
        "fixtures/scripts/quick.yaml",
        "lost_state",
        /--plant: fixtures\/scripts\/quick\.yaml: .*has no lost_state variant/,
      ],
    ] as const
  ) {
    const run = captureIo();
    const args = ["replay", script, "--target", "file", "--out", out, "--no-manifest"];
    assert.equal(await main([...args, "--plant", finding], run.io), 2, run.err());
    assert.match(run.err(), message);
    assert.doesNotMatch(run.err(), /Internal error/);
  }
  assert.deepEqual(await readdir(dir), []);
});
