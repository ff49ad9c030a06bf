import process from "node:process";
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../main.ts";
import { startOtlpReceiver } from "../export/receiver.ts";
import { selfCommand } from "../../testing/cli_process.ts";
import type { LoadReport } from "../report/load_report.ts";
import { FakeClock, NOW } from "../../testing/clock.ts";
import { startTask } from "../../testing/tasks.ts";
import { captureIo } from "../../testing/io.ts";

/** A captured Io, its time fixed unless `now` is given. */
const io = (env: Record<string, string>, now?: () => number) => captureIo(env, now ? { now } : {});

async function report(dir: string): Promise<LoadReport> {
  return JSON.parse(await readFile(join(dir, "report.json"), "utf8"));
}

test("under injected faults every span is counted as the receiver saw it", async () => {
  const receiver = await startOtlpReceiver({
    respond: ({ index }) => {
      if (index === 2) return { status: 503, headers: { "retry-after": "0" } };
      if (index === 4) return { status: 429, headers: { "retry-after": "0" } };
      if (index === 6) return { rejectSpans: { count: 3, message: "span has no name" } };
      if (index === 8) return { drop: true };
      if (index === 10) return { status: 400, body: "malformed span" };
      return undefined;
    },
  });
  try {
    const dir = await mkdtemp(join(tmpdir(), "load-"));
    const run = io({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
    const code = await main([
      "load",
      "conversations/order-status.yaml",
      "conversations/handoff.yaml",
      "--sessions",
      "150",
      "--seed",
      "4",
      "--batch-size",
      "50",
      "--max-in-flight",
      "2",
      "--out-dir",
      dir,
      "--report",
      join(dir, "report.json"),
    ], run.io);
    const result = await report(dir);
    assert.equal(code, 4, "spans failed, so the run fails");
    assert.equal(result.spans.acknowledged, receiver.spans.length, "acknowledged means received");
    assert.equal(result.spans.generated, result.spans.acknowledged + result.spans.failed);
    assert.equal(result.spans.failed, 53);
    assert.deepEqual(result.spans.failures, {
      "rejected by the target: span has no name": 3,
      "HTTP 400: malformed span": 50,
    });
    assert.equal(result.requests.byStatus["503"], 1);
    assert.equal(result.requests.byStatus["429"], 1);
    assert.ok(result.requests.retried >= 2);
    assert.equal(result.sessions, 150);
    assert.equal(
      new Set(receiver.spans.map((span) => span.spanId)).size,
      receiver.spans.length,
      "no span twice",
    );
    const lines = (await readFile(result.sessionsFile, "utf8")).trim().split("\n");
    assert.equal(lines.length, 150);
    assert.match(run.err(), /53 failed|50 failed: HTTP 400: malformed span/);
    assert.match(run.err(), /missed +53 spans failed, more than --max-failed 0/);
  } finally {
    await receiver.close();
  }
});

test("thresholds decide the exit code: --max-failed tolerates, --min-rate demands", async () => {
  const receiver = await startOtlpReceiver({
    respond: ({ index }) => index === 0 ? { rejectSpans: { count: 1, message: "no" } } : undefined,
  });
  try {
    const dir = await mkdtemp(join(tmpdir(), "load-"));
    const args = (extra: string[]) => [
      "load",
      "conversations/refund.yaml",
      "--sessions",
      "20",
      "--seed",
      "2",
      "--out-dir",
      dir,
      "--report",
      join(dir, "report.json"),
      ...extra,
    ];
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url };
    assert.equal(await main(args(["--max-failed", "1"]), io(env).io), 0);
    const slow = io(env);
    assert.equal(await main(args(["--max-failed", "1", "--min-rate", "100000000/s"]), slow.io), 4);
    assert.match(slow.err(), /spans\/s is below --min-rate 100000000\/s/);
    assert.equal((await report(dir)).thresholds.met, false);
  } finally {
    await receiver.close();
  }
});

test("the same seed gives the same ids and payloads", async () => {
  const dir = await mkdtemp(join(tmpdir(), "load-"));
  const files = [join(dir, "a.jsonl"), join(dir, "b.jsonl")];
  for (const file of files) {
    const run = io({});
    const code = await main([
      "load",
      "conversations/order-status.yaml",
      "conversations/refund.yaml",
      "--sessions",
      "40",
      "--spread",
      "3d",
      "--seed",
      "9",
      "--target",
      "file",
      "--out",
      file,
      "--out-dir",
      dir,
    ], run.io);
    assert.equal(code, 0, run.err());
  }
  const [a, b] = await Promise.all(files.map((file) => readFile(file, "utf8")));
  assert.ok(a.length > 10_000);
  assert.equal(a, b);
});

test("a live run starts sessions at the rate and sends each turn as its time comes", {
  timeout: 30_000,
}, async () => {
  const receiver = await startOtlpReceiver();
  try {
    const dir = await mkdtemp(join(tmpdir(), "load-"));
    const run = io({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }, () => Date.now());
    const started = Date.now();
    const code = await main([
      "load",
      "fixtures/scripts/quick.yaml",
      "--duration",
      "2s",
      "--rate",
      "5/s",
      "--seed",
      "3",
      "--out-dir",
      dir,
      "--report",
      join(dir, "report.json"),
    ], run.io);
    const elapsed = Date.now() - started;
    const result = await report(dir);
    assert.equal(code, 0, run.err());
    assert.equal(result.sessions, 10, "5/s for 2 s");
    assert.equal(result.spans.acknowledged, receiver.spans.length);
    assert.equal(result.spans.failed, 0);
    assert.ok(elapsed >= 1800 && elapsed < 5000, `took ${elapsed}ms`);
    // Live sessions start now: every span lies in the run's wall-clock window.
    for (const span of receiver.spans) {
      const startMs = Number(span.startTimeUnixNano / 1_000_000n);
      assert.ok(startMs >= started - 1000 && startMs <= Date.now(), "span time is real time");
    }
  } finally {
    await receiver.close();
  }
});

test("a time-scaled live run into a real receiver plays whole sessions 100 times faster", {
  timeout: 60_000,
}, async () => {
  const receiver = await startOtlpReceiver();
  try {
    const dir = await mkdtemp(join(tmpdir(), "load-"));
    const run = io({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }, () => Date.now());
    const started = Date.now();
    const code = await main([
      "load",
      "conversations/order-status.yaml",
      "--duration",
      "2s",
      "--rate",
      "10/s",
      "--time-scale",
      "100",
      "--seed",
      "5",
      "--out-dir",
      dir,
      "--report",
      join(dir, "report.json"),
    ], run.io);
    const elapsed = Date.now() - started;
    const result = await report(dir);
    assert.equal(code, 0, run.err());
    assert.equal(result.sessions, 20);
    assert.equal(result.arrivals?.dropped, 0);
    assert.equal(result.spans.failed, 0);
    assert.equal(result.spans.acknowledged, receiver.spans.length, "everything acknowledged");
    // Turns of 1.6 to 20 s and think times of 20 to 50 s, all divided by 100.
    const roots = receiver.spans.filter((span) => span.parentSpanId === undefined);
    const longest = Math.max(
      ...roots.map((span) => Number((span.endTimeUnixNano - span.startTimeUnixNano) / 1_000_000n)),
    );
    assert.ok(longest <= 202, `the longest turn took ${longest} ms of its scripted 20 s`);
    assert.ok(elapsed < 10_000, `took ${elapsed} ms: 2 s of arrivals plus a session of about 1 s`);
    for (const span of receiver.spans) {
      assert.ok(Number(span.endTimeUnixNano / 1_000_000n) <= Date.now(), "no span in the future");
    }
  } finally {
    await receiver.close();
  }
});

test("Ctrl-C stops new sessions, delivers what is in flight, writes the report and exits 130", {
  timeout: 60_000,
}, async () => {
  const receiver = await startOtlpReceiver();
  try {
    const dir = await mkdtemp(join(tmpdir(), "load-"));
    const reportFile = join(dir, "report.json");
    const { command, args } = selfCommand("src/main.ts", [
      "load",
      "conversations/order-status.yaml",
      "--duration",
      "60s",
      "--rate",
      "20/s",
      "--time-scale",
      "50",
      "--out-dir",
      dir,
      "--report",
      reportFile,
    ]);
    // Node relays the signal and reports the child's real exit: Deno's node:child_process
    // reports a child it signalled as killed by that signal, even when it exited 130 itself.
    const relay = `const { spawn } = require("node:child_process");
      const child = spawn(process.argv[1], process.argv.slice(2), { stdio: ["ignore", "ignore", "inherit"] });
      process.on("SIGINT", () => child.kill("SIGINT"));
      child.on("exit", (code, signal) => { console.log(JSON.stringify({ code, signal })); process.exit(0); });`;
    const child = spawn("node", ["-e", relay, command, ...args], {
      env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    let stdout = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.stdout.on("data", (chunk) => (stdout += chunk));
    const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
    await receiver.waitForSpans(20, 20_000);
    child.kill("SIGINT");
    await exited;
    const { code, signal } = JSON.parse(stdout);
    assert.equal(signal, null, stderr);
    assert.equal(code, 130, stderr);
    const result: LoadReport = JSON.parse(await readFile(reportFile, "utf8"));
    assert.equal(result.stopped, "interrupted (Ctrl-C)");
    assert.ok(result.sessions > 0 && result.sessions < 1200);
    assert.equal(result.spans.failed, 0);
    assert.equal(result.spans.generated, result.spans.acknowledged);
    assert.equal(
      result.spans.acknowledged,
      receiver.spans.length,
      "what was in flight was delivered",
    );
  } finally {
    await receiver.close();
  }
});

test("load refuses bad flags and the preview target", async () => {
  const cases: [string[], RegExp][] = [
    [
      ["load", "conversations/refund.yaml"],
      /needs --sessions N \(backfill\) or --duration D --rate R/,
    ],
    [
      ["load", "conversations/refund.yaml", "--sessions", "10", "--rate", "2/s"],
      /either --sessions/,
    ],
    [
      ["load", "conversations/refund.yaml", "--duration", "1m", "--rate", "fast"],
      /--rate must be a rate like 20\/s/,
    ],
    [
      ["load", "conversations/refund.yaml", "--sessions", "0"],
      /--sessions must be a whole number from 1 to 10000000, not "0"/,
    ],
    [
      ["load", "conversations/refund.yaml", "--sessions", "5", "--weight", "nope=2"],
      /--weight names "nope"/,
    ],
    [["load", "conversations/refund.yaml", "--sessions", "5"], /load needs a target/],
  ];
  for (const [args, message] of cases) {
    const run = io({});
    assert.equal(await main(args, run.io), 2, args.join(" "));
    assert.match(run.err(), message);
  }
});

test("a bad load profile is reported with its position and nothing is sent", async () => {
  const dir = await mkdtemp(join(tmpdir(), "load-"));
  const profile = join(dir, "load.yaml");
  await writeFile(profile, "phases:\n  - { duration: 2m, rate: 5 }\n");
  const run = io({});
  const code = await main([
    "load",
    "fixtures/scripts/quick.yaml",
    "--profile",
    profile,
    "--target",
    "file",
    "--out",
    join(dir, "x.jsonl"),
  ], run.io);
  assert.equal(code, 3);
  assert.match(
    run.err(),
    new RegExp(`${profile}:2:27: phases\\[0\\]\\.rate must be a rate like "20/s"`),
  );
  assert.match(run.err(), /Nothing was sent\./);
});

test("the README's live example reaches 20/s: every arrival starts on time with --concurrency 64", {
  timeout: 120_000,
}, async () => {
  const receiver = await startOtlpReceiver();
  try {
    const dir = await mkdtemp(join(tmpdir(), "load-"));
    const clock = new FakeClock();
    const run = captureIo({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }, { clock, now: clock.now });
    const code = await main([
      "load",
      "conversations/order-status.yaml",
      "conversations/refund.yaml",
      "conversations/handoff.yaml",
      "--duration",
      "60s",
      "--rate",
      "20/s",
      "--concurrency",
      "64",
      "--seed",
      "8",
      "--out-dir",
      dir,
      "--report",
      join(dir, "report.json"),
    ], run.io);
    const result = await report(dir);
    assert.equal(code, 0, run.err());
    assert.equal(result.arrivals?.scheduled, 1_200, "20/s for 60 s");
    assert.equal(result.arrivals?.started, 1_200);
    assert.equal(result.arrivals?.dropped, 0);
    assert.equal(result.sessions, 1_200);
    assert.ok(result.arrivals!.peakAlive > 64, "sessions waiting out think times hold no slot");
    assert.equal(result.spans.failed, 0);
    assert.equal(result.spans.acknowledged, receiver.spans.length, "everything acknowledged");
    // The run ends when the last turn ends: within the duration plus the longest session.
    const ends = receiver.spans.map((span) => Number(span.endTimeUnixNano / 1_000_000n));
    assert.equal(result.durationMs, Math.max(...ends) - NOW);
    assert.ok(result.durationMs > 60_000 && result.durationMs < 60_000 + 5 * 60_000);
    assert.match(run.out(), /arrivals +1200 scheduled, 1200 started, 0 dropped/);
    assert.match(run.progress(), /sessions 1200 · alive 0 · dropped 0/);
  } finally {
    await receiver.close();
  }
});

test("a target too slow for the rate drops arrivals: counted, reported, exit 4 unless allowed", {
  timeout: 60_000,
}, async () => {
  const clock = new FakeClock();
  // Every request takes 3 s of the run's (fake) time.
  const receiver = await startOtlpReceiver({
    respond: () => {
      clock.sleep(3_000);
      return undefined;
    },
  });
  try {
    const dir = await mkdtemp(join(tmpdir(), "load-"));
    const args = (extra: string[]) => [
      "load",
      "fixtures/scripts/quick.yaml",
      "--duration",
      "10s",
      "--rate",
      "10/s",
      "--concurrency",
      "1",
      "--batch-size",
      "1",
      "--max-in-flight",
      "1",
      "--seed",
      "1",
      "--out-dir",
      dir,
      "--report",
      join(dir, "report.json"),
      ...extra,
    ];
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url };
    const slow = captureIo(env, { clock, now: clock.now });
    assert.equal(await main(args([]), slow.io), 4, slow.err());
    const result = await report(dir);
    const arrivals = result.arrivals!;
    assert.equal(arrivals.scheduled, 100);
    assert.ok(arrivals.droppedLate > 50, `${arrivals.droppedLate} dropped late`);
    assert.equal(arrivals.started + arrivals.dropped, 100);
    assert.equal(result.sessions, arrivals.started);
    assert.equal(result.spans.failed, 0, "what started was delivered");
    assert.equal(result.spans.acknowledged, receiver.spans.length);
    assert.equal(result.thresholds.met, false);
    assert.match(slow.err(), /Load run incomplete/);
    assert.match(slow.err(), /dropped late: the run fell more than 1.00s behind them/);
    assert.match(slow.err(), /missed +\d+ arrivals dropped, more than --max-dropped 0/);
    assert.match(slow.progress(), /dropped [1-9]\d*/);

    const allowed = captureIo(env, { clock, now: clock.now });
    assert.equal(await main(args(["--max-dropped", "100"]), allowed.io), 0, allowed.err());
    assert.ok((await report(dir)).arrivals!.dropped > 0, "dropped, but the threshold allows it");
  } finally {
    await receiver.close();
  }
});

test("an empty live run is refused before anything is sent, saying why", async () => {
  const receiver = await startOtlpReceiver();
  try {
    const dir = await mkdtemp(join(tmpdir(), "load-"));
    const profile = join(dir, "tiny.yaml");
    await writeFile(profile, "phases:\n  - { duration: 10m, rate: 1/h }\n");
    const cases: [string[], RegExp][] = [
      [["--duration", "1m", "--rate", "0/s"], /--rate and --duration ask for no session/],
      [
        ["--duration", "1s", "--rate", "1/h"],
        /--rate and --duration ask for 0\.00028 sessions .*raise --rate or --duration/,
      ],
      [
        ["--profile", profile],
        new RegExp(`${profile}: the phases ask for 0\\.17 sessions`),
      ],
    ];
    for (const [extra, message] of cases) {
      const run = io({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
      const code = await main(
        ["load", "fixtures/scripts/quick.yaml", ...extra, "--out-dir", join(dir, "out")],
        run.io,
      );
      assert.equal(code, 2, extra.join(" "));
      assert.match(run.err(), message);
    }
    assert.equal(receiver.requests.length, 0, "nothing was sent");
    await assert.rejects(readFile(join(dir, "out")), "no output directory was made");
  } finally {
    await receiver.close();
  }
});

test("load --help says what --concurrency, --time-scale and --max-dropped mean", async () => {
  const run = io({});
  assert.equal(await main(["load", "--help"], run.io), 0);
  assert.match(
    run.out(),
    /--concurrency N +sessions sending at once \(default 64, at most 10000\)/,
  );
  assert.match(run.out(), /a\s+session waiting out a think time holds none/);
  assert.match(run.out(), /--time-scale K +play every session K times faster/);
  assert.match(run.out(), /--max-dropped N +most arrivals allowed to be dropped \(default 0\)/);
});

test("load --help fits a 100-column terminal below its usage line, the exit codes too", async () => {
  const run = io({});
  assert.equal(await main(["load", "--help"], run.io), 0);
  const lines = run.out().split("\n").slice(1);
  for (const line of lines) assert.ok(line.length <= 100, `${line.length}: ${line}`);
});

test("a default load gives each user one session at a time, at most 12 a day, whatever --workers", async () => {
  const dir = await mkdtemp(join(tmpdir(), "load-people-"));
  const run = io({});
  const code = await main([
    "load",
    "conversations/order-status.yaml",
    "conversations/refund.yaml",
    "conversations/handoff.yaml",
    "--sessions",
    "400",
    "--seed",
    "7",
    "--at",
    "2026-11-20T14:00:00Z",
    "--workers",
    "2",
    "--target",
    "file",
    "--out",
    join(dir, "spans.jsonl"),
    "--out-dir",
    dir,
    "--report",
    join(dir, "report.json"),
  ], run.io);
  assert.equal(code, 0, run.err());
  const result = await report(dir);
  assert.equal(result.population.users <= 100, true, "a pool of a user for every 4 sessions");
  assert.ok(result.population.maxSessionsPerUser <= 12, `${result.population.maxSessionsPerUser}`);
  const sessions = (await readFile(result.sessionsFile, "utf8")).trim().split("\n").map((line) =>
    JSON.parse(line) as { userId: string; traces: { startTime: string; endTime: string }[] }
  );
  const byUser = new Map<string, [number, number][]>();
  for (const { userId, traces } of sessions) {
    const span: [number, number] = [
      Date.parse(traces[0].startTime),
      Date.parse(traces.at(-1)!.endTime),
    ];
    byUser.set(userId, [...(byUser.get(userId) ?? []), span]);
  }
  assert.ok([...byUser.values()].some((spans) => spans.length >= 5), "heavy users come back");
  for (const [user, spans] of byUser) {
    spans.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i++) {
      assert.ok(spans[i][0] >= spans[i - 1][1], `${user} is in two sessions at once`);
    }
  }
});

test(
  "the load summary starts every value in one column, the prompts and review notes too, and counts in words",
  {
    timeout: 60_000,
  },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), "load-summary-"));
    const run = await startTask("load", [
      "conversations/order-status.yaml",
      "--sessions",
      "2",
      "--target",
      "file",
      "--out",
      join(dir, "spans.jsonl"),
      "--out-dir",
      dir,
    ], { isolated: true, quiet: true });
    assert.equal(run.code, 0, run.stderr);
    const labelled = run.stdout.split("\n").filter((line) => /^ {2}[a-z]/.test(line));
    assert.ok(labelled.some((line) => line.startsWith("  prompts")), run.stdout);
    assert.ok(labelled.some((line) => line.startsWith("  review")), run.stdout);
    // "  duration   50ms": two spaces, a label padded to 11, the value.
    for (const line of labelled) assert.match(line, /^ {2}[a-z]{1,10} +(?<= {2}.{11})\S/, line);
    // Two sessions draw one user (a user for every 4 sessions): "1 user", not "1 users".
    assert.match(run.stdout, /population 2 sessions, 1 user \(busiest: 2 sessions\), \d+ traces/);
  },
);
