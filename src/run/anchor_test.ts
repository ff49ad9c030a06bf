import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../main.ts";
import type { FakeLangfuse } from "../../testing/fake_langfuse/server.ts";
import type { LoadReport } from "../report/load_report.ts";
import type { RunReport } from "../report/run_report.ts";
import { NOW } from "../../testing/clock.ts";
import { captureIo } from "../../testing/io.ts";
import { V1, v1Json } from "../../testing/run_record.ts";
import { callFake, langfuseEnv } from "../../testing/langfuse.ts";
import { sendSpans, type TestAttr } from "../../testing/otlp.ts";
import { withFakeLangfuse } from "../../testing/servers.ts";
import { isAbsoluteAt, resolveAnchor } from "./anchor.ts";

const SCRIPT = "conversations/order-status.yaml";

/** Runs `replay SCRIPT --seed 7 ...args` at `nowMs` into the fake; answers output and manifest. */
async function replayAt(fake: FakeLangfuse, dir: string, nowMs: number, args: string[] = []) {
  const run = captureIo(langfuseEnv(fake), { now: () => nowMs });
  const code = await main(
    ["replay", SCRIPT, "--seed", "7", "--manifest-dir", dir, ...args],
    run.io,
  );
  assert.equal(code, 0, run.err());
  const runId = /run\s+(run_[0-9a-f]+)/.exec(run.out())![1];
  const manifest: RunReport = JSON.parse(await readFile(join(dir, `${runId}.json`), "utf8"));
  return { out: run.out(), manifest, path: join(dir, `${runId}.json`) };
}

/** Runs verify on a manifest; answers the exit code and the output. */
async function verify(fake: FakeLangfuse, path: string): Promise<{ code: number; out: string }> {
  const check = captureIo(langfuseEnv(fake));
  const code = await main(["verify", path, "--timeout", "2s"], check.io);
  return { code, out: check.out() + check.err() };
}

/** Span ids the fake stores more than once. */
function duplicated(fake: FakeLangfuse): string[] {
  const ids = fake.spans.map((s) => s.spanId);
  return ids.filter((id, i) => ids.indexOf(id) !== i);
}

const tempDir = () => mkdtemp(join(tmpdir(), "anchor-"));

