import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { availableParallelism } from "node:os";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTask } from "../../testing/tasks.ts";
import { main } from "../main.ts";
import { captureIo } from "../../testing/io.ts";

const tmp = () => mkdtemp(join(tmpdir(), "sane-"));

/** A script whose templates, numbers and sizes are each out of bounds in one place. */
const SCRIPT = `name: nonsense
session: { id: "conv_{hex:21}" }
user: { id: "usr_{hex:12}" }
trace: { name: nonsense-turn, version: local, tags: [Customer Jane] }
vars:
  pick: "{{faker.helpers.arrayElement}}"
  maybe: "{{faker.helpers.maybe}}"
  proto: "{{__proto__}}"
  later: "{{time +99999999h}}"
  ticket: "{{int 1..99999999999999999999999}}"
turns:
  - kind: status
    input: "When? {{constructor}} {{toString}}"
    output: Soon.
    outcome: answered
    steps:
      - type: generation
        name: answer
        model: gpt-4o-mini
        usage: { input: 100..99999999999, output: 10 }
        price: { input: 1e300, output: 10 }
        output: "@BIG@"
`;

/** SCRIPT with its schema problems fixed: the tag, the usage and the price. */
const SCHEMA_FIXED = SCRIPT.replace("[Customer Jane]", "[demo]")
  .replace("100..99999999999", "100..120")
  .replace("1e300", "2.5");

/** `file:line:column` of the first `needle` in SCRIPT. */
function at(file: string, needle: string): string {
  const before = SCRIPT.slice(0, SCRIPT.indexOf(needle)).split("\n");
  return `${file}:${before.length}:${before.at(-1)!.length + 1}`;
}

