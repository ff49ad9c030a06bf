import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace";
import { main } from "../main.ts";
import type { Io } from "../run/io.ts";
import { captureIo } from "../../testing/io.ts";
import { FakeClock } from "../../testing/clock.ts";
import { langfuseClientFor, langfuseEnv, replayWithScores } from "../../testing/langfuse.ts";
import { withFakeLangfuse } from "../../testing/servers.ts";
import type { FakeMode } from "../../testing/fake_langfuse/server.ts";
import { sdkConversation } from "../../testing/sdk_conversation.ts";
import { conversation, hexId, otlpJson, sendSpans } from "../../testing/otlp.ts";
import { startRecordListen } from "../../testing/listen.ts";
import { LangfuseSource } from "../record/from_langfuse.ts";
import { parseScript, readScriptFile } from "../script/read.ts";
import { taskCommand } from "../runtime.ts";
import { DEFAULT_RECORD_OUT } from "./record.ts";
import type { RecordedObservation, RecordedSession } from "../record/types.ts";

const SCRIPTS = [
  "conversations/handoff.yaml",
  "conversations/order-status.yaml",
  "conversations/refund.yaml",
];

async function tempDir(): Promise<string> {
  return await mkdtemp(join(tmpdir(), "record-cli-"));
}

/**
 * The shape a replay must keep, turn by turn: types, names, nesting, models, prompt links and
 * levels. Children are sorted by type and name, since parallel steps may start in any order.
 */
function shape(session: RecordedSession): string[][] {
  const tree = (obs: RecordedObservation): string => {
    const facts = [
      obs.type,
      obs.name,
      obs.level ?? "DEFAULT",
      obs.model ?? "",
      obs.prompt ? `${obs.prompt.name}@${obs.prompt.version ?? "?"}` : "",
    ].join("|");
    const kids = obs.children.map(tree).sort();
    return kids.length === 0 ? facts : `${facts}(${kids.join(", ")})`;
  };
  return session.traces.map((trace) => [
    ...(trace.root ? [tree(trace.root)] : []),
    ...trace.orphans.map(tree).sort(),
  ]);
}

async function run(args: string[], env: Record<string, string> = {}, overrides: Partial<Io> = {}) {
  const io = captureIo(env, overrides);
  const code = await main(args, io.io);
  return { code, out: io.out(), err: io.err() };
}

for (const mode of ["v4", "v3"] as FakeMode[]) {
  describe(`record round trip on ${mode}`, () => {
    for (const script of SCRIPTS) {
      it(`records ${script} back into a valid script that replays into the same tree, turn by turn`, async () => {
        const dir = await tempDir();
        const recordedFile = join(dir, "recorded.yaml");
        // One project, as in use: the recorded script links the prompts the project holds.
        await withFakeLangfuse({ mode }, async (fake) => {
          const first = await replayWithScores(fake, 31, [script]);
          const sessionId = first.manifest.sessions[0].sessionId;
          const recorded = await run(
            ["record", "--session", sessionId, "--out", recordedFile],
            langfuseEnv(fake),
            { clock: new FakeClock() },
          );
          assert.equal(recorded.code, 0, recorded.err);
          assert.match(
            recorded.out,
            new RegExp(`Wrote ${recordedFile.replaceAll("/", "\\/")} \\(\\d+ turns?\\)`),
          );
          const text = await readFile(recordedFile, "utf8");
          const checked = await run(["validate", recordedFile]);
          assert.equal(checked.code, 0, `${checked.err}\n${text}`);

          const second = await replayWithScores(fake, 32, [recordedFile]);
          const source = new LangfuseSource(langfuseClientFor(fake));
          const original = await source.session(sessionId);
          const again = await source.session(second.manifest.sessions[0].sessionId);
          assert.notEqual(second.manifest.sessions[0].sessionId, sessionId);
          assert.ok(original.traces.length > 0);
          assert.deepEqual(shape(again), shape(original), text);

          // The session's own scores survive: recorded, declared at the top, sent again.
          const sessionScores = (id: string) =>
            fake.scores.filter((score) => score.sessionId === id && !score.traceId)
              .map((score) => `${score.name}|${score.dataType}|${score.value}|${score.comment}`)
              .sort();
          const declared = (await readScriptFile(script)).script.scores ?? [];
          assert.equal(sessionScores(sessionId).length, declared.length);
          assert.deepEqual(
            sessionScores(second.manifest.sessions[0].sessionId),
            sessionScores(sessionId),
            text,
          );
          assert.deepEqual(
            (parseScript(text, recordedFile).scores ?? []).map((score) => score.name),
            declared.map((score) => score.name),
          );
          if (script.endsWith("order-status.yaml")) {
            assert.deepEqual(declared.map((score) => score.name), ["resolution"]);
          }
        });
      });
    }
  });
}

