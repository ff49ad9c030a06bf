import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { permissionMessage } from "./permissions.ts";
import { denoDenial, fsReason } from "../text/fs_reason.ts";
import { taskCommand } from "../runtime.ts";

/** An error shaped as Deno's NotCapable, as its node:fs and process.env throw it. */
function notCapable(message: string): Error {
  const error = new Error(message);
  error.name = "NotCapable";
  return error;
}

test("Deno's refusals are read as the access, what it was for and the flag that grants it", () => {
  const cases: [string, ReturnType<typeof denoDenial>][] = [
    [
      'Requires write access to "out/run_1.json.purge-left.json", run again with the --allow-write flag',
      { kind: "write", target: "out/run_1.json.purge-left.json", flag: "--allow-write" },
    ],
    [
      'Requires env access to "LANGFUSE_PUBLIC_KEY", run again with the --allow-env flag',
      { kind: "env", target: "LANGFUSE_PUBLIC_KEY", flag: "--allow-env" },
    ],
    [
      'Requires sys access to "uid", run again with the --allow-sys flag',
      { kind: "sys", target: "uid", flag: "--allow-sys" },
    ],
    ["Requires net access", { kind: "net", flag: "--allow-net" }],
  ];
  for (const [message, expected] of cases) {
    assert.deepEqual(denoDenial(notCapable(message)), expected, message);
  }
  assert.equal(denoDenial(new Error("Requires write access to x")), undefined, "not NotCapable");
});

test("a permission error becomes the tool's own message; anything else is left alone", () => {
  const denied = notCapable(
    'Requires write access to "out/x.json", run again with the --allow-write flag',
  );
  assert.equal(
    permissionMessage(denied, "purge"),
    'Deno did not give session-replay write access to "out/x.json" (--allow-write). ' +
      `\`${taskCommand("purge")}\` grants every permission purge needs; with deno run, add ` +
      "--allow-write.",
  );
  const eacces = Object.assign(new Error("EACCES: permission denied, open 'out/x.json'"), {
    code: "EACCES",
    syscall: "open",
    path: "out/x.json",
  });
  assert.equal(permissionMessage(eacces, "replay"), 'Cannot open "out/x.json": permission denied');
  const erofs = Object.assign(new Error("EROFS"), { code: "EROFS", syscall: "mkdir", path: "o" });
  assert.equal(permissionMessage(erofs), 'Cannot mkdir "o": the file system is read-only');
  assert.equal(fsReason(denied), "Deno was not given write access (--allow-write)");
  assert.equal(permissionMessage(new TypeError("x is undefined"), "replay"), undefined);
});

/** Runs `deno run <flags> src/main.ts <args>`: Deno itself, whichever runtime runs the tests. */
function denoRun(flags: string[], args: string[]): Promise<{ code: number | null; err: string }> {
  const deno = "Deno" in globalThis ? process.execPath : "deno";
  return new Promise((resolve, reject) => {
    const child = spawn(deno, ["run", ...flags, "src/main.ts", ...args], {
      env: { ...process.env, NO_COLOR: "1" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let err = "";
    child.stderr.on("data", (chunk) => (err += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, err }));
  });
}

test(
  "a command Deno runs without a permission it needs exits 2 naming the access and the flag, never as an internal error",
  { timeout: 60_000 },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), "permissions-"));
    const out = join(dir, "spans", "x.jsonl");
    const replay = ["replay", "conversations/refund.yaml", "--target", "file", "--out", out];
    const cases: { flags: string[]; args: string[]; says: RegExp }[] = [
      {
        flags: ["--allow-read"],
        args: ["validate", "conversations/refund.yaml"],
        says:
          /^Deno did not give session-replay env access to "\w+" \(--allow-env\)\. `deno task validate` grants every permission validate needs; with deno run, add --allow-env\.$/,
      },
      {
        // Deno's node:net listen() throws on a later tick, out of reach of any try.
        flags: ["--allow-read", "--allow-env", "--allow-write", "--allow-sys"],
        args: ["replay", "conversations/refund.yaml", "--no-manifest"],
        says:
          /^Deno did not give session-replay net access to "127\.0\.0\.1:0" \(--allow-net\)\. `deno task replay` grants every permission replay needs/,
      },
      {
        flags: ["--allow-read", "--allow-env", "--allow-sys"],
        args: [...replay, "--no-manifest"],
        says:
          /^--out: cannot (create|write in) the directory .*: Deno was not given write access \(--allow-write\)$/,
      },
    ];
    for (const { flags, args, says } of cases) {
      const run = await denoRun(flags, args);
      const where = `deno run ${flags.join(" ")} src/main.ts ${args.join(" ")}: ${run.err}`;
      assert.equal(run.code, 2, where);
      assert.match(run.err.trim(), says, where);
      assert.doesNotMatch(run.err, /Internal error|Uncaught/, where);
    }
    await assert.rejects(stat(out), { code: "ENOENT" }, "nothing was sent");
  },
);