describe("numbers, templates and sizes out of bounds are refused before anything is sent", () => {
  it("validate names every one at its file:line:column, and never quotes a refused tag", async () => {
    const dir = await tmp();
    const big = "x".repeat(1_100_000);
    // The schema's problems (template problems come with them; the size check needs a valid script).
    const file = join(dir, "nonsense.yaml");
    await writeFile(file, SCRIPT.replace("@BIG@", big));
    const schema = await startTask("validate", [file]);
    assert.equal(schema.code, 3, schema.stderr);
    for (
      const line of [
        `${at(file, "Customer Jane")}: trace.tags[0] is not a short token`,
        `${at(file, "100..99999999999")}: turns[0].steps[0].usage.input must be at most 10000000`,
        `${at(file, "1e300")}: turns[0].steps[0].price.input must be at most 1000 (USD per million`,
      ]
    ) {
      assert.ok(schema.stderr.includes(line), `${line}\n${schema.stderr}`);
    }
    assert.doesNotMatch(schema.stderr, /Customer Jane/);

    const content = join(dir, "content.yaml");
    await writeFile(content, SCHEMA_FIXED.replace("@BIG@", big));
    const result = await startTask("validate", [content]);
    assert.equal(result.code, 3, result.stderr);
    for (
      const line of [
        `${at(content, "{{faker.helpers.arrayElement")}: vars.pick ` +
        "{{faker.helpers.arrayElement}}: not a faker method templates may use",
        `${at(content, "{{faker.helpers.maybe")}: vars.maybe {{faker.helpers.maybe}}: not a faker`,
        `${at(content, "{{__proto__")}: vars.proto {{__proto__}}: unknown template`,
        `${
          at(content, "{{time")
        }: vars.later {{time +99999999h}}: the offset must be at most 3650d`,
        `${at(content, "{{int")}: vars.ticket {{int 1..99999999999999999999999}}: the range must ` +
        "end at 9007199254740991 at most",
        `${
          at(content, "{{constructor")
        }: turns[0].input uses {{constructor}}, which is not declared`,
        `${at(content, "{{toString")}: turns[0].input uses {{toString}}, which is not declared`,
        `${
          at(content, '"@BIG@')
        }: turns[0].steps[0].output is 1.05 MiB; one content field may hold ` +
        "at most 1 MiB",
      ]
    ) {
      assert.ok(result.stderr.includes(line), `${line}\n${result.stderr}`);
    }
    assert.doesNotMatch(schema.stderr + result.stderr, /Internal error|TypeError/);
  });

  it("replay refuses a faker helper that needs arguments instead of crashing mid-run", async () => {
    const dir = await tmp();
    const file = join(dir, "helper.yaml");
    const script = SCHEMA_FIXED.replace(/\n {2}(maybe|proto|later|ticket): .*/g, "")
      .replace("When? {{constructor}} {{toString}}", "When? {{pick}}")
      .replace("@BIG@", "fine");
    await writeFile(file, script);
    const result = await startTask("replay", [file, "--target", "file", "--out", join(dir, "o")]);
    assert.equal(result.code, 3, result.stderr);
    assert.match(result.stderr, /vars\.pick \{\{faker\.helpers\.arrayElement\}\}: not a faker/);
    assert.match(result.stderr, /Nothing was sent\./);
    assert.doesNotMatch(result.stderr, /TypeError|Internal error/);
  });

  it("load and replay refuse an impossible date, a spread under a minute and more workers than cores", async () => {
    const dir = await tmp();
    const script = "fixtures/scripts/quick.yaml";
    const file = ["--target", "file", "--out", join(dir, "spans.jsonl"), "--out-dir", dir];
    const cases: [string, string[], RegExp][] = [
      [
        "replay",
        [script, "--at", "2026-02-30T00:00:00Z", ...file.slice(0, 4)],
        /--at "2026-02-30T00:00:00Z" is not a real date and time: February 2026 has 28 days/,
      ],
      [
        "load",
        [script, "--sessions", "3", "--at", "2026-13-01T00:00:00Z", ...file],
        /there is no month 13/,
      ],
      [
        "load",
        [script, "--sessions", "3", "--at", "2026-01-01T25:00:00Z", ...file],
        /25:00:00 is no time of day/,
      ],
      [
        "load",
        [script, "--sessions", "20", "--spread", "1ms", ...file],
        /--spread must be at least 1m \(sessions last minutes/,
      ],
      [
        "load",
        [script, "--sessions", "20", "--workers", String(availableParallelism() + 1), ...file],
        /--workers \d+ is more than this machine's \d+ cores?: each worker is a thread/,
      ],
    ];
    for (const [task, args, message] of cases) {
      const result = await startTask(task, args);
      assert.equal(result.code, 2, `${args.join(" ")}\n${result.stderr}`);
      assert.match(result.stderr, message);
    }
  });

  it("load keeps its counts within their documented bounds", async () => {
    const cases: [string[], RegExp][] = [
      [
        ["--sessions", "99999999999999999999"],
        /--sessions must be a whole number from 1 to 10000000/,
      ],
      [
        ["--sessions", "3", "--users", "10000001"],
        /--users must be a whole number from 1 to 10000000/,
      ],
      [
        ["--sessions", "3", "--batch-size", "100000"],
        /--batch-size must be a whole number from 1 to 10000/,
      ],
      [
        ["--sessions", "3", "--max-in-flight", "65"],
        /--max-in-flight must be a whole number from 1 to 64/,
      ],
      [
        ["--duration", "1m", "--rate", "1/s", "--time-scale", "1e300"],
        /--time-scale must be a positive number/,
      ],
      [["--duration", "1m", "--rate", "1/s", "--time-scale", "20000"], /at most 10000/],
      [
        ["--duration", "1m", "--rate", "1/s", "--concurrency", "10001"],
        /--concurrency must be a whole number from 1 to 10000/,
      ],
      [["--sessions", "3", "--weight", "quick=1e300"], /--weight must look like order-status=3/],
      [["--sessions", "3", "--weight", "quick=2000000"], /at most 1000000/],
    ];
    const dir = await tmp();
    for (const [flags, message] of cases) {
      const run = captureIo();
      const args = [
        "load",
        "fixtures/scripts/quick.yaml",
        ...flags,
        "--target",
        "file",
        "--out-dir",
        dir,
      ];
      assert.equal(await main(args, run.io), 2, `${flags.join(" ")}\n${run.err()}`);
      assert.match(run.err(), message, flags.join(" "));
    }
  });

  it("load --workers above a backfill's sessions uses one per session and says so", async () => {
    const dir = await tmp();
    const run = captureIo({}, { cores: () => 8 });
    const code = await main([
      "load",
      "fixtures/scripts/quick.yaml",
      "--sessions",
      "2",
      "--workers",
      "8",
      "--target",
      "file",
      "--out",
      join(dir, "spans.jsonl"),
      "--out-dir",
      dir,
    ], run.io);
    assert.equal(code, 0, run.err());
    assert.match(run.out(), /--workers 8: using 2, one per session of this backfill/);
  });
});
