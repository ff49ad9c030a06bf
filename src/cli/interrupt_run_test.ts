import process from "node:process";
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LoadReport } from "../report/load_report.ts";

/**
 * Node starts the command as a process group leader, waits until spans reach its output file,
 * sends SIGINT to the whole group as a terminal's Ctrl-C does, and prints how the command
 * exited. (Deno's node:child_process can neither start a process group nor report a
 * signalled child's own exit code.)
 */
const RELAY = `const { spawn } = require("node:child_process");
const { statSync } = require("node:fs");
const [spans, command, ...args] = process.argv.slice(1);
const child = spawn(command, args, { detached: true, stdio: ["ignore", "ignore", "pipe"] });
let stderr = "";
child.stderr.on("data", (chunk) => (stderr += chunk));
const poll = setInterval(() => {
  let size = 0;
  try { size = statSync(spans).size; } catch {}
  if (size > 0) { clearInterval(poll); process.kill(-child.pid, "SIGINT"); }
}, 20);
const guard = setTimeout(() => process.kill(-child.pid, "SIGKILL"), 30000);
child.on("exit", (code, signal) => {
  clearInterval(poll);
  clearTimeout(guard);
  console.log(JSON.stringify({ code, signal, stderr }));
});`;

/** The package script `load` under the runtime running the tests. */
function loadTask(args: string[]): string[] {
  const isDeno = "Deno" in globalThis;
  return [process.execPath, ...(isDeno ? ["task", "load"] : ["run", "load"]), ...args];
}

function relay(spans: string, command: string[]): Promise<{
  code: number | null;
  signal: string | null;
  stderr: string;
}> {
  return new Promise((resolve, reject) => {
    const child = spawn("node", ["-e", RELAY, spans, ...command], {
      env: { ...process.env, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let stdout = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.on("error", reject);
    child.on("exit", () => {
      try {
        resolve(JSON.parse(stdout));
      } catch {
        reject(new Error(`the relay printed ${JSON.stringify(stdout)}`));
      }
    });
  });
}

/** Spans in an OTLP/JSON lines file. */
function spansIn(text: string): number {
  let count = 0;
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const request = JSON.parse(line) as {
      resourceSpans: { scopeSpans: { spans: unknown[] }[] }[];
    };
    for (const resource of request.resourceSpans) {
      for (const scope of resource.scopeSpans) count += scope.spans.length;
    }
  }
  return count;
}

test(
  "Ctrl-C in a terminal under the load task always delivers what is in flight, writes the report and exits 130",
  {
    timeout: 180_000,
  },
  async () => {
    for (let attempt = 1; attempt <= 5; attempt++) {
      const dir = await mkdtemp(join(tmpdir(), "interrupt-"));
      const spans = join(dir, "spans.jsonl");
      const reportFile = join(dir, "report.json");
      const { code, signal, stderr } = await relay(
        spans,
        loadTask([
          "conversations/order-status.yaml",
          "--sessions",
          "200000",
          "--target",
          "file",
          "--out",
          spans,
          "--out-dir",
          dir,
          "--report",
          reportFile,
        ]),
      );
      const where = `attempt ${attempt}:\n${stderr}`;
      assert.equal(signal, null, where);
      assert.equal(code, 130, where);
      const text = await readFile(reportFile, "utf8").catch(() => "");
      assert.notEqual(text, "", `${where}\nno report was written`);
      const report: LoadReport = JSON.parse(text);
      assert.equal(report.stopped, "interrupted (Ctrl-C)", where);
      assert.equal(report.spans.generated, report.spans.acknowledged + report.spans.failed, where);
      assert.equal(report.spans.failed, 0, where);
      assert.ok(report.sessions > 0 && report.sessions < 200_000, where);
      assert.equal(spansIn(await readFile(spans, "utf8")), report.spans.acknowledged, where);
    }
  },
);
