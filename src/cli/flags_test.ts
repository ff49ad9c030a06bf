import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  choiceFlag,
  durationFlag,
  durationText,
  flagsHelp,
  HELP_FLAG,
  intFlag,
  listFlag,
  numberFlag,
  orList,
  parseFlags,
  rateFlag,
  seedFlag,
  switchFlag,
  textFlag,
} from "./flags.ts";

const FLAGS = {
  sessions: intFlag("N", "how many sessions (at most 100)", { max: 100 }),
  budget: intFlag("N", "most failures (default 0)", { min: 0, default: 0 }),
  spread: durationFlag("D", "over how long (default 1d, at most 7d)", {
    maxMs: 7 * 86_400_000,
    maxText: "7d",
    default: 86_400_000,
  }),
  scale: numberFlag("K", "faster by K (default 1, at most 10)", {
    max: 10,
    example: "10 or 0.5",
    default: 1,
  }),
  rate: rateFlag("R", "arrival rate, e.g. 20/s"),
  mode: choiceFlag("M", ["fast", "slow"] as const, "fast or slow"),
  seed: seedFlag("reproducible ids"),
  at: textFlag("TIME", "when: now, -2h or an ISO time"),
  weight: listFlag("NAME=W", "a weight (repeatable)"),
  poisson: switchFlag("Poisson arrivals"),
  help: HELP_FLAG,
};

/** The message of the usage error `parseFlags` throws for `args`. */
function refusal(args: string[]): string {
  try {
    parseFlags(args, FLAGS, "load");
  } catch (error) {
    assert.equal((error as { exitCode?: number }).exitCode, 2, args.join(" "));
    return (error as Error).message;
  }
  assert.fail(`${args.join(" ")} was accepted`);
}

describe("parseFlags", () => {
  it("types each value by its kind and fills in the declared defaults", () => {
    const { values, flags, positionals } = parseFlags(
      [
        "a.yaml",
        ...["--sessions", "5", "--scale", "0.5", "--rate", "300/m", "--mode", "slow"],
        ...["--seed", "7", "--weight", "a=1", "--weight", "b=2", "--poisson"],
      ],
      FLAGS,
      "load",
    );
    assert.deepEqual(positionals, ["a.yaml"]);
    assert.deepEqual(flags, {
      sessions: 5,
      budget: 0,
      spread: 86_400_000,
      scale: 0.5,
      rate: 5,
      mode: "slow",
      seed: 7,
      at: undefined,
      weight: ["a=1", "b=2"],
      poisson: true,
      help: false,
    });
    // The text as given stays beside the typed values, for code that asks whether a flag was given.
    assert.equal(values.sessions, "5");
    assert.equal(values.spread, undefined);
  });

  it("takes a dash-leading value in the space form the help shows", () => {
    assert.equal(parseFlags(["--at", "-2h"], FLAGS, "load").flags.at, "-2h");
  });

  it("refuses a bad value naming the flag, what it must be and what was given", () => {
    const cases: [string[], string][] = [
      [["--sessions", "0"], '--sessions must be a whole number from 1 to 100, not "0"'],
      [["--sessions", "101"], '--sessions must be a whole number from 1 to 100, not "101"'],
      [["--budget", "-1"], '--budget must be a whole number, not "-1"'],
      [["--spread", "2"], '--spread must be a positive duration like 10m or 14d, not "2"'],
      [["--spread", "8d"], '--spread must be at most 7d, not "8d"'],
      [["--scale", "11"], '--scale must be a positive number like 10 or 0.5, at most 10, not "11"'],
      [["--rate", "fast"], '--rate must be a rate like 20/s, 300/m or 5000/h, not "fast"'],
      [["--mode", "medium"], '--mode must be one of fast, slow, not "medium"'],
      [
        ["--seed", "4294967296"],
        '--seed must be a whole number from 0 to 4294967295, not "4294967296"',
      ],
    ];
    for (const [args, message] of cases) assert.equal(refusal(args), message);
  });

  it("refuses an unknown flag, a missing value and a value given twice, naming the flag", () => {
    assert.match(refusal(["--sesions", "5"]), /^Unknown option '--sesions'.* See load --help\.$/);
    assert.match(refusal(["--sessions"]), /^--sessions needs a value\. See load --help\.$/);
    assert.match(
      refusal(["--seed", "1", "--seed", "2"]),
      /^--seed is given more than once; give it once/,
    );
  });

  it("reads no value when --help is asked for, so the help answers whatever else is given", () => {
    assert.equal(parseFlags(["--sessions", "0", "--help"], FLAGS, "load").values.help, true);
  });
});

