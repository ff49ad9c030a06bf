import { withoutResources } from "../testing/scripts.ts";
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "./main.ts";
import { startOtlpReceiver } from "./export/receiver.ts";
import { startFakeLangfuse } from "../testing/fake_langfuse/server.ts";
import { GOLDEN, goldenArgs } from "../scripts/update_golden.ts";
import { captureIo } from "../testing/io.ts";
import { taskCommand } from "./runtime.ts";

/** A captured Io whose unseeded runs get a fresh random seed each. */
const io = (env: Record<string, string> = {}) =>
  captureIo(env, { randomSeed: () => Math.floor(Math.random() * 2 ** 32) });

const tmp = () => mkdtemp(join(tmpdir(), "session-replay-"));

test("a seeded replay reproduces the golden payload byte for byte", async () => {
  const file = join(await tmp(), "spans.jsonl");
  const run = io();
  assert.equal(await main(goldenArgs(file), run.io), 0, run.err());
  assert.equal(await readFile(file, "utf8"), await readFile(GOLDEN, "utf8"));
});

test("without a seed each replay adds new traces to the same fixed session", async () => {
  const dir = await tmp();
  const first = io();
  const second = io();
  const args = (
    name: string,
  ) => [
    "replay",
    "conversations/order-status.yaml",
    "--target",
    "file",
    "--out",
    join(dir, name),
    "--manifest-dir",
    dir,
  ];
  assert.equal(await main(args("a.jsonl"), first.io), 0);
  assert.equal(await main(args("b.jsonl"), second.io), 0);
  const manifests = await Promise.all(
    (await readdir(dir)).filter((name) => name.startsWith("run_")).map(async (name) =>
      JSON.parse(await readFile(join(dir, name), "utf8"))
    ),
  );
  assert.equal(manifests.length, 2);
  assert.deepEqual(manifests.map((m) => m.sessions[0].sessionId), [
    "conv_82d9535867844b4c8cdff",
    "conv_82d9535867844b4c8cdff",
  ]);
  const traceIds = manifests.flatMap((m) =>
    m.sessions[0].traces.map((t: { traceId: string }) => t.traceId)
  );
  assert.equal(new Set(traceIds).size, 6, "two sets of three traces");
});

test("the default preview starts with the session, its traces, and ends with how to send them to Langfuse", async () => {
  const run = io();
  const dir = await tmp();
  assert.equal(
    await main(
      ["replay", "conversations/order-status.yaml", "--seed", "1", "--manifest-dir", dir],
      run.io,
    ),
    0,
    run.err(),
  );
  const text = run.out();
  assert.match(
    text,
    /^Session conv_82d9535867844b4c8cdff · user usr_pseudo_7f31c2 · 3 traces · 20 spans/,
    "nothing comes before the session",
  );
  assert.match(
    text,
    /\n {2}manifest .*\n {2}prompts {3}intent-router, support-answer: not linked here \(Langfuse numbers their versions; the langfuse target creates them and links every generation\)\n/,
    "why declared prompts are not linked is one line of the summary",
  );
  assert.match(text, /└─ agent support-agent/);
  assert.match(text, /generation compose-answer .* gpt-5\.4 · \d+→\d+ tok/);
  // Later turns repeat the tool schemas, system prompt and first question: cached.
  assert.match(
    text,
    /generation compose-answer .* gpt-5\.4 · \d+→\d+ tok \(input_cached_tokens 1152\)/,
  );
  assert.match(text, /tool create_handoff_ticket .*⚠ WARNING/);
  assert.match(text, /No contract problems found\./);
  assert.match(text, /spans {5}20 generated, 20 acknowledged, 0 failed/);
  assert.ok(
    text.endsWith(
      `LANGFUSE_SECRET_KEY=sk-lf-... ${taskCommand("replay")} conversations/order-status.yaml`,
    ),
    "the hint names the runtime running",
  );
});

