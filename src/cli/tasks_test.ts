import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { COMMANDS } from "../main.ts";
import type { FakeLangfuse } from "../../testing/fake_langfuse/server.ts";
import { langfuseEnv } from "../../testing/langfuse.ts";
import { withFakeLangfuse } from "../../testing/servers.ts";
import { runTask, type TaskResult } from "../../testing/tasks.ts";
import { taskCommand } from "../runtime.ts";
import { parse, stringify } from "yaml";

/** What a run through a task must never print: a permission the task lacks, or a crash. */
const NOT_GRANTED = /NotCapable|PermissionDenied|Requires \w+ access|Internal error/;

const SESSION = "conv_82d9535867844b4c8cdff";
const AT = "2026-11-25T12:00:00Z";

/** One command run through its task, on a path that writes, reads env, uses the net or workers. */
interface TaskCase {
  task: string;
  /** What the case exercises. */
  what: string;
  args: string[];
  env?: Record<string, string>;
  exit: number;
}

function cases(dir: string, fake: FakeLangfuse): TaskCase[] {
  const lf = langfuseEnv(fake);
  const manifestDir = join(dir, "manifests");
  /** Shard k of 2 of one seeded backfill to a file, its report beside it. */
  const shard = (k: number, extra: string[]) => [
    "conversations/order-status.yaml",
    ...["--sessions", "20", "--seed", "1", "--at", AT, "--shard", `${k}/2`, "--target", "file"],
    ...["--out", join(dir, "load", `spans.${k}.jsonl`), "--out-dir", join(dir, "load"), ...extra],
  ];
  return [
    {
      task: "validate",
      what: "reads scripts and the prompts file they name",
      args: ["conversations/order-status.yaml", "conversations/refund.yaml"],
      exit: 0,
    },
    {
      task: "replay",
      what: "the preview: listens on loopback, writes the manifest and an HTML page",
      args: [
        "conversations/refund.yaml",
        "--manifest-dir",
        join(dir, "preview"),
        "--html",
        join(dir, "html", "replay.html"),
        "--quiet",
      ],
      exit: 0,
    },
    {
      task: "replay",
      what: "to Langfuse with resources, review layer and --verify",
      args: [
        "conversations/order-status.yaml",
        "--seed",
        "5",
        "--plant",
        "lost_state",
        "--review",
        "conversations/reviews/training.yaml",
        "--manifest-dir",
        manifestDir,
        "--verify",
        "--quiet",
      ],
      env: lf,
      exit: 0,
    },
    {
      task: "load",
      what: "two worker threads, a file target, the report, sessions file and HTML page",
      args: shard(1, ["--workers", "2", "--html", join(dir, "load", "load.html")]),
      exit: 0,
    },
    {
      task: "load",
      what: "the other shard of the same run",
      args: shard(2, []),
      exit: 0,
    },
    {
      task: "report",
      what: "merges the shards' reports into a new file",
      args: ["merge", "LOAD_REPORTS", "--out", join(dir, "merged", "merged.json")],
      exit: 0,
    },
    {
      task: "verify",
      what: "reads the run back from Langfuse",
      args: ["MANIFEST"],
      env: lf,
      exit: 0,
    },
    {
      task: "grade",
      what: "reads the run's queues and annotations from Langfuse",
      args: ["MANIFEST"],
      env: lf,
      exit: 0,
    },
    {
      task: "record",
      what: "reads a Langfuse session and writes a script",
      args: ["--session", SESSION, "--out", join(dir, "recorded", "from-langfuse")],
      env: lf,
      exit: 0,
    },
    {
      task: "record",
      what: "reads an OTLP file and writes scripts",
      args: [
        "--from-otlp",
        join(dir, "load", "spans.1.jsonl"),
        "--out",
        join(dir, "recorded", "from-otlp"),
      ],
      exit: 0,
    },
    {
      task: "purge",
      what: "deletes the run and removes what an earlier purge left",
      args: ["MANIFEST", "--yes"],
      env: lf,
      exit: 0,
    },
  ];
}

/** The case's arguments with MANIFEST and LOAD_REPORTS filled in from what ran before. */
async function filled(args: string[], dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const arg of args) {
    if (arg === "MANIFEST") {
      const names = await readdir(join(dir, "manifests"));
      out.push(join(dir, "manifests", names.find((name) => /^run_\w+\.json$/.test(name))!));
    } else if (arg === "LOAD_REPORTS") {
      const names = (await readdir(join(dir, "load"))).filter((n) => n.endsWith(".load.json"));
      out.push(...names.sort().map((name) => join(dir, "load", name)));
    } else out.push(arg);
  }
  return out;
}

