/**
 * The class test for secrets: real commands, in-process through main(), against loopback
 * servers that echo the request (authorization included) in their error bodies or answer with
 * an HTML page; every output and every written file is searched for every form of every
 * secret. And malformed configuration is refused with exit 2 before anything is sent.
 */
import { withoutResources } from "../testing/scripts.ts";
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "./main.ts";
import { closeServer, listenOnLoopback } from "./http/loopback.ts";
import { captureIo } from "../testing/io.ts";

const PUBLIC_KEY = "pk-lf-public-4f1e2d3c";
const SECRET_KEY = "sk-lf-secret-9a8b7c6d";
const TOKEN = btoa(`${PUBLIC_KEY}:${SECRET_KEY}`);
const API_KEY = "k3y/with space&more!";
const BEARER = "tok-0a1b2c3d4e5f";
const HEADERS = `x-api-key=${encodeURIComponent(API_KEY)},authorization=Bearer%20${BEARER}`;

/** Every form a secret of this file's environment could take in output. */
const SECRET_FORMS = [
  PUBLIC_KEY,
  SECRET_KEY,
  TOKEN,
  `Basic ${TOKEN}`,
  API_KEY,
  encodeURIComponent(API_KEY),
  BEARER,
  `Bearer ${BEARER}`,
];

/** A server on loopback that answers every request with `answer`, counting requests. */
async function withServer(
  answer: (req: IncomingMessage, res: ServerResponse) => void,
  fn: (url: string, received: () => number) => Promise<void>,
): Promise<void> {
  let count = 0;
  const server = createServer((req, res) => {
    count++;
    req.resume();
    req.on("end", () => answer(req, res));
  });
  const url = await listenOnLoopback(server);
  try {
    await fn(url, () => count);
  } finally {
    await closeServer(server);
  }
}

/** Answers 400 with the request's headers first in the body, as a careless proxy does. */
function echo(req: IncomingMessage, res: ServerResponse): void {
  const { authorization, ...rest } = req.headers;
  res.writeHead(400, { "content-type": "text/plain" });
  res.end(`authorization: ${authorization} ${JSON.stringify(rest)} ${req.url}`);
}

/** Answers 404 with a web app's HTML page, as a wrong base URL gets. */
function htmlPage(_req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(404, { "content-type": "text/html" });
  res.end("<!DOCTYPE html>\n<html><head><title>Not found</title></head><body>404</body></html>");
}

/** Everything the run wrote: out, err, progress and every file in `dir`. */
async function everything(run: ReturnType<typeof captureIo>, dir: string): Promise<string> {
  const files = await readdir(dir);
  const contents = await Promise.all(files.map((name) => readFile(join(dir, name), "utf8")));
  return [run.out(), run.err(), run.progress(), ...contents].join("\n");
}

function assertNoSecret(text: string): void {
  for (const form of SECRET_FORMS) {
    assert.ok(!text.includes(form), `a secret form appeared in the output: ${form.slice(0, 3)}…`);
  }
}