describe("a seeded re-run", () => {
  it("a few seconds later re-uses the anchor, overwrites the same traces in v4, and verifies", {
    timeout: 30_000,
  }, async () => {
    await withFakeLangfuse({ mode: "v4" }, async (fake) => {
      const dir = await tempDir();
      const first = await replayAt(fake, dir, NOW);
      const sent = fake.spans.length;
      const again = await replayAt(fake, dir, NOW + 5_000);
      assert.match(
        again.out,
        /re-using the time anchor of run_[0-9a-f]+ \(.*\): a seeded re-run overwrites the same traces; pass --at to choose another/,
      );
      assert.equal(again.manifest.runId, first.manifest.runId);
      assert.equal(again.manifest.anchor?.ms, NOW);
      assert.equal(again.manifest.anchor?.reusedFrom, first.manifest.runId);
      assert.equal(fake.spans.length, sent, "every observation stored once");
      assert.deepEqual(duplicated(fake), []);
      const result = await verify(fake, again.path);
      assert.equal(result.code, 0, result.out);
    });
  });

  it("with another absolute --at is a second set of traces, never a second row of one id", {
    timeout: 30_000,
  }, async () => {
    await withFakeLangfuse({ mode: "v4" }, async (fake) => {
      const dir = await tempDir();
      const a = await replayAt(fake, dir, NOW, ["--at", "2026-11-20T14:00:00Z"]);
      const sent = fake.spans.length;
      const b = await replayAt(fake, dir, NOW + 5_000, ["--at", "2026-11-21T14:00:00Z"]);
      assert.doesNotMatch(b.out, /re-using/);
      assert.notEqual(a.manifest.runId, b.manifest.runId);
      const traces = (m: RunReport) => m.sessions.flatMap((s) => s.traces.map((t) => t.traceId));
      assert.equal(traces(a.manifest).filter((id) => traces(b.manifest).includes(id)).length, 0);
      assert.equal(fake.spans.length, 2 * sent);
      assert.deepEqual(duplicated(fake), []);
      for (const run of [a, b]) {
        const result = await verify(fake, run.path);
        assert.equal(result.code, 0, result.out);
      }
    });
  });

  it("of a load backfill with a relative --at re-uses the window end and adds no duplicate", {
    timeout: 30_000,
  }, async () => {
    await withFakeLangfuse({ mode: "v4" }, async (fake) => {
      const dir = await tempDir();
      const load = async (nowMs: number) => {
        const run = captureIo(langfuseEnv(fake), { now: () => nowMs });
        const args = ["load", SCRIPT, "--seed", "3", "--sessions", "4", "--at=-1h"];
        const code = await main([...args, "--out-dir", dir], run.io);
        assert.equal(code, 0, run.err());
        return run.out();
      };
      await load(NOW);
      const sent = fake.spans.length;
      const out = await load(NOW + 7_000);
      assert.match(out, /re-using the time anchor of run_/);
      assert.equal(fake.spans.length, sent);
      assert.deepEqual(duplicated(fake), []);
      const reports = (await readdir(dir)).filter((n) => n.endsWith(".load.json"));
      assert.equal(reports.length, 1, "one run: the same run id");
      const report: LoadReport = JSON.parse(await readFile(join(dir, reports[0]), "utf8"));
      assert.equal(report.anchor?.ms, NOW - 3_600_000);
      assert.equal(report.anchor?.spec, "-1h");
    });
  });

  it(
    "of a load backfill finds its anchor beside a --report outside --out-dir and sends no second set",
    {
      timeout: 30_000,
    },
    async () => {
      await withFakeLangfuse({ mode: "v4" }, async (fake) => {
        const [outDir, reports] = [await tempDir(), await tempDir()];
        const load = async (nowMs: number) => {
          const run = captureIo(langfuseEnv(fake), { now: () => nowMs });
          const code = await main([
            "load",
            SCRIPT,
            "--seed",
            "3",
            "--sessions",
            "4",
            "--at=-1h",
            "--out-dir",
            outDir,
            "--report",
            join(reports, "run.load.json"),
          ], run.io);
          assert.equal(code, 0, run.err());
          return run.out();
        };
        await load(NOW);
        const sent = fake.spans.length;
        assert.match(await load(NOW + 7_000), /re-using the time anchor of run_/);
        assert.equal(fake.spans.length, sent, "the same traces, overwritten");
        assert.deepEqual(duplicated(fake), []);
      });
    },
  );

  it("with other --sessions or another target is another run: it re-uses no anchor", {
    timeout: 30_000,
  }, async () => {
    await withFakeLangfuse({ mode: "v4" }, async (fake) => {
      const dir = await tempDir();
      const load = async (nowMs: number, extra: string[]) => {
        const run = captureIo(langfuseEnv(fake), { now: () => nowMs });
        const args = ["load", SCRIPT, "--seed", "3", "--at=-1h", "--out-dir", dir, ...extra];
        assert.equal(await main(args, run.io), 0, run.err());
        return run.out();
      };
      await load(NOW, ["--sessions", "4"]);
      const others: [string, string[]][] = [
        ["--sessions 5", ["--sessions", "5"]],
        ["the file target", ["--sessions", "4", "--target", "file", "--out", join(dir, "s")]],
      ];
      for (const [what, extra] of others) {
        assert.doesNotMatch(await load(NOW + 7_000, extra), /re-using/, what);
      }
      const reports = (await readdir(dir)).filter((n) => n.endsWith(".load.json"));
      assert.equal(reports.length, 3, "three runs, three reports");
    });
  });
});

describe("verify", () => {
  for (const mode of ["v4", "v3"] as const) {
    const title = mode === "v4"
      ? "names an observation stored twice on v4 as a duplicate and exits 5"
      : "matches on v3 after a span is re-sent with another start time: v3 keeps one per id";
    it(title, { timeout: 30_000 }, async () => {
      await withFakeLangfuse({ mode }, async (fake) => {
        const dir = await tempDir();
        const run = await replayAt(fake, dir, NOW, ["--at", "2026-11-20T14:00:00Z"]);
        const leaf = fake.spans.find((s) => s.parentSpanId !== undefined)!;
        // The same span again, one second later: v4 keeps it as a second row of the same id.
        const again = {
          traceId: leaf.traceId,
          spanId: leaf.spanId,
          parentSpanId: leaf.parentSpanId,
          name: leaf.name,
          startMs: Number(leaf.startTimeUnixNano / 1_000_000n) + 1_000,
          endMs: Number(leaf.endTimeUnixNano / 1_000_000n) + 1_000,
          attributes: leaf.attributes as Record<string, TestAttr>,
        };
        assert.equal((await sendSpans(fake, [again])).status, 200);
        const result = await verify(fake, run.path);
        if (mode === "v3") {
          // v3 merges a re-sent span into the observation of its id: still one.
          assert.equal(result.code, 0, result.out);
          return;
        }
        assert.equal(result.code, 5, result.out);
        assert.match(
          result.out,
          new RegExp(`observations\\.duplicated: \\[\\] → \\[.*${leaf.spanId} ×2`),
        );
      });
    });
  }
});