describe("record from one Langfuse project, replay into another", () => {
  it("records the linked prompts with their text, so a project without them gets them created and its generations linked", async () => {
    const dir = await tempDir();
    const file = join(dir, "recorded.yaml");
    await withFakeLangfuse({ mode: "v4", projectId: "production-copy" }, async (a) => {
      await withFakeLangfuse({ mode: "v4", projectId: "staging" }, async (b) => {
        const sent = await replayWithScores(a, 41, ["conversations/order-status.yaml"]);
        const sessionId = sent.manifest.sessions[0].sessionId;
        const recorded = await run(
          ["record", "--session", sessionId, "--out", file],
          langfuseEnv(a),
          { clock: new FakeClock() },
        );
        assert.equal(recorded.code, 0, recorded.err);
        const text = await readFile(file, "utf8");
        assert.equal((await run(["validate", file])).code, 0, text);

        assert.equal(b.prompts.length, 0, "the second project lacks the prompts");
        const replayed = await replayWithScores(b, 42, [file]);
        const content = (p: { name: string; type: string; prompt: unknown; config: unknown }) =>
          JSON.stringify([p.name, p.type, p.prompt, p.config]);
        assert.deepEqual(
          b.prompts.map(content).sort(),
          a.prompts.map(content).sort(),
          "created with the recorded text",
        );
        const source = new LangfuseSource(langfuseClientFor(a));
        const again = new LangfuseSource(langfuseClientFor(b));
        const original = await source.session(sessionId);
        const copy = await again.session(replayed.manifest.sessions[0].sessionId);
        assert.deepEqual(shape(copy), shape(original), text);
        const links = shape(copy).flat().join(" ").match(/\|[\w-]+@\d+/g) ?? [];
        assert.ok(links.length >= 2, `generations link the created prompts: ${links}`);
        assert.ok(links.every((link) => !link.endsWith("@?")));

        // --no-prompts links by name and version only: that project then refuses, saying why.
        const pinned = join(dir, "pinned.yaml");
        const bare = await run(
          ["record", "--session", sessionId, "--out", pinned, "--no-prompts"],
          langfuseEnv(a),
          { clock: new FakeClock() },
        );
        assert.equal(bare.code, 0, bare.err);
        await withFakeLangfuse({ mode: "v4" }, async (empty) => {
          const refused = await run(["replay", pinned, "--quiet"], langfuseEnv(empty));
          assert.equal(refused.code, 6, refused.err);
          assert.match(refused.err, /prompt "[\w-]+" version 1 .* does not exist/);
          assert.match(refused.err, /Nothing was sent/);
          assert.equal(empty.spans.length, 0);
        });
      });
    });
  });

  it("refuses --no-prompts for a source whose spans carry no prompt text", async () => {
    const result = await run(["record", "--from-otlp", "x.jsonl", "--no-prompts"]);
    assert.equal(result.code, 2);
    assert.match(result.err, /--no-prompts applies to Langfuse sources/);
  });
});