test("no form of a key or header value appears in output or files when the target echoes the request", async () => {
  await withServer(echo, async (url, received) => {
    const dir = await mkdtemp(join(tmpdir(), "secrets-"));
    const env = {
      LANGFUSE_BASE_URL: url,
      LANGFUSE_PUBLIC_KEY: PUBLIC_KEY,
      LANGFUSE_SECRET_KEY: SECRET_KEY,
      OTEL_EXPORTER_OTLP_ENDPOINT: url,
      OTEL_EXPORTER_OTLP_HEADERS: HEADERS,
    };
    // The production guard's project lookup meets the echo first: its error is redacted too.
    const guarded = captureIo(env);
    // Without prompts and scores, so that no fixture request meets the echo before the spans.
    const script = await withoutResources("conversations/order-status.yaml");
    const replay = ["replay", script, "--manifest-dir", dir];
    assert.equal(await main(replay, guarded.io), 6, guarded.err());
    // Past the guard, the spans themselves meet the echo.
    const langfuse = captureIo(env);
    assert.equal(
      await main([...replay, "--allow-production"], langfuse.io),
      4,
      langfuse.err(),
    );
    // With them, the first fixture request meets the echo: refused, redacted, nothing sent.
    const resources = captureIo(env);
    const withResources = ["replay", "conversations/order-status.yaml", "--no-manifest"];
    assert.equal(await main([...withResources, "--allow-production"], resources.io), 6);
    assert.match(resources.err(), /Resources: prompt "intent-router".*\[redacted\]/s);
    const otlp = captureIo(env);
    assert.equal(await main([...replay, "--target", "otlp"], otlp.io), 4, otlp.err());
    const load = captureIo(env);
    const loadArgs = ["load", script, "--sessions", "3", "--seed", "1"];
    const loaded = await main(
      [...loadArgs, "--out-dir", dir, "--report", join(dir, "report.json"), "--allow-production"],
      load.io,
    );
    assert.equal(loaded, 4, load.err());
    // The Langfuse replay's manifest: the OTLP replay is another run, with its own.
    let manifest = "";
    for (const name of (await readdir(dir)).filter((n) => /^run_[^.]+\.json$/.test(n))) {
      const run = JSON.parse(await readFile(join(dir, name), "utf8"));
      if (run.target.kind === "langfuse") manifest = name;
    }
    const verify = captureIo(env);
    assert.equal(await main(["verify", join(dir, manifest)], verify.io), 6, verify.err());

    assert.ok(received() >= 4, "every command reached the echoing server");
    const all = (await everything(langfuse, dir)) + guarded.err() + guarded.out() + otlp.err() +
      resources.err() + resources.out() +
      otlp.out() + load.err() +
      load.out() + load.progress() + verify.err() + verify.out();
    assert.match(all, /\[redacted\]/, "the echoed headers arrived, redacted");
    assertNoSecret(all);
  });
});

