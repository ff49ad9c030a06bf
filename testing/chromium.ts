/**
 * Test helper: opens a local HTML file in a real headless browser (Debian's `chromium`, or the
 * one `CHROMIUM` names) and returns the DOM after its scripts ran and what the browser logged.
 * Every host name resolves to nothing, so the page gets no network and the browser calls no one.
 * Without a browser, `chromiumOrNotRun` fails under CI and says plainly, elsewhere, that the
 * check did not run.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";

/** What `chromiumOrNotRun` reads and where it reports; defaults: the process's env and stderr. */
export interface BrowserCheckOptions {
  env?: Record<string, string | undefined>;
  warn?: (line: string) => void;
}

/** How to get the browser, for the messages below. */
export const INSTALL_CHROMIUM = "sudo apt-get install -y chromium";

/**
 * Whether the browser check `what` can run. Without a browser it fails under CI (CI set and not
 * "false" or "0": CI installs one, so a check that did not run there is a failure), and
 * elsewhere prints a loud NOT RUN line saying what to install and answers false; the caller
 * then ends the test after its browser-free checks.
 */
export async function chromiumOrNotRun(
  what: string,
  options: BrowserCheckOptions = {},
): Promise<boolean> {
  const env = options.env ?? process.env;
  const browser = env.CHROMIUM ?? "chromium";
  if (await runs(browser)) return true;
  const missing = `"${browser}" is not installed (${INSTALL_CHROMIUM}, or set CHROMIUM to a ` +
    "Chromium or Chrome binary)";
  if (env.CI !== undefined && !["", "false", "0"].includes(env.CI)) {
    throw new Error(`${what} needs a real headless browser and CI must run it: ${missing}`);
  }
  (options.warn ?? ((line) => process.stderr.write(`${line}\n`)))(
    `NOT RUN: ${what}: ${missing}. The browser-free checks of the page passed; CI runs this one.`,
  );
  return false;
}

/** Whether `browser --version` starts. */
function runs(browser: string): Promise<boolean> {
  return new Promise((done) => {
    execFile(browser, ["--version"], { timeout: 30_000 }, (error) => {
      const code = (error as NodeJS.ErrnoException | null)?.code;
      done(code !== "ENOENT" && code !== "EACCES");
    });
  });
}

/** What the browser made of a page. */
export interface BrowserRender {
  /** The serialised DOM after the page's scripts ran (`--dump-dom`). */
  dom: string;
  /** The page's console messages and uncaught errors, as the browser logged them. */
  console: string[];
}

/**
 * Renders `file` in headless chromium; throws with how to install it when it is missing (ask
 * {@link chromiumOrNotRun} first).
 */
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
                    `installed: run \`${INSTALL_CHROMIUM}\` (Debian), or set CHROMIUM ` +
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
