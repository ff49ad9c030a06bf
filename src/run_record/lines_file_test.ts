import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CHUNK_BYTES, LinesFile, LinesFileError } from "./lines_file.ts";

describe("LinesFile", () => {
  it("writes every line in order, across many chunks, with non-ASCII text intact", async () => {
    const path = join(await mkdtemp(join(tmpdir(), "lines-")), "s.jsonl");
    const file = LinesFile.open(path);
    const lines = Array.from({ length: 5000 }, (_, i) => JSON.stringify({ i, text: `é😀 ${i}` }));
    for (const line of lines) file.write(line);
    file.close();
    assert.ok(lines.join("\n").length > 2 * CHUNK_BYTES, "the test spans several chunks");
    assert.equal(await readFile(path, "utf8"), lines.join("\n") + "\n");
  });

  it("names the file when it cannot be created", () => {
    const path = join(tmpdir(), "no-such-dir-for-lines", "s.jsonl");
    assert.throws(() => LinesFile.open(path), (error: Error) => {
      assert.ok(error instanceof LinesFileError);
      assert.match(
        error.message,
        /cannot write .*no-such-dir-for-lines\/s\.jsonl: no such file or directory/,
      );
      assert.equal((error.cause as { code?: string }).code, "ENOENT");
      return true;
    });
  });

  // Linux's /dev/full answers every write with ENOSPC, as a full disk does.
  it("reports a write that failed on the way (a full disk) when it is closed", () => {
    const file = LinesFile.open("/dev/full");
    for (let i = 0; i < 2000; i++) file.write("x".repeat(100));
    assert.throws(() => file.close(), /cannot write \/dev\/full: no space left on the device/);
  });
});
