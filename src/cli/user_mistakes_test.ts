import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../main.ts";
import { startOtlpReceiver } from "../export/receiver.ts";
import { captureIo } from "../../testing/io.ts";

const tmp = () => mkdtemp(join(tmpdir(), "mistakes-"));
const SCRIPT = "fixtures/scripts/quick.yaml";
const LANGFUSE = {
  LANGFUSE_BASE_URL: "http://127.0.0.1:59",
  LANGFUSE_PUBLIC_KEY: "pk-lf-x",
  LANGFUSE_SECRET_KEY: "sk-lf-x",
};

/** Runs the command; asserts its exit code, a clear message, and no "Internal error". */
async function expect(
  args: string[],
  code: number,
  message: RegExp,
  env: Record<string, string> = {},
): Promise<void> {
  const run = captureIo(env);
  assert.equal(await main(args, run.io), code, `${args.join(" ")}\n${run.err()}`);
  assert.match(run.err(), message, args.join(" "));
  assert.doesNotMatch(run.err(), /Internal error|\n\s+at /, args.join(" "));
}

describe("output directories are checked before anything is sent", () => {
  it("refuses a manifest, report or output directory that cannot be created, and sends nothing", async () => {
    const receiver = await startOtlpReceiver();
    try {
      const dir = await tmp();
      const file = join(dir, "a-file");
      await writeFile(file, "x");
      const otlp = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url };
      const cases: [string[], RegExp][] = [
        [
          ["replay", SCRIPT, "--manifest-dir", join(file, "sub")],
          /--manifest-dir: cannot create the directory .*a-file\/sub: a file is in the way/,
        ],
        [
          ["replay", SCRIPT, "--manifest-dir", file],
          /--manifest-dir: .*a-file: a file is in the way/,
        ],
        [
          ["load", SCRIPT, "--sessions", "3", "--out-dir", join(file, "sub")],
          /--out-dir: cannot create the directory/,
        ],
        [
          ["load", SCRIPT, "--sessions", "3", "--out-dir", dir, "--report", join(file, "r.json")],
          /--report: cannot create the directory .*a-file: a file is in the way/,
        ],
        [
          ["load", SCRIPT, "--sessions", "3", "--out-dir", dir, "--report", dir],
          /--report: .* is a directory; give a file name/,
        ],
      ];
      for (const [args, message] of cases) await expect(args, 2, message, otlp);
      assert.equal(receiver.spans.length, 0, "nothing was sent");
      assert.deepEqual(await readdir(dir), ["a-file"], "no sessions file or report was left");
    } finally {
      await receiver.close();
    }
  });

  it("refuses a file target whose --out is a directory or cannot be created", async () => {
    const dir = await tmp();
    const file = join(dir, "a-file");
    await writeFile(file, "x");
    const manifests = join(dir, "manifests");
    await expect(
      ["replay", SCRIPT, "--target", "file", "--out", dir, "--manifest-dir", manifests],
      2,
      /--out: .* is a directory; give a file name/,
    );
    await expect(
      ["load", SCRIPT, "--sessions", "2", "--target", "file", "--out", join(file, "x.jsonl")],
      2,
      /--out: cannot create the directory/,
    );
    assert.deepEqual(await readdir(manifests), [], "no manifest of a run that never ran");
  });
});

