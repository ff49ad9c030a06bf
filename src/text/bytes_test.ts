import { test } from "node:test";
import assert from "node:assert/strict";
import { formatBytes } from "./bytes.ts";

test("formatBytes() shows bytes, KiB, MiB and GiB with at most two decimals", () => {
  const cases: [number, string][] = [
    [0, "0 bytes"],
    [1, "1 byte"],
    [1023, "1023 bytes"],
    [1536, "1.5 KiB"],
    [32 * 1024 * 1024, "32 MiB"],
    [6_291_456 + 50_000, "6.05 MiB"],
    [1_100_000, "1.05 MiB"],
    [2 ** 30, "1 GiB"],
    [5 * 2 ** 40, "5120 GiB"],
  ];
  for (const [bytes, text] of cases) assert.equal(formatBytes(bytes), text, String(bytes));
});
