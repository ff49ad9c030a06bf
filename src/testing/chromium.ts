/**
 * Test helper: opens a local HTML file in a real headless browser (Debian's `chromium`, or the
 * one `CHROMIUM` names) and returns the DOM after its scripts ran and what the browser logged.
 * Every host name resolves to nothing, so the page gets no network and the browser calls no one.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";

/** What the browser made of a page. */
export interface BrowserRender {
  /** The serialised DOM after the page's scripts ran (`--dump-dom`). */
  dom: string;
  /** The page's console messages and uncaught errors, as the browser logged them. */
  console: string[];
}

/** Renders `file` in headless chromium; throws with how to install it when it is missing. */
export async function renderInChromium(file: string): Promise<BrowserRender> {
  const browser = process.env.CHROMIUM ?? "chromium";
  const profile = await mkdtemp(join(tmpdir(), "chromium-profile-"));
  try {
    const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>(
      (done, fail) => {
        execFile(
          browser,
          [
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            "--no-first-run",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            `--user-data-dir=${profile}`,
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
            pathToFileURL(resolve(file)).href,
          ],
          { timeout: 90_000, maxBuffer: 64 * 1024 * 1024 },
          (error, stdout, stderr) => {
            if ((error as NodeJS.ErrnoException | null)?.code === "ENOENT") {
              fail(
                new Error(
                  `The HTML report test needs a real headless browser, and "${browser}" is not ` +
                    "installed: run `sudo apt-get install -y chromium` (Debian), or set CHROMIUM " +
                    "to a Chromium or Chrome binary. (.ci/run installs it.)",
                ),
              );
            } else if (error) fail(new Error(`${browser} failed: ${error.message}\n${stderr}`));
            else done({ stdout, stderr });
          },
        );
      },
    );
    return {
      dom: stdout,
      console: stderr.split("\n").filter((line) => /:CONSOLE[:(]/.test(line)),
    };
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}