describe("record on the command line", () => {
  it("writes scripts from a file target's output and refuses to overwrite them without --force", async () => {
    const dir = await tempDir();
    const spans = join(dir, "spans.otlp.jsonl");
    const sent = await run([
      "replay",
      "conversations/order-status.yaml",
      "conversations/refund.yaml",
      "--target",
      "file",
      "--out",
      spans,
      "--seed",
      "5",
      "--no-manifest",
      "--quiet",
    ]);
    assert.equal(sent.code, 0, sent.err);
    const out = join(dir, "recorded");
    const first = await run(["record", "--from-otlp", spans, "--out", out]);
    assert.equal(first.code, 0, first.err);
    const files = (await readdir(out)).sort();
    assert.equal(files.length, 2);
    for (const file of files) assert.match(first.out, new RegExp(`Wrote ${join(out, file)} `));
    const checked = await run(["validate", ...files.map((f) => join(out, f))]);
    assert.equal(checked.code, 0, checked.err);

    const before = await readFile(join(out, files[0]), "utf8");
    await writeFile(join(out, files[0]), "# edited by hand\n" + before);
    const again = await run(["record", "--from-otlp", spans, "--out", out]);
    assert.equal(again.code, 2);
    assert.match(again.err, /exists?; pass --force to overwrite/);
    assert.match(await readFile(join(out, files[0]), "utf8"), /^# edited by hand/);
    const forced = await run(["record", "--from-otlp", spans, "--out", out, "--force"]);
    assert.equal(forced.code, 0, forced.err);
    assert.doesNotMatch(await readFile(join(out, files[0]), "utf8"), /^# edited by hand/);

    const oneFile = await run(["record", "--from-otlp", spans, "--out", join(dir, "one.yaml")]);
    assert.equal(oneFile.code, 2);
    assert.match(
      oneFile.err,
      /holds 2 sessions but --out .*one\.yaml is one file: give a directory/,
    );
  });

  it("without --out writes into out/recorded/, outside the conversations/*.yaml glob, with the schema's path from there", async () => {
    const dir = await tempDir();
    const spans = join(dir, "spans.otlp.jsonl");
    const sent = await run([
      "replay",
      "conversations/refund.yaml",
      "--target",
      "file",
      "--out",
      spans,
      "--no-manifest",
      "--quiet",
    ]);
    assert.equal(sent.code, 0, sent.err);
    const name = `default-out-${Date.now()}`;
    const file = join(DEFAULT_RECORD_OUT, `${name}.yaml`);
    try {
      const recorded = await run(["record", "--from-otlp", spans, "--name", name]);
      assert.equal(recorded.code, 0, recorded.err);
      assert.equal(DEFAULT_RECORD_OUT, "out/recorded");
      assert.match(recorded.out, new RegExp(`Wrote ${file} `));
      assert.match(recorded.out, new RegExp(`Check: ${taskCommand("validate")} ${file}$`, "m"));
      const schema = /\$schema=(\S+)/.exec(await readFile(file, "utf8"))![1];
      assert.equal(schema, "../../schema/conversation.schema.json");
      assert.ok((await stat(join(DEFAULT_RECORD_OUT, schema))).isFile(), "the editor finds it");
    } finally {
      await rm(file, { force: true });
    }
  });

  it("records a plain OpenTelemetry SDK app with --listen, flags its mistakes and writes a valid script", async () => {
    const dir = await tempDir();
    const listen = await startRecordListen(
      ["--listen", "0", "--sessions", "1", "--idle", "100ms", "--out", dir],
    );
    const exporter = new OTLPTraceExporter({ url: listen.url });
    await sdkConversation([new BatchSpanProcessor({ exporter })], { mistakes: true });
    const code = await listen.done;
    const text = listen.out();
    assert.equal(code, 0, text + listen.err());
    assert.match(text, /Tags sent as a string \("support,vip"\)/);
    assert.match(text, /Prompt version "3" of span "answer" is a string attribute/);
    assert.match(text, /Span "lookup-order" has no session id/);
    assert.match(
      text,
      /"langfuse\.trace\.metadata\.customer" of span "support-turn" is a nested object/,
    );
    assert.match(text, /Received 9 spans in 3 traces; \d+ contract problems flagged\./);
    const files = await readdir(dir);
    assert.equal(files.length, 1);
    const checked = await run(["validate", join(dir, files[0])]);
    assert.equal(checked.code, 0, checked.err);
    const script = await readFile(join(dir, files[0]), "utf8");
    for (const secret of ["chat-8841", "user-alice"]) {
      assert.doesNotMatch(script, new RegExp(secret));
    }
  });

  it("--listen holds at most --max-spans spans, answers later requests 503 with Retry-After, and Ctrl-C writes what it holds", async () => {
    const dir = await tempDir();
    let ctrlC = false;
    const listen = await startRecordListen(
      ["--listen", "0", "--max-spans", "6", "--out", dir],
      { interrupted: () => ctrlC },
    );
    const send = (spans: ReturnType<typeof conversation>) =>
      fetch(listen.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: otlpJson(spans),
      });
    const held = await send(conversation({ seed: 1, sessionId: "conv_held", turns: 3 }));
    assert.equal(held.status, 200, await held.text());
    // Past the bound: 503 with Retry-After is what an OTLP exporter backs off on and retries,
    // where a 413 would make it drop the spans at once.
    for (const [seed, turns] of [[2, 3], [3, 2]]) {
      const refused = await send(conversation({ seed, sessionId: `conv_${seed}`, turns }));
      assert.equal(refused.status, 503);
      assert.equal(refused.headers.get("retry-after"), "60");
      assert.deepEqual(await refused.json(), {
        code: 14,
        message: "record --listen holds as many spans as it may; stop it to write them",
      });
    }
    ctrlC = true;
    const code = await listen.done;
    const text = listen.out();
    assert.equal(code, 0, text + listen.err());
    assert.deepEqual(listen.err().split("\n").filter((line) => line !== ""), [
      "Stopped accepting spans: holding 6 spans, and this request would pass the bound of " +
      "6 spans (--max-spans); later requests are answered 503 (Retry-After: 60). " +
      "Stop (Ctrl-C) to write the scripts of the spans held.",
    ]);
    assert.match(
      text,
      /Received 6 spans in 3 traces; \d+ contract problems? flagged\. Refused 10 spans past the bound \(answered 503\)\./,
    );
    const files = await readdir(dir);
    assert.equal(files.length, 1, files.join(", "));
    const { script } = await readScriptFile(join(dir, files[0]));
    assert.equal(script.turns.length, 3);
    const checked = await run(["validate", join(dir, files[0])]);
    assert.equal(checked.code, 0, checked.err);
  });

  it("--max-spans takes a whole number from 1", async () => {
    const dir = await tempDir();
    for (const value of ["0", "1.5", "many"]) {
      const result = await run(["record", "--listen", "0", "--max-spans", value, "--out", dir]);
      assert.equal(result.code, 2, value);
      assert.match(
        result.err,
        new RegExp(`--max-spans must be a whole number from 1, not "${value}"`),
      );
    }
  });

  it("spaces its Langfuse reads at --reads-per-second", async () => {
    await withFakeLangfuse({}, async (fake) => {
      const { manifest } = await replayWithScores(fake, 33, ["conversations/refund.yaml"]);
      const clock = new FakeClock();
      const start = clock.now();
      const before = fake.requests.length;
      const out = join(await tempDir(), "refund.yaml");
      const result = await run(
        [
          "record",
          "--session",
          manifest.sessions[0].sessionId,
          "--out",
          out,
          "--reads-per-second",
          "0.5",
        ],
        langfuseEnv(fake),
        { clock },
      );
      assert.equal(result.code, 0, result.err);
      const reads = fake.requests.slice(before).filter((r) => r.method === "GET").length;
      assert.ok(reads >= 3, `reads: ${reads}`);
      // One read every two seconds: the clock moved on by at least that between them.
      assert.ok(
        clock.now() - start >= (reads - 1) * 2_000,
        `${clock.now() - start}ms for ${reads} reads`,
      );
    });
  });

  it("on Ctrl-C while reading recent sessions writes those read in full and exits 130", async () => {
    await withFakeLangfuse({}, async (fake) => {
      const { manifest } = await replayWithScores(fake, 34, [
        "conversations/order-status.yaml",
        "conversations/refund.yaml",
      ]);
      const out = await tempDir();
      let checks = 0;
      const result = await run(
        ["record", "--from", "2000-01-01T00:00:00Z", "--limit", "2", "--out", out],
        langfuseEnv(fake),
        { clock: new FakeClock(), interrupted: () => checks++ > 0 },
      );
      assert.equal(result.code, 130, result.err);
      assert.equal(manifest.sessions.length, 2);
      assert.equal((await readdir(out)).length, 1);
      assert.match(result.out, /Wrote /);
    });
  });

  it("never shows credentials from LANGFUSE_BASE_URL", async () => {
    const out = join(await tempDir(), "s.yaml");
    const result = await run(["record", "--session", "conv_1", "--out", out], {
      LANGFUSE_BASE_URL: "http://admin:hunter2secret@127.0.0.1:45678",
      LANGFUSE_PUBLIC_KEY: "pk-lf-x",
      LANGFUSE_SECRET_KEY: "sk-lf-x",
    });
    assert.equal(result.code, 2);
    assert.match(result.err, /LANGFUSE_BASE_URL/);
    assert.doesNotMatch(result.out + result.err, /hunter2secret|admin:/);
  });

  it("explains each wrong command line with exit 2, and documents its exit codes", async () => {
    const cases: [string[], RegExp][] = [
      [
        ["record"],
        /record needs a source: --session ID, --user ID, --from-otlp FILE or --listen PORT/,
      ],
      [
        ["record", "--session", "a", "--from-otlp", "b", "--out", "x"],
        /give one source, not --session and --from-otlp/,
      ],
      [
        ["record", "--user", "u", "--out", "x.yaml"],
        /--out x\.yaml is a file, but this source may record several sessions/,
      ],
      [
        ["record", "--from-otlp", "f", "--limit", "3", "--out", "d"],
        /--limit applies to --user, --from and --to/,
      ],
      [
        ["record", "--from-otlp", "f", "--sessions", "3", "--out", "d"],
        /--sessions, --idle and --max-spans apply to --listen/,
      ],
      [["record", "--listen", "99999", "--out", "d"], /--listen must be a port from 0/],
      [
        ["record", "--from-otlp", "f", "--name", "Not Kebab", "--out", "d"],
        /--name must be kebab-case/,
      ],
      [
        ["record", "--user", "u", "--from", "yesterday", "--out", "d"],
        /--from must be "now", an ISO date-time/,
      ],
    ];
    for (const [args, message] of cases) {
      const result = await run(args, {
        LANGFUSE_BASE_URL: "http://127.0.0.1:45678",
        LANGFUSE_PUBLIC_KEY: "pk-lf-x",
        LANGFUSE_SECRET_KEY: "sk-lf-x",
      });
      assert.equal(result.code, 2, args.join(" "));
      assert.match(result.err, message, args.join(" "));
    }
    const help = await run(["record", "--help"]);
    assert.equal(help.code, 0);
    assert.match(
      help.out.replace(/\s+/g, " "),
      /Exit codes: 0 scripts written .* 2 usage .* 3 unreadable input .* 6 Langfuse API error .* 130 interrupted/,
    );
    assert.match((await run(["--help"])).out, /record --session ID/);
  });
});

/**
 * Sessions as OTLP/JSON requests of at most 500 spans each, root spans last as exporters send
 * them: "sound" (two good turns), "self" (a span that is its own parent, then a good turn),
 * "cycle" (three spans naming each other as parents) and "deep" (a chain 50,000 spans deep).
 */
function brokenTraces(): string[] {
  const sound = conversation({ seed: 1, sessionId: "conv_sound", turns: 2 });
  const self = conversation({ seed: 2, sessionId: "conv_self", turns: 2 });
  self[1].parentSpanId = self[1].spanId;
  const cycle = conversation({ seed: 3, sessionId: "conv_cycle", turns: 1 });
  const [x, y] = [hexId(3, 100, 8), hexId(3, 101, 8)];
  cycle.push({ ...cycle[1], spanId: x, parentSpanId: y, name: "x" });
  cycle.push({ ...cycle[1], spanId: y, parentSpanId: cycle[1].spanId, name: "y" });
  cycle[1].parentSpanId = x;
  const deep = conversation({ seed: 4, sessionId: "conv_deep", turns: 1 });
  for (let i = 0; i < 50_000; i++) {
    deep.push({
      ...deep[1],
      spanId: hexId(4, 100 + i, 8),
      parentSpanId: i === 0 ? deep[1].spanId : hexId(4, 99 + i, 8),
      name: "nested",
      attributes: {},
    });
  }
  const all = [sound, self, cycle, deep].flat();
  const ordered = [
    ...all.filter((s) => s.parentSpanId !== undefined),
    ...all.filter((s) => s.parentSpanId === undefined),
  ];
  const requests: string[] = [];
  for (let at = 0; at < ordered.length; at += 500) {
    requests.push(otlpJson(ordered.slice(at, at + 500)));
  }
  return requests;
}

/** What record must make of brokenTraces(): the sound turns written, each broken trace named. */
async function assertBrokenSkipped(dir: string, result: { code: number; err: string }) {
  assert.equal(result.code, 0, result.err);
  assert.doesNotMatch(result.err, /RangeError|Internal error/);
  const skipped = result.err.split("\n").filter((line) => line.startsWith("Skipped trace"));
  assert.deepEqual(
    skipped.sort(),
    [
      `Skipped trace ${hexId(2, 1, 16)}: its span "compose-reply" names itself as its parent`,
      `Skipped trace ${hexId(3, 1, 16)}: its spans "compose-reply", "x", "y" name each other ` +
      `as parents in a cycle`,
      `Skipped trace ${hexId(4, 1, 16)}: its spans nest 50002 levels deep, more than the 100 ` +
      `a script keeps`,
    ].sort(),
  );
  const files = (await readdir(dir)).sort();
  assert.equal(files.length, 2, files.join(", "));
  const turns = await Promise.all(
    files.map(async (file) => (await readScriptFile(join(dir, file))).script.turns.length),
  );
  assert.deepEqual(turns.sort(), [1, 2], "conv_self keeps its sound turn, conv_sound both");
}

describe("record with broken traces", () => {
  it("--from-otlp skips a span that is its own parent, a parent cycle and a 50,000-deep chain, and writes the rest", async () => {
    const dir = await tempDir();
    const file = join(dir, "broken.otlp.jsonl");
    await writeFile(file, brokenTraces().join("\n") + "\n");
    const out = join(dir, "recorded");
    await assertBrokenSkipped(out, await run(["record", "--from-otlp", file, "--out", out]));
  });

  it("--listen shows and skips them the same way, and writes the rest", async () => {
    const dir = await tempDir();
    const listen = await startRecordListen(
      ["--listen", "0", "--sessions", "4", "--idle", "100ms", "--out", dir],
    );
    for (const body of brokenTraces()) {
      const response = await fetch(listen.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      assert.equal(response.status, 200, await response.text());
    }
    await assertBrokenSkipped(dir, { code: await listen.done, err: listen.err() });
    const text = listen.out();
    assert.match(text, /Span "compose-reply" names itself as its parent; it is shown at the top/);
    assert.match(text, /Spans "compose-reply", "x", "y" name each other as parents in a cycle/);
    assert.match(text, /└─ … 49962 spans nested deeper/);
    assert.match(text, /Received 50014 spans in 6 traces/);
  });
});

for (const mode of ["v4", "v3"] as FakeMode[]) {
  it(`record --session on ${mode} skips a trace whose observations are their own parents, and writes the rest`, async () => {
    await withFakeLangfuse({ mode }, async (fake) => {
      const spans = conversation({ seed: 5, sessionId: "conv_mixed", turns: 3 });
      spans[1].parentSpanId = spans[1].spanId;
      const [x, y] = [hexId(5, 100, 8), hexId(5, 101, 8)];
      spans.push({ ...spans[3], spanId: x, parentSpanId: y, name: "x" });
      spans.push({ ...spans[3], spanId: y, parentSpanId: x, name: "y" });
      const sent = await sendSpans(fake, spans);
      assert.equal(sent.status, 200, await sent.text());
      const file = join(await tempDir(), "mixed.yaml");
      const recorded = await run(
        ["record", "--session", "conv_mixed", "--out", file],
        langfuseEnv(fake),
        { clock: new FakeClock() },
      );
      assert.equal(recorded.code, 0, recorded.err);
      assert.match(
        recorded.err,
        new RegExp(`Skipped trace ${hexId(5, 1, 16)}: its span "compose-reply" names itself`),
      );
      assert.match(
        recorded.err,
        new RegExp(`Skipped trace ${hexId(5, 2, 16)}: its spans "x", "y" name each other`),
      );
      assert.equal((await readScriptFile(file)).script.turns.length, 1);
    });
  });
}
