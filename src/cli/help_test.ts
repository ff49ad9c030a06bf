import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { COMMANDS, main } from "../main.ts";
import { captureIo } from "../../testing/io.ts";
import { runTask } from "../../testing/tasks.ts";
import type { FlagTable } from "./flags.ts";
import { GRADE_FLAGS, GRADE_HELP } from "./grade.ts";
import { LOAD_HELP } from "./load.ts";
import { LOAD_FLAGS } from "./load_flags.ts";
import { PURGE_FLAGS, PURGE_HELP } from "./purge.ts";
import { RECORD_FLAGS, RECORD_HELP } from "./record.ts";
import { REPLAY_FLAGS, REPLAY_HELP } from "./replay.ts";
import { REPORT_FLAGS, REPORT_HELP } from "./report.ts";
import { VALIDATE_FLAGS, VALIDATE_HELP } from "./validate.ts";
import { VERIFY_FLAGS, VERIFY_HELP } from "./verify.ts";

/** Every command, its flag table and its help. */
const HELPS: Record<string, { flags: FlagTable; help: string }> = {
  replay: { flags: REPLAY_FLAGS, help: REPLAY_HELP },
  load: { flags: LOAD_FLAGS, help: LOAD_HELP },
  validate: { flags: VALIDATE_FLAGS, help: VALIDATE_HELP },
  verify: { flags: VERIFY_FLAGS, help: VERIFY_HELP },
  purge: { flags: PURGE_FLAGS, help: PURGE_HELP },
  grade: { flags: GRADE_FLAGS, help: GRADE_HELP },
  record: { flags: RECORD_FLAGS, help: RECORD_HELP },
  report: { flags: REPORT_FLAGS, help: REPORT_HELP },
};

/** The flags a help lists as option rows (`  --seed N  ...`, `  -h, --help  ...`), in order. */
function rows(help: string): string[] {
  return [...help.matchAll(/^ {2}(?:-[A-Za-z], )?--([a-z][a-z-]*)/gm)].map((match) => match[1]);
}

/** The text of the option row of `--name`, its lines joined. */
function rowText(help: string, name: string): string {
  const lines = help.split("\n");
  const start = lines.findIndex((line) =>
    new RegExp(`^ {2}(?:-[A-Za-z], )?--${name}\\b`).test(line)
  );
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((line) => !/^ {4}/.test(line));
  return [lines[start], ...rest.slice(0, end === -1 ? undefined : end)].join(" ")
    .replace(/\s+/g, " ");
}

describe("help texts and flag tables", () => {
  it("cover every command main knows", () => {
    assert.deepEqual(Object.keys(HELPS).sort(), Object.keys(COMMANDS).sort());
  });

  it("list every declared flag once, and only declared flags", () => {
    for (const [command, { flags, help }] of Object.entries(HELPS)) {
      assert.deepEqual(rows(help).sort(), Object.keys(flags).sort(), command);
    }
  });

  it("say every declared default where the flag is listed", () => {
    for (const [command, { flags, help }] of Object.entries(HELPS)) {
      for (const [name, flag] of Object.entries(flags)) {
        if (flag.defaultText === undefined) continue;
        assert.match(
          rowText(help, name),
          new RegExp(`default:? ${flag.defaultText.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}\\b`),
          `${command} --${name}`,
        );
      }
    }
  });

  it("list only flags the command parses", async () => {
    for (const [command, { help }] of Object.entries(HELPS)) {
      for (const name of rows(help)) {
        // A value flag takes a placeholder; --help answers before any value is read.
        const value = HELPS[command].flags[name].option.type === "string" ? ["x"] : [];
        const run = captureIo();
        const code = await main([command, `--${name}`, ...value, "--help"], run.io);
        assert.equal(run.err(), "", `${command} --${name}`);
        assert.equal(code, 0, `${command} --${name}`);
        assert.equal(run.out().trimEnd(), help, `${command} --${name}`);
      }
    }
  });

  it("offer load only the targets it sends to, never the preview as its default", () => {
    const target = rowText(LOAD_HELP, "target");
    assert.match(target, /langfuse, otlp or file\b/);
    assert.doesNotMatch(target, /else preview|or preview/);
  });

  it("are what a user sees through deno task / bun run <command> --help", async () => {
    for (const [command, { help }] of Object.entries(HELPS)) {
      const result = await runTask(command, ["--help"]);
      assert.equal(result.code, 0, `${command}: ${result.stderr}`);
      assert.equal(result.stdout.trimEnd(), help, command);
    }
  });
});