describe("the fake Langfuse", () => {
  it("keeps a span re-sent with another start time as a second v4 row, one with the same time", {
    timeout: 30_000,
  }, async () => {
    await withFakeLangfuse({ mode: "v4" }, async (fake) => {
      const span = {
        traceId: "0a".repeat(16),
        spanId: "0b".repeat(8),
        name: "tool",
        startMs: NOW - 10_000,
        endMs: NOW - 9_000,
        attributes: {},
      };
      await sendSpans(fake, [span]);
      await sendSpans(fake, [span]);
      await sendSpans(fake, [{ ...span, startMs: NOW - 5_000, endMs: NOW - 4_000 }]);
      const page = await callFake(
        fake,
        "GET",
        "/api/public/v2/observations?traceId=" + span.traceId,
      );
      const rows = (page.body as { data: { id: string; startTime: string }[] }).data;
      assert.deepEqual(rows.map((r) => r.id), [span.spanId, span.spanId]);
      assert.notEqual(rows[0].startTime, rows[1].startTime);
    });
  });

  it(
    "keeps one v3 observation per id, the latest start time winning",
    { timeout: 30_000 },
    async () => {
      await withFakeLangfuse({ mode: "v3" }, async (fake) => {
        const span = {
          traceId: "0c".repeat(16),
          spanId: "0d".repeat(8),
          name: "tool",
          startMs: NOW - 10_000,
          endMs: NOW - 9_000,
          attributes: {},
        };
        await sendSpans(fake, [span]);
        await sendSpans(fake, [{ ...span, startMs: NOW - 5_000, endMs: NOW - 4_000 }]);
        assert.equal(fake.spans.length, 1);
        assert.equal(fake.spans[0].startTimeUnixNano, BigInt(NOW - 5_000) * 1_000_000n);
      });
    },
  );
});

describe("resolveAnchor", () => {
  it(
    "uses an absolute --at as is, even with an earlier manifest",
    { timeout: 30_000 },
    async () => {
      assert.ok(isAbsoluteAt("2026-11-20T14:00:00Z"));
      assert.ok(!isAbsoluteAt("-3d") && !isAbsoluteAt("now") && !isAbsoluteAt(undefined));
      const { anchor, note } = await resolveAnchor({
        command: "replay",
        seed: 7,
        seeded: true,
        scripts: [SCRIPT],
        fingerprint: "0123456789abcdef",
        at: "2026-11-20T14:00:00Z",
        dirs: [await tempDir()],
        nowMs: NOW,
      });
      assert.equal(anchor.ms, Date.parse("2026-11-20T14:00:00Z"));
      assert.equal(note, undefined);
    },
  );

  it("re-uses only the anchor of an earlier manifest with the same seed, identity and --at", {
    timeout: 30_000,
  }, async () => {
    await withFakeLangfuse({ mode: "v4" }, async (fake) => {
      const dir = await tempDir();
      const { manifest } = await replayAt(fake, dir, NOW);
      const same = {
        command: "replay",
        seed: 7,
        seeded: true,
        scripts: [SCRIPT],
        fingerprint: manifest.identity!.fingerprint,
        dirs: [dir],
        nowMs: NOW + 1_000,
      };
      assert.equal((await resolveAnchor(same)).anchor.ms, NOW, "the same run re-uses it");
      const cases: [string, Partial<typeof same> & { at?: string }, number][] = [
        ["another seed", { seed: 8 }, NOW + 1_000],
        ["another identity", { fingerprint: "0123456789abcdef" }, NOW + 1_000],
        ["another --at", { at: "-2h" }, NOW + 1_000 - 7_200_000],
        ["no seed", { seeded: false }, NOW + 1_000],
        ["another command", { command: "load" }, NOW + 1_000],
      ];
      for (const [what, change, ms] of cases) {
        const { anchor, note } = await resolveAnchor({ ...same, ...change });
        assert.equal(anchor.ms, ms, what);
        assert.equal(note, undefined, what);
      }
    });
  });

  it("re-uses a version-1 manifest's anchor, and none from one of a newer version or a wrong field", async () => {
    const dir = await tempDir();
    // Today's version-1 manifest of a seeded replay, as if run with --at now.
    const v1 = v1Json(V1.manifest) as RunReport & { anchor: { spec: string; ms: number } };
    v1.anchor.spec = "now";
    const run = {
      command: "replay",
      seed: 42,
      seeded: true,
      scripts: [SCRIPT],
      fingerprint: v1.identity!.fingerprint,
      dirs: [dir],
      nowMs: v1.anchor.ms + 60_000,
    };
    const path = join(dir, `${v1.runId}.json`);
    await writeFile(path, JSON.stringify(v1));
    const reused = await resolveAnchor(run);
    assert.equal(reused.anchor.ms, v1.anchor.ms);
    assert.equal(reused.anchor.reusedFrom, v1.runId);
    for (const unreadable of [{ ...v1, recordVersion: 3 }, { ...v1, seeded: "yes" }]) {
      await writeFile(path, JSON.stringify(unreadable));
      const { anchor, note } = await resolveAnchor(run);
      assert.equal(anchor.ms, run.nowMs, JSON.stringify(Object.keys(unreadable).at(-1)));
      assert.equal(note, undefined);
    }
  });
});