function described(run: TaskResult): string {
  return `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;
}

test(
  "every command runs through its task where it writes files, reads the environment, uses the network and starts workers",
  { timeout: 300_000 },
  async () => {
    await withFakeLangfuse({ mode: "v4" }, async (fake) => {
      const dir = await mkdtemp(join(tmpdir(), "tasks-"));
      const table = cases(dir, fake);
      assert.deepEqual(
        [...new Set(table.map((c) => c.task))].sort(),
        Object.keys(COMMANDS).sort(),
        "every command has a case",
      );
      for (const c of table) {
        const run = await runTask(c.task, await filled(c.args, dir), c.env);
        const where = `${c.task} (${c.what}): ${described(run)}`;
        assert.doesNotMatch(run.stderr, NOT_GRANTED, where);
        assert.equal(run.code, c.exit, where);
      }
      assert.ok((await stat(join(dir, "html", "replay.html"))).size > 0);
      assert.ok((await stat(join(dir, "load", "load.html"))).size > 0);
      assert.ok((await stat(join(dir, "merged", "merged.json"))).size > 0);
      assert.ok((await readdir(join(dir, "recorded", "from-langfuse"))).length > 0);
      assert.ok(fake.deletedTraceIds.length > 0, "purge deleted the run");
    });
  },
);

test(
  "purge through its task keeps what a spent delete budget left, and the next run resumes it",
  { timeout: 120_000 },
  async () => {
    const limits = { "trace-delete": { points: 3, windowMs: 86_400_000 } };
    await withFakeLangfuse({ mode: "v4", rateLimits: limits }, async (fake) => {
      const dir = await mkdtemp(join(tmpdir(), "purge-task-"));
      const sent = await runTask("replay", [
        "conversations/order-status.yaml",
        "--seed",
        "9",
        "--manifest-dir",
        dir,
        "--quiet",
      ], langfuseEnv(fake));
      assert.equal(sent.code, 0, described(sent));
      const manifest = join(dir, (await readdir(dir)).find((name) => name.startsWith("run_"))!);
      const traces = fake.spans.filter((span) => span.parentSpanId === undefined).length;
      assert.equal(traces, 3);

      const first = await runTask(
        "purge",
        [manifest, "--yes", "--batch-size", "1"],
        langfuseEnv(fake),
      );
      assert.doesNotMatch(first.stderr, NOT_GRANTED, described(first));
      assert.equal(first.code, 6, described(first));
      assert.match(first.stderr, /Deleted 2 of 3 traces of run_\w+; 1 left: .*budget is spent/);
      const left = JSON.parse(await readFile(`${manifest}.purge-left.json`, "utf8"));
      assert.equal(left.traceIds.length, 1, "the trace not deleted yet is kept for the next run");

      const again = await runTask("purge", [manifest, "--yes"], langfuseEnv(fake));
      assert.equal(again.code, 6, described(again));
      assert.match(again.stdout, /Resuming an earlier purge of run_\w+: 1 trace of 3 left/);
      assert.match(again.stderr, /Deleted 0 of 1 trace of run_\w+; 1 left/);
      assert.equal(fake.deletedTraceIds.length, 2, "nothing is deleted twice");
    });
  },
);

test("deno.json's tasks and package.json's scripts offer the same commands, each running src/main.ts", async () => {
  const deno: { tasks: Record<string, string> } = JSON.parse(await readFile("deno.json", "utf8"));
  const pkg: { scripts: Record<string, string> } = JSON.parse(
    await readFile("package.json", "utf8"),
  );
  for (const name of Object.keys(COMMANDS)) {
    assert.match(
      deno.tasks[name] ?? "",
      new RegExp(`^deno run (--allow-[a-z]+ )+src/main\\.ts ${name}$`),
      `deno task ${name}`,
    );
    assert.equal(pkg.scripts[name], `bun src/main.ts ${name}`, `bun run ${name}`);
  }
  for (const [name, task] of Object.entries(deno.tasks)) {
    if (task.includes("src/main.ts")) assert.ok(name in COMMANDS, `deno task ${name} is a command`);
  }
  assert.deepEqual(
    Object.keys(deno.tasks).filter((name) => !(name in pkg.scripts)).sort(),
    ["bench", "dialect-fixtures", "golden", "schema"],
    "only the Deno development tools have no Bun script",
  );
  assert.deepEqual(
    Object.keys(pkg.scripts).filter((name) => !(name in deno.tasks)),
    [],
    "every Bun script has its Deno task",
  );
});

test("a first run's hints name the runner it was started with, and counts read as words", {
  timeout: 120_000,
}, async () => {
  const dir = await mkdtemp(join(tmpdir(), "hints-"));
  const preview = await runTask("replay", [
    "conversations/refund.yaml",
    "--target",
    "preview",
    "--manifest-dir",
    dir,
  ]);
  assert.equal(preview.code, 0, described(preview));
  assert.match(preview.stdout, /^Session /, "the session comes first");
  assert.ok(
    preview.stdout.trimEnd().endsWith(`${taskCommand("replay")} conversations/refund.yaml`),
    described(preview),
  );

  const spans = join(dir, "spans.jsonl");
  const sent = await runTask("replay", [
    "conversations/refund.yaml",
    "--target",
    "file",
    "--out",
    spans,
    "--no-manifest",
    "--quiet",
  ]);
  assert.equal(sent.code, 0, described(sent));
  const recorded = await runTask("record", ["--from-otlp", spans, "--out", join(dir, "rec")]);
  assert.equal(recorded.code, 0, described(recorded));
  assert.match(recorded.stdout, new RegExp(`Check: ${taskCommand("validate")} \\S+\\.yaml`));

  const oneTurn = join(dir, "one-turn.yaml");
  const script = await readFile("conversations/refund.yaml", "utf8");
  await writeFile(oneTurn, oneTurnOf(script));
  const valid = await runTask("validate", [oneTurn, "conversations/refund.yaml"]);
  assert.equal(valid.code, 0, described(valid));
  assert.match(valid.stdout, /one-turn\.yaml: ok \(1 turn\)\n/);
  assert.match(valid.stdout, /refund\.yaml: ok \(\d+ turns\)/);
});

/**
 * The shipped script with only its first turn (no findings, which name later turns), written
 * elsewhere: its prompts file is named by its absolute path.
 */
function oneTurnOf(text: string): string {
  const script = parse(text) as { turns: unknown[]; findings?: unknown; prompts?: unknown };
  delete script.findings;
  if (typeof script.prompts === "string") script.prompts = resolve("conversations", script.prompts);
  script.turns = script.turns.slice(0, 1);
  return stringify(script);
}
