import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { cp, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../main.ts";
import { startOtlpReceiver } from "../export/receiver.ts";
import type { LoadReport } from "../report/load_report.ts";
import type { ManifestSession, RunReport } from "../report/run_report.ts";
import { captureIo } from "../../testing/io.ts";
import { langfuseEnv } from "../../testing/langfuse.ts";
import { withFakeLangfuse } from "../../testing/servers.ts";
import { runTask } from "../../testing/tasks.ts";

const SCRIPT = "conversations/order-status.yaml";
const AT = "2026-11-20T14:00:00Z";

/** The sessions a load report's sessions file holds. */
async function sessionsOf(report: LoadReport): Promise<ManifestSession[]> {
  const text = await readFile(report.sessionsFile, "utf8");
  return text.split("\n").filter(Boolean).map((line) => JSON.parse(line));
}

const traceIds = (sessions: ManifestSession[]) =>
  sessions.flatMap((s) => s.traces.map((t) => t.traceId)).sort();

describe("one run, one identity", () => {
  it(
    "two loads with one seed and --at but other --sessions, run at once into one --out-dir, keep their own sessions files, and purge deletes exactly the first's traces",
    {
      timeout: 120_000,
    },
    async () => {
      await withFakeLangfuse({ mode: "v4" }, async (fake) => {
        const dir = await mkdtemp(join(tmpdir(), "identity-"));
        const env = langfuseEnv(fake);
        const load = (sessions: number) =>
          runTask("load", [
            SCRIPT,
            "--sessions",
            String(sessions),
            "--seed",
            "3",
            "--at",
            AT,
            "--workers",
            "1",
            "--out-dir",
            dir,
            "--report",
            join(dir, `${sessions}.load.json`),
          ], env);
        const [small, large] = await Promise.all([load(6), load(14)]);
        assert.equal(small.code, 0, small.stderr);
        assert.equal(large.code, 0, large.stderr);
        const read = async (n: number): Promise<LoadReport> =>
          JSON.parse(await readFile(join(dir, `${n}.load.json`), "utf8"));
        const [a, b] = [await read(6), await read(14)];
        assert.notEqual(a.runId, b.runId, "other --sessions is another run");
        assert.notEqual(a.sessionsFile, b.sessionsFile);
        const [sa, sb] = [await sessionsOf(a), await sessionsOf(b)];
        assert.equal(sa.length, 6);
        assert.equal(sb.length, 14);
        assert.equal(traceIds(sa).length, a.traces, "the sessions file holds the run's traces");

        // In-process: `deno task purge` cannot write its purge-left file (no --allow-write).
        const purge = captureIo(env);
        assert.equal(await main(["purge", join(dir, "6.load.json"), "--yes"], purge.io), 0);
        assert.match(purge.out(), new RegExp(`delete +${a.traces} traces in 6 sessions`));
        assert.deepEqual([...fake.deletedTraceIds].sort(), traceIds(sa));
      });
    },
  );

  it(
    "the run id changes with every input that shapes the spans (script contents, population, schedule, target, protocol) and with nothing else",
    {
      timeout: 60_000,
    },
    async () => {
      const receiver = await startOtlpReceiver();
      try {
        const dir = await mkdtemp(join(tmpdir(), "identity-"));
        // The same path, other contents: an edited script is another run.
        const edited = join(dir, "order-status.yaml");
        const original = await readFile(SCRIPT, "utf8");
        await writeFile(edited, original);
        await cp("conversations/prompts", join(dir, "prompts"), { recursive: true });
        let n = 0;
        const runIdOf = async (args: string[], env: Record<string, string> = {}) => {
          const report = join(dir, `${++n}.load.json`);
          const run = captureIo(env);
          const code = await main(
            ["load", ...args, "--seed", "9", "--at", AT, "--out-dir", dir, "--report", report],
            run.io,
          );
          assert.equal(code, 0, run.err());
          return (JSON.parse(await readFile(report, "utf8")) as LoadReport).runId;
        };
        const file = ["--target", "file", "--out", join(dir, "spans.jsonl")];
        const base = [edited, "--sessions", "4", ...file];
        const id = await runIdOf(base);
        const same: [string, string[]][] = [
          ["another --out", [
            edited,
            "--sessions",
            "4",
            "--target",
            "file",
            "--out",
            join(dir, "x"),
          ]],
          ["--workers 2", [...base, "--workers", "2"]],
          ["--batch-size 7", [...base, "--batch-size", "7"]],
          ["the script by another path", [
            "conversations/../" + SCRIPT,
            "--sessions",
            "4",
            ...file,
          ]],
          // The shards of a run send exactly its spans, so they carry its id.
          ["--shard 1/2", [...base, "--shard", "1/2"]],
          ["--shard 2/3", [...base, "--shard", "2/3"]],
        ];
        for (const [what, args] of same) assert.equal(await runIdOf(args), id, what);
        const otlp = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url };
        const other: [string, string[], Record<string, string>?][] = [
          ["--sessions 5", [edited, "--sessions", "5", ...file]],
          ["--users 2", [...base, "--users", "2"]],
          ["--spread 2d", [...base, "--spread", "2d"]],
          ["--weight", [...base, "--weight", "order-status=2"]],
          ["the otlp target", [edited, "--sessions", "4"], otlp],
          ["http/json", [edited, "--sessions", "4", "--protocol", "http/json"], otlp],
        ];
        const ids = new Map<string, string>([[id, "the first run"]]);
        for (const [what, args, env] of other) {
          const runId = await runIdOf(args, env);
          assert.ok(!ids.has(runId), `${what} has the run id of ${ids.get(runId)}`);
          ids.set(runId, what);
        }
        await writeFile(edited, original.replace(/\n$/, "\n# a comment changes nothing\n"));
        assert.equal(await runIdOf(base), id, "a comment does not shape the spans");
        await writeFile(edited, original.replace("order-status", "order-status-v2"));
        assert.ok(!ids.has(await runIdOf(base)), "other contents are another run");
      } finally {
        await receiver.close();
      }
    },
  );

  it("a replay's run id changes with --plant, and its manifest records its identity", {
    timeout: 30_000,
  }, async () => {
    const replay = async (args: string[]): Promise<RunReport> => {
      const dir = await mkdtemp(join(tmpdir(), "identity-"));
      const run = captureIo();
      const code = await main(
        ["replay", SCRIPT, "--seed", "4", "--at", AT, "--manifest-dir", dir, "--quiet", ...args],
        run.io,
      );
      assert.equal(code, 0, run.err());
      const [name] = await readdir(dir);
      return JSON.parse(await readFile(join(dir, name), "utf8"));
    };
    const plain = await replay([]);
    const planted = await replay(["--plant", "unsolved"]);
    assert.notEqual(planted.runId, plain.runId);
    assert.equal(plain.identity?.command, "replay");
    assert.deepEqual(plain.identity?.scripts.map((s) => s.file), [SCRIPT]);
    assert.match(plain.identity?.scripts[0].sha256 ?? "", /^[0-9a-f]{64}$/);
    assert.deepEqual(planted.identity?.shape, { plant: "unsolved" });
    assert.deepEqual(plain.identity?.target, { kind: "preview", protocol: "http/json" });
  });
});
