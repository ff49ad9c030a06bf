import { test } from "node:test";
import assert from "node:assert/strict";
import { chromiumOrNotRun } from "./chromium.ts";

test("a browser check without a browser fails under CI, naming what to install", async () => {
  for (const CI of ["true", "1"]) {
    await assert.rejects(
      chromiumOrNotRun("the page in a real browser", { env: { CHROMIUM: "/nonexistent", CI } }),
      /the page in a real browser needs a real headless browser and CI must run it: "\/nonexistent" is not installed \(sudo apt-get install -y chromium/,
    );
  }
});

test("a browser check without a browser outside CI says loudly that it did not run, and what to install", async () => {
  for (const env of [{ CHROMIUM: "/nonexistent" }, { CHROMIUM: "/nonexistent", CI: "false" }]) {
    const lines: string[] = [];
    const ran = await chromiumOrNotRun("the page in a real browser", {
      env,
      warn: (line) => lines.push(line),
    });
    assert.equal(ran, false);
    assert.equal(lines.length, 1);
    assert.match(
      lines[0],
      /^NOT RUN: the page in a real browser: "\/nonexistent" is not installed \(sudo apt-get install -y chromium, or set CHROMIUM/,
    );
  }
});
