import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../main.ts";
import type { FakeLangfuse } from "../../testing/fake_langfuse/server.ts";
import { FakeClock } from "../../testing/clock.ts";
import { captureIo } from "../../testing/io.ts";
import { langfuseEnv } from "../../testing/langfuse.ts";
import { withFakeLangfuse } from "../../testing/servers.ts";

const tmp = () => mkdtemp(join(tmpdir(), "production-"));
const PROJECTS = "GET /api/public/projects";
const OTLP = "POST /api/public/otel/v1/traces";

/** Each request the fake answered, as "METHOD path" without the query. */
const calls = (fake: FakeLangfuse) =>
  fake.requests.map((r) => `${r.method} ${r.path.split("?")[0]}`);

const replayArgs = (dir: string, ...extra: string[]) => [
  "replay",
  "conversations/refund.yaml",
  "--seed",
  "3",
  "--manifest-dir",
  dir,
  "--quiet",
  ...extra,
];

test("replay asks Langfuse for the keys' project first and sends to a staging one", async () => {
  await withFakeLangfuse({}, async (fake) => {
    const run = captureIo(langfuseEnv(fake));
    assert.equal(await main(replayArgs(await tmp()), run.io), 0, run.err());
    assert.equal(calls(fake)[0], PROJECTS);
    assert.ok(calls(fake).slice(1).includes(OTLP));
    assert.ok(fake.spans.length > 0);
  });
});

test("replay and load refuse a project named like production before any span, saying what matched", async () => {
  for (const name of ["Support Production", "acme-prod01", "PRD_support", "support-live"]) {
    await withFakeLangfuse({ projectName: name }, async (fake) => {
      const dir = await tmp();
      const runs = [
        replayArgs(dir),
        ["load", "conversations/refund.yaml", "--sessions", "3", "--seed", "1", "--out-dir", dir],
      ];
      for (const args of runs) {
        const run = captureIo(langfuseEnv(fake));
        assert.equal(await main(args, run.io), 2, `${args[0]} ${name}`);
        assert.match(
          run.err(),
          new RegExp(
            `Refusing to send synthetic data to production: the keys belong to the Langfuse ` +
              `project "${name}", named like production \\("(prod|prd|production|live)"\\)`,
          ),
        );
        assert.match(run.err(), /--allow-production/);
        assert.ok(!run.err().includes(fake.keys.secretKey));
      }
      assert.deepEqual(calls(fake), [PROJECTS, PROJECTS], "nothing but the question was sent");
      assert.deepEqual(await readdir(dir), [], "no manifest, no report");
    });
  }
});

test("look-alike letters do not hide production: Greek and Cyrillic homoglyphs, fullwidth, accents, invisible characters", async () => {
  const spellings = [
    "pr\u03bfduction", // Greek small omicron
    "\u03a1ROD-eu", // Greek capital rho
    "\u0440rod", // Cyrillic small er
    "liv\u0435", // Cyrillic small ie
    "\uff50\uff52\uff44", // fullwidth prd
    "pr\u00f3d", // an accent
    "pro\u200bd", // a zero-width space
  ];
  for (const name of spellings) {
    await withFakeLangfuse({ projectName: name }, async (fake) => {
      const run = captureIo(langfuseEnv(fake));
      assert.equal(await main(replayArgs(await tmp()), run.io), 2, name);
      assert.match(
        run.err(),
        /the keys belong to the Langfuse project ".+" \(read as "[^"]+"\), named like production/,
        name,
      );
      assert.deepEqual(calls(fake), [PROJECTS], "nothing but the question was sent");
    });
    await withFakeLangfuse({}, async (fake) => {
      const env = { ...langfuseEnv(fake), LANGFUSE_TRACING_ENVIRONMENT: name };
      const run = captureIo(env);
      assert.equal(await main(replayArgs(await tmp()), run.io), 2, name);
      assert.match(run.err(), /LANGFUSE_TRACING_ENVIRONMENT .* is named like production/, name);
      assert.deepEqual(calls(fake), []);
    });
  }
});

test("a punycode host that spells production with look-alike letters is refused without contacting it", async () => {
  const run = captureIo({
    LANGFUSE_BASE_URL: "https://langfuse-pr\u03bfduction.example.com",
    LANGFUSE_PUBLIC_KEY: "pk-lf-x",
    LANGFUSE_SECRET_KEY: "sk-lf-x",
  });
  assert.equal(await main(replayArgs(await tmp()), run.io), 2);
  assert.match(
    run.err(),
    /the host "xn--langfuse-prduction-p5m\.example\.com" \(read as "langfuse-production\.example\.com"\) is named like production/,
  );
});