describe("flag kinds", () => {
  it("word a value above the bound on its own when asked (--workers)", () => {
    const workers = intFlag("N", "threads", {
      max: 256,
      what: "a whole number of at least 1",
      overMax: "at most 256",
    });
    assert.throws(() => workers.read("0", "--workers"), {
      message: '--workers must be a whole number of at least 1, not "0"',
    });
    assert.throws(() => workers.read("300", "--workers"), {
      message: '--workers must be at most 256, not "300"',
    });
  });

  it("word a duration's bounds as the flag declares (--confirm-timeout)", () => {
    const timeout = durationFlag("D", "how long", {
      maxMs: 3_600_000,
      what: "a duration from 1ms to 1h, e.g. 30s or 5m",
    });
    assert.equal(timeout.read("5m", "--confirm-timeout"), 300_000);
    assert.throws(() => timeout.read("0s", "--confirm-timeout"), {
      message: '--confirm-timeout must be a duration from 1ms to 1h, e.g. 30s or 5m, not "0s"',
    });
  });

  it("check a text value against its pattern (--name)", () => {
    const name = textFlag("NAME", "kebab-case", {
      pattern: /^[a-z]+(-[a-z]+)*$/,
      what: "kebab-case",
    });
    assert.equal(name.read("order-status", "--name"), "order-status");
    assert.throws(() => name.read("Order", "--name"), {
      message: '--name must be kebab-case, not "Order"',
    });
  });

  it("show a declared default as the help must say it", () => {
    assert.equal(FLAGS.spread.defaultText, "1d");
    assert.equal(FLAGS.budget.defaultText, "0");
    assert.equal(FLAGS.sessions.defaultText, undefined);
    assert.deepEqual(
      [120_000, 86_400_000, 10_000, 250, 5_400_000].map(durationText),
      ["2m", "1d", "10s", "250ms", "90m"],
    );
    assert.equal(orList(["a", "b", "c"]), "a, b or c");
  });
});

describe("flagsHelp", () => {
  it("lists each flag with its value name, aligned in one column, the help wrapped below", () => {
    const flags = {
      seed: seedFlag("reproducible ids"),
      "max-in-flight": intFlag(
        "N",
        "export requests at once (default 4, at most 64); each request holds up to a batch " +
          "of spans, so more in flight is more memory",
      ),
      quiet: switchFlag("print only problems", { short: "q" }),
    };
    assert.equal(
      flagsHelp(flags),
      [
        "  --seed N           reproducible ids",
        "  --max-in-flight N  export requests at once (default 4, at most 64); each request holds up to a",
        "                     batch of spans, so more in flight is more memory",
        "  -q, --quiet        print only problems",
      ].join("\n"),
    );
    assert.equal(flagsHelp(flags, ["quiet"]), "  -q, --quiet        print only problems");
  });

  it("puts the help of a flag too long for the column on the next line", () => {
    const flags = {
      "a-very-long-flag-name": textFlag("VALUE", "what it does"),
      x: switchFlag("short"),
    };
    assert.equal(
      flagsHelp(flags),
      [
        "  --a-very-long-flag-name VALUE",
        "                          what it does",
        "  --x                     short",
      ].join("\n"),
    );
  });
});
