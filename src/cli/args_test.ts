import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { main } from "../main.ts";
import { captureIo } from "../../testing/io.ts";
import { joinDashValues } from "./args.ts";
import { LOAD_HELP } from "./load.ts";
import { PURGE_HELP } from "./purge.ts";
import { REPLAY_HELP } from "./replay.ts";
import { VALIDATE_HELP } from "./validate.ts";
import { VERIFY_HELP } from "./verify.ts";

const OPTIONS = {
  at: { type: "string" },
  seed: { type: "string" },
  out: { type: "string", short: "o" },
  quiet: { type: "boolean", short: "q" },
} as const;

describe("dash-leading option values", () => {
  it("joins an offset or a negative number to its option", () => {
    assert.deepEqual(
      joinDashValues(["a.yaml", "--at", "-3d", "--seed", "-1", "-o", "-2"], OPTIONS, "replay"),
      ["a.yaml", "--at=-3d", "--seed=-1", "--out=-2"],
    );
  });

  it("leaves other arguments and everything after -- as they are", () => {
    assert.deepEqual(
      joinDashValues(["--at", "now", "-q", "--", "--at", "-3d"], OPTIONS, "replay"),
      ["--at", "now", "-q", "--", "--at", "-3d"],
    );
  });

  it("says which option is missing its value, at the end or before another flag", () => {
    assert.throws(
      () => joinDashValues(["a.yaml", "--at"], OPTIONS, "replay"),
      /--at needs a value\. See replay --help\.$/,
    );
    assert.throws(
      () => joinDashValues(["--out", "--quiet"], OPTIONS, "load"),
      /--out needs a value, not the flag --quiet \(a value that starts with a dash is written --out=-value\)/,
    );
  });

  it("lets every command take --at -3d and friends in the space form the help shows", async () => {
    const cases: [string[], RegExp][] = [
      [["replay", "conversations/refund.yaml", "--no-manifest", "--at", "-2h"], /Session /],
      [
        ["load", "conversations/refund.yaml", "--sessions", "2", "--at", "-3d"],
        /load needs a target/,
      ],
      [
        ["load", "conversations/refund.yaml", "--sessions", "-2"],
        /--sessions must be a whole number/,
      ],
      [
        [
          "load",
          "conversations/refund.yaml",
          "--sessions",
          "2",
          "--target",
          "file",
          "--max-failed",
          "-1",
        ],
        /--max-failed must be a whole number, not "-1"/,
      ],
      [["verify", "out/run.json", "--timeout", "-5m"], /--timeout must be a duration/],
      [["purge", "out/run.json", "--batch-size", "-5"], /--batch-size must be a whole number/],
    ];
    for (const [args, message] of cases) {
      const run = captureIo({
        LANGFUSE_BASE_URL: "http://127.0.0.1:59",
        LANGFUSE_PUBLIC_KEY: "pk",
        LANGFUSE_SECRET_KEY: "sk",
      });
      if (args[0] === "replay" || args[0] === "load") run.io.env = {};
      await main(args, run.io);
      assert.match(run.out() + run.err(), message, args.join(" "));
      assert.doesNotMatch(run.err(), /ambiguous/, args.join(" "));
    }
  });
});

describe("repeated options", () => {
  it("refuses a value option given twice instead of keeping the last one unsaid", async () => {
    const cases: [string[], string][] = [
      [[
        "replay",
        "conversations/order-status.yaml",
        "--plant",
        "lost_state",
        "--plant",
        "unsolved",
      ], "--plant"],
      [["replay", "conversations/order-status.yaml", "--seed", "1", "--seed=2"], "--seed"],
      [
        ["load", "conversations/order-status.yaml", "--sessions", "3", "--sessions", "5"],
        "--sessions",
      ],
      [["verify", "out/x.json", "--timeout", "1s", "--timeout", "2s"], "--timeout"],
      [
        ["grade", "out/x.json", "--reads-per-second", "1", "--reads-per-second", "2"],
        "--reads-per-second",
      ],
    ];
    for (const [args, flag] of cases) {
      const run = captureIo();
      assert.equal(await main(args, run.io), 2, args.join(" "));
      assert.match(run.err(), new RegExp(`${flag} is given more than once; give it once`));
    }
    // Repeating an option meant to repeat stays allowed: load's --weight is checked further on.
    const run = captureIo();
    await main(["load", "--help", "--weight", "a=1", "--weight", "b=2"], run.io);
    assert.doesNotMatch(run.err(), /given more than once/);
  });
});

describe("help texts", () => {
  it("list every exit code each command can return", () => {
    const codes = (help: string) =>
      help.slice(help.indexOf("Exit codes:")).match(/\b(\d+) /g)?.map((c) => Number(c));
    assert.deepEqual(codes(REPLAY_HELP), [0, 1, 2, 3, 4, 5, 6, 130, 143, 129]);
    assert.deepEqual(codes(LOAD_HELP), [0, 1, 2, 3, 4, 6, 99, 130, 143, 129]);
    assert.deepEqual(codes(VERIFY_HELP), [0, 1, 2, 5, 6, 130, 143, 129]);
    assert.deepEqual(codes(PURGE_HELP), [0, 1, 2, 5, 6, 130, 143, 129]);
    assert.deepEqual(codes(VALIDATE_HELP), [0, 1, 2, 3, 130, 143, 129]);
  });
});