test("--allow-production sends to a production project without asking which it is", async () => {
  await withFakeLangfuse({ projectName: "production" }, async (fake) => {
    const run = captureIo(langfuseEnv(fake));
    assert.equal(await main(replayArgs(await tmp(), "--allow-production"), run.io), 0, run.err());
    assert.ok(!calls(fake).includes(PROJECTS));
    assert.ok(fake.spans.length > 0);
  });
});

test("a host already named like production is refused without contacting it", async () => {
  await withFakeLangfuse({}, async (fake) => {
    // The fake would answer "staging-demo"; the variable alone decides, so it is never asked.
    const env = { ...langfuseEnv(fake), LANGFUSE_TRACING_ENVIRONMENT: "Prod-EU" };
    const run = captureIo(env);
    assert.equal(await main(replayArgs(await tmp()), run.io), 2);
    assert.match(run.err(), /LANGFUSE_TRACING_ENVIRONMENT "Prod-EU" is named like production/);
    assert.deepEqual(calls(fake), []);
  });
});

test("refused keys are reported when asking for the project: exit 4 for replay, nothing sent, no key shown", async () => {
  await withFakeLangfuse({}, async (fake) => {
    const secret = "sk-lf-0f9e8d7c6b5a";
    const run = captureIo({ ...langfuseEnv(fake), LANGFUSE_SECRET_KEY: secret });
    const dir = await tmp();
    assert.equal(await main(replayArgs(dir), run.io), 4);
    assert.match(
      run.err(),
      /Langfuse rejected the API keys \(HTTP 401\) for GET \/api\/public\/projects: check LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY.*Nothing was sent\./,
    );
    assert.ok(!run.err().includes(secret) && !run.err().includes(fake.keys.publicKey));
    assert.deepEqual(calls(fake), [PROJECTS]);
    assert.deepEqual(await readdir(dir), []);
  });
});

test("when Langfuse cannot be reached to ask for the project, replay exits 6 and sends nothing", async () => {
  const clock = new FakeClock();
  const run = captureIo({
    LANGFUSE_BASE_URL: "http://127.0.0.1:59",
    LANGFUSE_PUBLIC_KEY: "pk-lf-1",
    LANGFUSE_SECRET_KEY: "sk-lf-1",
  }, { clock });
  const dir = await tmp();
  assert.equal(await main(replayArgs(dir), run.io), 6);
  assert.match(
    run.err(),
    /Could not ask Langfuse which project the keys belong to, so production cannot be ruled out: Could not reach Langfuse for GET \/api\/public\/projects: .*Nothing was sent\./,
  );
  assert.deepEqual(await readdir(dir), []);
});

test("purge refuses a production project unless --allow-production; verify only reads and is not refused", async () => {
  await withFakeLangfuse({ projectName: "Support Production" }, async (fake) => {
    const dir = await tmp();
    const sent = captureIo(langfuseEnv(fake));
    assert.equal(await main(replayArgs(dir, "--allow-production"), sent.io), 0, sent.err());
    const manifest = join(dir, (await readdir(dir)).find((name) => name.startsWith("run_"))!);

    const check = captureIo(langfuseEnv(fake));
    assert.equal(await main(["verify", manifest, "--timeout", "30s"], check.io), 0, check.err());

    const refused = captureIo(langfuseEnv(fake));
    assert.equal(await main(["purge", manifest, "--yes"], refused.io), 2);
    assert.match(
      refused.err(),
      /Refusing to delete from production: the keys belong to the Langfuse project "Support Production", named like production \("production"\)/,
    );
    assert.deepEqual(fake.deletedTraceIds, []);
    assert.equal(refused.out(), "", "nothing shown as if it would be deleted");

    const allowed = captureIo(langfuseEnv(fake));
    assert.equal(
      await main(["purge", manifest, "--yes", "--allow-production"], allowed.io),
      0,
      allowed.err(),
    );
    assert.ok(fake.deletedTraceIds.length > 0);
  });
});

test("purge reports refused keys when asking for the project with exit 6, deleting nothing", async () => {
  await withFakeLangfuse({}, async (fake) => {
    const dir = await tmp();
    const sent = captureIo(langfuseEnv(fake));
    assert.equal(await main(replayArgs(dir), sent.io), 0, sent.err());
    const manifest = join(dir, (await readdir(dir)).find((name) => name.startsWith("run_"))!);
    const run = captureIo({ ...langfuseEnv(fake), LANGFUSE_SECRET_KEY: "sk-lf-wrong" });
    assert.equal(await main(["purge", manifest, "--yes"], run.io), 6);
    assert.match(
      run.err(),
      /HTTP 401.*LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY.*Nothing was deleted\./,
    );
    assert.deepEqual(fake.deletedTraceIds, []);
  });
});
