import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { Buffer } from "node:buffer";
import { otlpJson, type TestSpan } from "../../testing/otlp.ts";
import { startTask } from "../../testing/tasks.ts";
import { TRACE } from "../emit/attributes.ts";

const MiB = 1024 * 1024;

/**
 * A gzip bomb: `mib` MiB of zeros as gzip members of 1 MiB each (one stream inflates them all),
 * a few hundred bytes a MiB on disk.
 */
function gzipBomb(mib: number): Uint8Array<ArrayBuffer> {
  const member = gzipSync(new Uint8Array(MiB));
  return new Uint8Array(Buffer.concat(Array(mib).fill(member)));
}

const tmp = () => mkdtemp(join(tmpdir(), "bounded-"));

describe("record refuses input too large to hold, and says so", () => {
  it("record --listen answers 413 to a gzip bomb and to a body over 32 MiB, and records what fits", async () => {
    const out = await tmp();
    let ready: (url: string) => void = () => {};
    const url = new Promise<string>((resolve) => (ready = resolve));
    const run = startTask(
      "record",
      ["--listen", "0", "--sessions", "1", "--idle", "200ms", "--out", out],
      {
        onStdout: (text) => {
          const found = /Listening for OTLP\/HTTP traces on (\S+)/.exec(text);
          if (found) ready(found[1]);
        },
      },
    );
    const traces = await url;
    const post = async (body: Uint8Array<ArrayBuffer>, gzip = false) => {
      const answer = await fetch(traces, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(gzip ? { "content-encoding": "gzip" } : {}),
        },
        body,
      });
      return { status: answer.status, text: await answer.text() };
    };
    // 40 KiB on the wire that would inflate to 1 GiB: refused once 32 MiB came out.
    const bomb = gzipBomb(1024);
    assert.ok(bomb.length < 2 * MiB, `the bomb is ${bomb.length} bytes`);
    const inflated = await post(bomb, true);
    assert.equal(inflated.status, 413);
    assert.match(inflated.text, /the gzip body inflates to more than 32 MiB/);
    const plain = await post(new Uint8Array(33 * MiB));
    assert.equal(plain.status, 413);
    assert.match(plain.text, /the request body is larger than 32 MiB/);

    const span: TestSpan = {
      traceId: "0af7651916cd43dd8448eb211c80319c",
      spanId: "b7ad6b7169203331",
      name: "support-turn",
      startMs: Date.now() - 2_000,
      endMs: Date.now() - 1_000,
      attributes: { [TRACE.sessionId]: "chat-1", [TRACE.userId]: "user-1" },
    };
    assert.equal((await post(new TextEncoder().encode(otlpJson([span])))).status, 200);
    const result = await run;
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stderr,
      /Refused a request from the app: HTTP 413: the gzip body inflates to more than 32 MiB/,
    );
    assert.match(result.stderr, /HTTP 413: the request body is larger than 32 MiB/);
    assert.match(result.stdout, /Received 1 span in 1 trace/);
    assert.equal((await readdir(out)).length, 1);
  });

  it("record --from-otlp refuses a file over 64 MiB, a gzip bomb and a line over 32 MiB, naming the file and line", async () => {
    const dir = await tmp();
    const huge = join(dir, "huge.jsonl");
    // Sparse: 300 MiB by its size, nothing on disk; refused before a byte is read.
    await writeFile(huge, "");
    await truncate(huge, 300 * MiB);
    const bomb = join(dir, "bomb.jsonl.gz");
    await writeFile(bomb, gzipBomb(100));
    const long = join(dir, "long.jsonl");
    const span = otlpJson([{
      traceId: "0af7651916cd43dd8448eb211c80319c",
      spanId: "b7ad6b7169203331",
      name: "turn",
      startMs: 1_000,
      endMs: 2_000,
      attributes: {},
    }]);
    await writeFile(long, `${span}\n{"resourceSpans": [${" ".repeat(33 * MiB)}]}\n`);
    const cases: [string, RegExp][] = [
      [
        huge,
        /huge\.jsonl: the file is 300 MiB; record reads OTLP files of up to 64 MiB: split it/,
      ],
      [bomb, /bomb\.jsonl\.gz: the file inflates \(gzip\) to more than 64 MiB; record reads/],
      [long, /long\.jsonl:2: the line is 33 MiB, more than the 32 MiB one export request/],
    ];
    for (const [file, message] of cases) {
      const out = join(dir, "out");
      const result = await startTask("record", ["--from-otlp", file, "--out", out]);
      assert.equal(result.code, 3, `${file}\n${result.stderr}`);
      assert.match(result.stderr, message);
      assert.doesNotMatch(result.stderr, /Internal error/);
    }
  });
});