describe("flags that do not apply to the chosen mode or target", () => {
  it("are refused with exit 2 instead of being ignored", async () => {
    const dir = await tmp();
    const backfill = ["load", SCRIPT, "--sessions", "5", "--target", "file", "--out-dir", dir];
    const live = ["load", SCRIPT, "--duration", "1m", "--rate", "2/s", "--target", "file"];
    const profile = join(dir, "p.yaml");
    await writeFile(profile, "phases:\n  - { duration: 1m, rate: 2/s }\n");
    const cases: [string[], RegExp, Record<string, string>?][] = [
      [[...backfill, "--ramp", "1m"], /--ramp applies to a live run/],
      [[...backfill, "--poisson"], /--poisson applies to a live run/],
      [[...backfill, "--time-scale", "10"], /--time-scale applies to a live run/],
      [[...backfill, "--concurrency", "8"], /--concurrency applies to a live run/],
      [[...live, "--spread", "2d"], /--spread applies to a backfill/],
      [[...live, "--at", "-1d"], /--at applies to a backfill/],
      [
        ["load", SCRIPT, "--profile", profile, "--rate", "5/s"],
        /--rate does not apply with --profile/,
      ],
      [[...backfill, "--protocol", "http/json"], /--protocol does not apply to the file target/],
      [[...backfill, "--gzip"], /--gzip does not apply to the file target/],
      [
        ["replay", SCRIPT, "--out", join(dir, "x.jsonl")],
        /--out applies to the file target, not to preview/,
      ],
      [
        ["load", SCRIPT, "--sessions", "2", "--out", join(dir, "x.jsonl")],
        /--out applies to the file target, not to otlp/,
        { OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:59" },
      ],
      [["replay", SCRIPT, "--timeout", "1m"], /--timeout applies to --verify/],
      [
        ["replay", SCRIPT, "--no-manifest", "--manifest-dir", dir],
        /--manifest-dir or --no-manifest/,
      ],
    ];
    for (const [args, message, env] of cases) await expect(args, 2, message, env);
    assert.deepEqual(await readdir(dir), ["p.yaml"], "nothing was written");
  });
});

describe("a user pool that cannot be drawn", () => {
  it("is refused up front with exit 2, naming the bound, before a worker could throw", async () => {
    const dir = await tmp();
    const load = ["load", "--sessions", "5", "--target", "file", "--out-dir", dir];
    // Within the flag's bound, but more ids than the script's user id format can draw.
    await expect(
      [...load, "conversations/order-status.yaml", "--users", "9000000"],
      2,
      new RegExp(
        "--users must be at most 8388608, the distinct user ids conversations/order-status\\.yaml's " +
          'user\\.id "usr_pseudo_7f31c2" can draw, not "9000000"',
      ),
    );
    assert.deepEqual(await readdir(dir), [], "nothing was written");
  });
});

describe("times outside sane bounds", () => {
  it("are refused on the command line with exit 2, naming the flag", async () => {
    const backfill = ["load", SCRIPT, "--sessions", "5", "--target", "file"];
    const live = ["load", SCRIPT, "--rate", "2/s", "--target", "file"];
    const cases: [string[], RegExp][] = [
      [["replay", SCRIPT, "--at", "1969-12-31T00:00:00Z"], /--at must not be before 2000-01-01/],
      [["replay", SCRIPT, "--at", "-99999d"], /--at must not be before 2000-01-01/],
      // The tests' now is 2026-11-25T12:00:00Z.
      [
        ["replay", SCRIPT, "--at", "2026-11-27T00:00:00Z"],
        /--at must not be more than a day ahead/,
      ],
      [[...backfill, "--at", "2030-01-01T00:00:00Z"], /--at must not be more than a day ahead/],
      [[...backfill, "--spread", "3000d"], /--spread must be at most 1826d \(5 years\)/],
      [[...backfill, "--spread", "0s"], /--spread must be a positive duration/],
      [[...live, "--duration", "30d"], /--duration must be at most 7d/],
      [[...live, "--duration", "1h", "--ramp", "8d"], /--ramp must be at most 7d/],
      [
        [...live, "--duration", "1h", "--time-scale", "Infinity"],
        /--time-scale must be a positive number/,
      ],
      [["verify", "out/run.json", "--timeout", "2d"], /--timeout must be at most 1d/],
    ];
    for (const [args, message] of cases) await expect(args, 2, message);
  });

  it("are refused in scripts and load profiles with exit 3 and file:line:col", async () => {
    const dir = await tmp();
    const script = join(dir, "long.yaml");
    await writeFile(script, (await readFile(SCRIPT, "utf8")).replace("200ms..400ms", "99999d"));
    await expect(
      ["validate", script],
      3,
      /long\.yaml:15:14: timing\.thinkTime must be at most 1d/,
    );
    const profile = join(dir, "p.yaml");
    await writeFile(profile, "phases:\n  - { duration: 30d, rate: 2/s }\n");
    await expect(
      ["load", SCRIPT, "--profile", profile, "--target", "file", "--out-dir", dir],
      3,
      /p\.yaml:2:17: phases\[0\]\.duration must be at most 7d/,
    );
  });
});

describe("input files that cannot be used", () => {
  it("are reported plainly: scripts and load profiles with exit 3", async () => {
    const dir = await tmp();
    const empty = join(dir, "empty.yaml");
    await writeFile(empty, "\n  \n");
    const latin1 = join(dir, "latin1.yaml");
    await writeFile(latin1, new Uint8Array([...new TextEncoder().encode("name: caf"), 0xe9, 10]));
    const bomb = join(dir, "bomb.yaml");
    await writeFile(
      bomb,
      'a: &a ["x","x","x","x","x","x","x","x","x"]\n' +
        ["b", "c", "d", "e", "f"].map((name, i) =>
          `${name}: &${name} [${Array(9).fill(`*${"abcde"[i]}`).join(",")}]\n`
        ).join(""),
    );
    const early = join(dir, "early.yaml");
    await writeFile(early, "name: x\ndescription: *about\nnote: &about Hotel concierge\n");
    const folder = join(dir, "folder.yaml");
    await mkdir(folder);
    await expect(["validate", empty], 3, /empty\.yaml: is empty$/);
    await expect(
      ["validate", early],
      3,
      /early\.yaml:2:14: uses the alias \*about before its anchor &about; YAML needs the anchor first$/m,
    );
    await expect(["validate", latin1], 3, /latin1\.yaml:1:10: is not UTF-8 text/);
    await expect(["validate", bomb], 3, /bomb\.yaml:2:8: uses YAML aliases .* more than 100/);
    await expect(["validate", folder], 3, /folder\.yaml: cannot be read: it is a directory/);
    await expect(["replay", folder], 3, /folder\.yaml: cannot be read: it is a directory/);
    await expect(
      ["load", SCRIPT, "--profile", latin1, "--target", "file", "--out-dir", dir],
      3,
      /latin1\.yaml:1:10: is not UTF-8 text/,
    );
  });

  it("are reported plainly: manifests given to verify and purge with exit 2", async () => {
    const dir = await tmp();
    const latin1 = join(dir, "run.json");
    await writeFile(
      latin1,
      new Uint8Array([
        ...new TextEncoder().encode('{\n  "tool": "session-replay", "x": "'),
        0xff,
        0x22,
        0x7d,
      ]),
    );
    const empty = join(dir, "empty.json");
    await writeFile(empty, "");
    for (const command of ["verify", "purge"]) {
      const extra = command === "purge" ? ["--yes"] : [];
      await expect([command, latin1, ...extra], 2, /run\.json:2:35: is not UTF-8 text/, LANGFUSE);
      await expect([command, empty, ...extra], 2, /empty\.json: is empty/, LANGFUSE);
      await expect([command, dir, ...extra], 2, /: cannot be read: it is a directory/, LANGFUSE);
    }
  });
});

describe("an endpoint that answers 200 with something other than OTLP", () => {
  it("is not counted as delivered: replay exits 4 and names the variable to check", async () => {
    const receiver = await startOtlpReceiver({
      respond: () => ({
        body: "<!doctype html><html><body>Sign in</body></html>",
        headers: { "content-type": "text/html" },
      }),
    });
    try {
      const dir = await tmp();
      const run = captureIo({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
      const code = await main(["replay", SCRIPT, "--manifest-dir", dir], run.io);
      assert.equal(code, 4, run.err());
      assert.match(
        run.err(),
        /failed: HTTP 200 with an HTML page, not an OTLP response: check OTEL_EXPORTER_OTLP_ENDPOINT/,
      );
      assert.match(run.err(), /0 acknowledged/);
    } finally {
      await receiver.close();
    }
  });
});