test("an invalid script exits 3 with file:line:column and sends nothing", async () => {
  const receiver = await startOtlpReceiver();
  try {
    const dir = await tmp();
    const bad = join(dir, "bad.yaml");
    const good = await readFile("conversations/order-status.yaml", "utf8");
    await writeFile(
      bad,
      good.replace("kind: delay", "kind: delayed").replace("region: eu", "region: mars"),
    );
    const run = io({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
    assert.equal(
      await main(["replay", "conversations/refund.yaml", bad, "--manifest-dir", dir], run.io),
      3,
    );
    const regionLine = good.split("\n").findIndex((line) => line.includes("region: eu")) + 1;
    assert.ok(
      run.err().includes(
        `${bad}:${regionLine}:13: trace.metadata.region must be one of eu, us, global`,
      ),
      run.err(),
    );
    assert.match(run.err(), /:\d+:\d+: turns\[1\]\.kind must be one of/);
    assert.match(run.err(), /Nothing was sent\./);
    assert.equal(receiver.requests.length, 0, "the valid script was not sent either");
    assert.deepEqual((await readdir(dir)).filter((name) => name.startsWith("run_")), []);
  } finally {
    await receiver.close();
  }
});

test("refused credentials on the OTLP route stop the run with exit 4, naming the variables and never the keys", async () => {
  const receiver = await startOtlpReceiver({
    auth: { publicKey: "pk-lf-good", secretKey: "sk-lf-good" },
  });
  try {
    const dir = await tmp();
    const secret = "sk-lf-0f9e8d7c6b5a";
    const run = io({
      LANGFUSE_BASE_URL: receiver.url,
      LANGFUSE_PUBLIC_KEY: "pk-lf-0a1b2c",
      LANGFUSE_SECRET_KEY: secret,
    });
    receiver.requests.length = 0;
    // The receiver is no Langfuse API; --allow-production skips asking it for the keys' project.
    // Without prompts and scores: the receiver is no Langfuse API to make them exist.
    const code = await main([
      "replay",
      await withoutResources("conversations/order-status.yaml"),
      await withoutResources("conversations/refund.yaml"),
      "--manifest-dir",
      dir,
      "--allow-production",
    ], run.io);
    assert.equal(code, 4);
    assert.equal(receiver.requests.length, 1, "stopped after the first refusal");
    assert.match(
      run.err(),
      /refused the credentials \(HTTP 401\): check LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY/,
    );
    const manifest = await readFile(join(dir, (await readdir(dir))[0]), "utf8");
    for (const text of [run.out(), run.err(), manifest]) {
      assert.ok(
        !text.includes(secret) && !text.includes("pk-lf-0a1b2c"),
        "no key in output or manifest",
      );
      assert.ok(
        !text.includes(btoa(`pk-lf-0a1b2c:${secret}`)),
        "no auth header in output or manifest",
      );
    }
    const report = JSON.parse(manifest);
    assert.equal(report.spans.acknowledged, 0);
    assert.equal(report.spans.generated, report.spans.failed);
  } finally {
    await receiver.close();
  }
});

test("the Langfuse target posts to the OTLP route with Basic auth and ingestion version 4", async () => {
  const receiver = await startOtlpReceiver({
    auth: { publicKey: "pk-lf-good", secretKey: "sk-lf-good" },
  });
  try {
    const run = io({
      LANGFUSE_HOST: receiver.url,
      LANGFUSE_PUBLIC_KEY: "pk-lf-good",
      LANGFUSE_SECRET_KEY: "sk-lf-good",
    });
    assert.equal(
      // The receiver is no Langfuse API; --allow-production skips asking it for the project.
      await main(
        [
          "replay",
          // Without prompts and scores: the receiver is no Langfuse API to make them exist.
          await withoutResources("conversations/handoff.yaml"),
          "--no-manifest",
          "--gzip",
          "--allow-production",
        ],
        run.io,
      ),
      0,
      run.err(),
    );
    const request = receiver.requests[0];
    assert.equal(request.path, "/api/public/otel/v1/traces");
    assert.equal(request.headers["x-langfuse-ingestion-version"], "4");
    assert.equal(request.contentType, "application/x-protobuf");
    assert.equal(request.gzip, true);
    assert.equal(receiver.spans.length, request.accepted);
    assert.match(
      run.out(),
      /Replayed: Langfuse at http:\/\/127\.0\.0\.1:\d+ \(http\/protobuf, gzip\)/,
    );
  } finally {
    await receiver.close();
  }
});

test("usage errors exit 2 with a message", async () => {
  const cases: [string[], RegExp, Record<string, string>?][] = [
    [["frobnicate"], /Unknown command "frobnicate"/],
    [["replay"], /replay needs a script file/],
    [
      ["replay", "conversations/order-status.yaml", "--seed", "abc"],
      /--seed must be a whole number/,
    ],
    [
      ["replay", "conversations/order-status.yaml", "--target", "kafka"],
      /--target must be one of langfuse, otlp, file, preview/,
    ],
    [["replay", "conversations/order-status.yaml", "--at", "yesterday"], /--at must be/],
    [["replay", "conversations/order-status.yaml", "--bogus"], /Unknown option '--bogus'/],
    [["replay", "conversations/order-status.yaml"], /needs LANGFUSE_SECRET_KEY/, {
      LANGFUSE_PUBLIC_KEY: "pk-lf-x",
    }],
  ];
  for (const [args, message, env] of cases) {
    const run = io(env);
    assert.equal(await main(args, run.io), 2, args.join(" "));
    assert.match(run.err(), message);
  }
});

test("validate reports every problem and exits 3, or 0 for the shipped scripts", async () => {
  const ok = io();
  assert.equal(
    await main([
      "validate",
      "conversations/order-status.yaml",
      "conversations/refund.yaml",
      "conversations/handoff.yaml",
    ], ok.io),
    0,
  );
  assert.match(ok.out(), /conversations\/refund\.yaml: ok \(4 turns\)/);
  const bad = io();
  assert.equal(await main(["validate", "conversations/nope.yaml"], bad.io), 3);
  assert.match(bad.err(), /conversations\/nope\.yaml: cannot be read: no such file/);
});

test("--help documents every command's options and exit codes", async () => {
  const run = io();
  assert.equal(await main(["replay", "--help"], run.io), 0);
  for (
    const word of [
      "--seed",
      "--at",
      "--target",
      "--protocol",
      "--gzip",
      "LANGFUSE_BASE_URL",
      "Exit codes",
    ]
  ) {
    assert.ok(run.out().includes(word), word);
  }
});

test("production is refused unless --allow-production is given", async () => {
  const receiver = await startOtlpReceiver();
  try {
    const dir = await tmp();
    const prodScript = join(dir, "prod.yaml");
    await writeFile(
      prodScript,
      (await readFile(await withoutResources("conversations/order-status.yaml"), "utf8")).replace(
        "environment: development",
        "environment: production",
      ),
    );
    const keys = { LANGFUSE_PUBLIC_KEY: "pk-lf-1", LANGFUSE_SECRET_KEY: "sk-lf-1" };
    const cases: [Record<string, string>, string, RegExp][] = [
      [
        { ...keys, LANGFUSE_BASE_URL: "https://langfuse.prod.example" },
        "conversations/refund.yaml",
        /host "langfuse\.prod\.example" is named like production \("prod"\)/,
      ],
      [
        { ...keys, LANGFUSE_BASE_URL: receiver.url, LANGFUSE_TRACING_ENVIRONMENT: "production" },
        "conversations/refund.yaml",
        /LANGFUSE_TRACING_ENVIRONMENT "production" is named like production \("production"\)/,
      ],
      [
        { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url },
        prodScript,
        /a script's environment is production/,
      ],
    ];
    for (const [env, script, reason] of cases) {
      const run = io(env);
      assert.equal(await main(["replay", script, "--manifest-dir", dir], run.io), 2);
      assert.match(run.err(), reason);
      assert.match(run.err(), /--allow-production/);
    }
    assert.equal(receiver.requests.length, 0, "nothing was sent");
    const allowed = io({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
    assert.equal(
      await main(["replay", prodScript, "--allow-production", "--manifest-dir", dir], allowed.io),
      0,
    );
    assert.ok(receiver.spans.length > 0);
  } finally {
    await receiver.close();
  }
});

test("every trace carries the run id and the synthetic tag, and the manifest lists them", async () => {
  const dir = await tmp();
  const run = io();
  assert.equal(
    await main([
      "replay",
      "conversations/order-status.yaml",
      "--seed",
      "5",
      "--target",
      "file",
      "--out",
      join(dir, "s.jsonl"),
      "--manifest-dir",
      dir,
    ], run.io),
    0,
  );
  const manifestFile = (await readdir(dir)).find((name) => name.startsWith("run_"))!;
  const manifest = JSON.parse(await readFile(join(dir, manifestFile), "utf8"));
  const session = manifest.sessions[0];
  assert.equal(session.metadata.run_id, manifest.runId);
  assert.ok(session.tags.includes("synthetic"));
  assert.equal(session.traces[2].metadata.turn_kind, "escalation");
  assert.deepEqual(session.scores.map((s: { name: string; value: unknown }) => [s.name, s.value]), [
    ["user_feedback", 1],
    ["user_feedback", 0],
    ["resolution", "escalated"],
  ]);
  const lines = (await readFile(join(dir, "s.jsonl"), "utf8")).trim().split("\n").map((line) =>
    JSON.parse(line)
  );
  const spans = lines.flatMap((req) =>
    req.resourceSpans.flatMap((
      rs: {
        scopeSpans: {
          spans: {
            attributes: {
              key: string;
              value: { stringValue?: string; arrayValue?: { values: { stringValue: string }[] } };
            }[];
          }[];
        }[];
      },
    ) => rs.scopeSpans.flatMap((ss) => ss.spans))
  );
  for (const span of spans) {
    const attr = (key: string) =>
      span.attributes.find((a: { key: string }) => a.key === key)?.value;
    assert.equal(attr("langfuse.trace.metadata.run_id")?.stringValue, manifest.runId);
    assert.ok(
      attr("langfuse.trace.tags")?.arrayValue?.values.some((v: { stringValue: string }) =>
        v.stringValue === "synthetic"
      ),
    );
  }
});

test("replay --verify sends spans and scores to Langfuse, then reads them back", async () => {
  const fake = await startFakeLangfuse({ mode: "v4" });
  try {
    const dir = await tmp();
    const run = io({
      LANGFUSE_BASE_URL: fake.url,
      LANGFUSE_PUBLIC_KEY: fake.keys.publicKey,
      LANGFUSE_SECRET_KEY: fake.keys.secretKey,
    });
    const code = await main([
      "replay",
      "conversations/order-status.yaml",
      "--seed",
      "8",
      "--verify",
      "--manifest-dir",
      dir,
    ], run.io);
    assert.equal(code, 0, run.err());
    assert.match(run.out(), /scores {4}3 sent, 0 failed/);
    assert.match(run.out(), /Verified: all 3 traces and 3 scores match/);
    assert.equal(fake.scores.length, 3);
    const manifest = JSON.parse(await readFile(join(dir, (await readdir(dir))[0]), "utf8"));
    assert.deepEqual(manifest.scores, { planned: 3, sent: 3, failed: {} });
  } finally {
    await fake.close();
  }
});

test("scores are not sent to targets that cannot take them, and the summary says so", async () => {
  const run = io();
  const dir = await tmp();
  assert.equal(
    await main([
      "replay",
      "conversations/order-status.yaml",
      "--target",
      "file",
      "--out",
      join(dir, "x.jsonl"),
      "--manifest-dir",
      dir,
    ], run.io),
    0,
  );
  assert.match(
    run.out(),
    /scores {4}3 planned, not sent: OTLP cannot carry scores; they go through Langfuse's API/,
  );
  const usage = io({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:59" });
  assert.equal(await main(["replay", "conversations/order-status.yaml", "--verify"], usage.io), 2);
  assert.match(usage.err(), /--verify reads back from Langfuse: it needs the langfuse target/);
});