test("an HTML page answering the export says to check the base URL variable, without the HTML", async () => {
  await withServer(htmlPage, async (url) => {
    const dir = await mkdtemp(join(tmpdir(), "secrets-"));
    const run = captureIo({
      LANGFUSE_BASE_URL: url,
      LANGFUSE_PUBLIC_KEY: PUBLIC_KEY,
      LANGFUSE_SECRET_KEY: SECRET_KEY,
    });
    const replay = [
      "replay",
      await withoutResources("conversations/order-status.yaml"),
      "--manifest-dir",
      dir,
    ];
    const guarded = captureIo(run.io.env as Record<string, string>);
    assert.equal(await main(replay, guarded.io), 6, guarded.err());
    assert.match(guarded.err(), /an HTML page, not an API answer: check LANGFUSE_BASE_URL/);
    assert.doesNotMatch(guarded.err(), /DOCTYPE|<html/i);
    const code = await main([...replay, "--allow-production"], run.io);
    assert.equal(code, 4, run.err());
    const all = await everything(run, dir);
    assert.match(all, /HTTP 404: an HTML page, not an API answer: check LANGFUSE_BASE_URL/);
    assert.doesNotMatch(all, /DOCTYPE|<html/i);

    const otlp = captureIo({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${url}/v1/traces` });
    assert.equal(
      await main(["replay", "conversations/order-status.yaml", "--no-manifest"], otlp.io),
      4,
    );
    assert.match(otlp.err(), /check OTEL_EXPORTER_OTLP_TRACES_ENDPOINT/);
    assert.doesNotMatch(otlp.err(), /DOCTYPE/);
  });
});

test("an HTML page answering an API call says to check LANGFUSE_BASE_URL", async () => {
  await withServer(htmlPage, async (url) => {
    const dir = await mkdtemp(join(tmpdir(), "secrets-"));
    const send = captureIo();
    const replay = ["replay", "conversations/order-status.yaml", "--target", "file", "--out"];
    assert.equal(
      await main([...replay, join(dir, "s.jsonl"), "--manifest-dir", dir], send.io),
      0,
      send.err(),
    );
    const manifest = (await readdir(dir)).find((name) => name.endsWith(".json"))!;
    // As if it had gone to that Langfuse: purge refuses a run sent elsewhere before any call.
    const written = JSON.parse(await readFile(join(dir, manifest), "utf8"));
    written.target = { ...written.target, kind: "langfuse" };
    await writeFile(join(dir, manifest), JSON.stringify(written));
    const run = captureIo({
      LANGFUSE_BASE_URL: url,
      LANGFUSE_PUBLIC_KEY: PUBLIC_KEY,
      LANGFUSE_SECRET_KEY: SECRET_KEY,
    });
    const code = await main(["purge", join(dir, manifest), "--yes"], run.io);
    assert.notEqual(code, 0);
    assert.match(run.err(), /check (that )?LANGFUSE_BASE_URL/);
    assert.doesNotMatch(run.err(), /DOCTYPE|<html/i);
  });
});

test("malformed configuration exits 2 naming the variable, not the value, and sends nothing", async () => {
  await withServer(echo, async (url, received) => {
    const langfuse = { LANGFUSE_PUBLIC_KEY: PUBLIC_KEY, LANGFUSE_SECRET_KEY: SECRET_KEY };
    const cases: [Record<string, string>, string, string][] = [
      [
        { OTEL_EXPORTER_OTLP_ENDPOINT: url, OTEL_EXPORTER_OTLP_HEADERS: "x-key=val-cr%0D%0Aset" },
        "OTEL_EXPORTER_OTLP_HEADERS",
        "val-cr",
      ],
      [
        { OTEL_EXPORTER_OTLP_ENDPOINT: url, OTEL_EXPORTER_OTLP_HEADERS: "x-key=half%E0%A4%A" },
        "OTEL_EXPORTER_OTLP_HEADERS",
        "half",
      ],
      [
        {
          OTEL_EXPORTER_OTLP_ENDPOINT: url,
          OTEL_EXPORTER_OTLP_TRACES_HEADERS: "bad name=value-x1",
        },
        "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
        "value-x1",
      ],
      [{ ...langfuse, LANGFUSE_BASE_URL: `${url}/?key=qsecret1` }, "LANGFUSE_BASE_URL", "qsecret1"],
      [{ ...langfuse, LANGFUSE_HOST: `${url}#fragsecret` }, "LANGFUSE_HOST", "fragsecret"],
      [{ OTEL_EXPORTER_OTLP_ENDPOINT: `${url}/?t=tok9` }, "OTEL_EXPORTER_OTLP_ENDPOINT", "tok9"],
      [
        { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://127.0.0.1:6000/v1/traces" },
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
        "6000/v1",
      ],
      [{ ...langfuse, LANGFUSE_BASE_URL: "http://127.0.0.1:0" }, "LANGFUSE_BASE_URL", ":0"],
      [
        { OTEL_EXPORTER_OTLP_ENDPOINT: url, OTEL_EXPORTER_OTLP_TIMEOUT: "-5" },
        "OTEL_EXPORTER_OTLP_TIMEOUT",
        "-5",
      ],
      [
        { OTEL_EXPORTER_OTLP_ENDPOINT: url, OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: "soon" },
        "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
        "soon",
      ],
    ];
    for (const [env, variable, value] of cases) {
      const run = captureIo(env);
      const code = await main(
        ["replay", "conversations/order-status.yaml", "--no-manifest"],
        run.io,
      );
      assert.equal(code, 2, `${variable}: ${run.err()}`);
      assert.match(run.err(), new RegExp(variable));
      assert.ok(!run.err().includes(value), `the value is not shown: ${run.err()}`);
    }
    for (const command of ["verify", "purge"]) {
      const run = captureIo({ ...langfuse, LANGFUSE_BASE_URL: `${url}/?key=qsecret1` });
      assert.equal(await main([command, "out/none.json"], run.io), 2, run.err());
      assert.match(run.err(), /LANGFUSE_BASE_URL must not have a query/);
      assert.ok(!run.err().includes("qsecret1"));
    }
    assert.equal(received(), 0, "nothing was sent");
  });
});
