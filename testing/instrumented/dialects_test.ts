/**
 * Proof against real instrumentation (#22): each library drives the support conversation
 * against the loopback fake provider, its spans arrive over OTLP/HTTP, and the reader
 * (`interpretSpans`) and `record --from-otlp` must make of them what Langfuse makes of them
 * (testing/instrumented/langfuse_reads.ts, from Langfuse's source). Runs under Deno and Bun.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseScript } from "../../src/script/read.ts";
import type { StepInput } from "../../src/script/schema.ts";
import { decodeOtlpFile } from "../../src/record/from_otlp.ts";
import type { ReceivedSpan } from "../../src/otlp/decode.ts";
import {
  interpretSpans,
  type LangfuseView,
  type ViewObservation,
} from "../../src/langfuse/ingestion/view.ts";
import { runTask } from "../tasks.ts";
import { captureSpans } from "./capture.ts";
import { LIBRARIES } from "./libraries.ts";
import { langfuseReading } from "./langfuse_reads.ts";
import { otlpJsonText } from "./otlp_json.ts";
import { SUPPORT } from "./support_turns.ts";

/** "type name(children)" of an observation tree. */
function shape(obs: ViewObservation): string {
  const kids = obs.children.map(shape).join(", ");
  return `${obs.type} ${obs.name}${kids === "" ? "" : `(${kids})`}`;
}

function generations(obs: ViewObservation[]): ViewObservation[] {
  return obs.flatMap((o) => [...(o.type === "generation" ? [o] : []), ...generations(o.children)]);
}

/** Span name, scope and sorted attribute keys of each span, sorted: what a library emits. */
function emitted(spans: readonly ReceivedSpan[]): string[] {
  return spans.map((span) =>
    `${span.scope.name} ${span.name}: ${Object.keys(span.attributes).sort().join(" ")}`
  ).sort();
}

/** "type model" of each step, depth first. */
function steps(list: StepInput[] | undefined): string[] {
  return (list ?? []).flatMap((step) => [
    step.model === undefined ? step.type : `${step.type} ${step.model}`,
    ...steps(step.steps),
  ]);
}

/** The generations among the steps, depth first. */
function modelSteps(list: StepInput[] | undefined): StepInput[] {
  return (list ?? []).flatMap((step) => [
    ...(step.type === "generation" ? [step] : []),
    ...modelSteps(step.steps),
  ]);
}

/** Runs once, on first use, and answers the same promise after. */
function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => (made ??= make());
}

for (const library of LIBRARIES) {
  const expected = langfuseReading(library);
  const live = once(() => captureSpans(library.drive));
  const view = once(async (): Promise<LangfuseView> => interpretSpans(await live()));

  describe(`${library.name} (${library.packages.join(", ")})`, () => {
    it("exports the 3 turns over OTLP/HTTP as 3 traces of 4 spans", async () => {
      const spans = await live();
      const traces = Map.groupBy(spans, (span) => span.traceId);
      assert.deepEqual([...traces.values()].map((trace) => trace.length), [4, 4, 4]);
    });

    it("emits the spans its fixture recorded (names, scopes and attribute keys)", async () => {
      const file = `fixtures/dialects/${library.name}.otlp.json`;
      const recorded = decodeOtlpFile(new Uint8Array(await readFile(file)), file).spans;
      assert.deepEqual(
        emitted(await live()),
        emitted(recorded),
        "re-record: deno task dialect-fixtures",
      );
    });

    it(
      "is read as one session of 3 traces by one user, as Langfuse groups it",
      async () => {
        const { sessions, users, traces } = await view();
        assert.deepEqual(
          traces.map((trace) => [trace.sessionId, trace.userId]),
          [1, 2, 3].map(() => [SUPPORT.sessionId, SUPPORT.userId]),
        );
        assert.deepEqual(
          sessions.map((session) => [session.id, session.userIds, session.traceIds.length]),
          [[SUPPORT.sessionId, [SUPPORT.userId], 3]],
        );
        assert.deepEqual(
          users.map((user) => [user.id, user.sessionCount, user.traceCount]),
          [[SUPPORT.userId, 1, 3]],
        );
      },
    );

    it(
      `is read with the trace name and tags Langfuse shows (${expected.tags.length} tags)`,
      async () => {
        const { traces } = await view();
        for (const trace of traces) {
          assert.equal(trace.name, expected.traceName);
          assert.deepEqual(trace.tags, expected.tags);
        }
      },
    );

    it(
      "is read with the observation types Langfuse gives: generations and the tool",
      async () => {
        const { traces } = await view();
        assert.deepEqual(
          traces.map((trace) => trace.observations.map(shape)),
          [1, 2, 3].map(() => [expected.tree]),
        );
      },
    );

    it(
      "is read with each generation's model and usage, cached and reasoning tokens as Langfuse counts them",
      async () => {
        const { traces } = await view();
        for (const trace of traces) {
          const found = generations(trace.observations);
          assert.deepEqual(found.map((obs) => obs.model), [expected.model, expected.model]);
          assert.deepEqual(found.map((obs) => obs.usage), expected.usage);
        }
      },
    );

    it(
      "is read with the root observation's model and usage as Langfuse stores them",
      async () => {
        const { traces } = await view();
        for (const trace of traces) {
          const [root] = trace.observations;
          const stored = {
            ...(root.model === undefined ? {} : { model: root.model }),
            ...(root.usage === undefined ? {} : { usage: root.usage }),
          };
          assert.deepEqual(stored, expected.root);
        }
      },
    );

    it(
      "is read without a contract problem: a correct app gets no alarm",
      async () => {
        assert.deepEqual((await view()).problems, []);
      },
    );

    it(
      "becomes through `record --from-otlp` one script of 3 turns with the tags, generations with model and usage, and the tool",
      async () => {
        const dir = await mkdtemp(join(tmpdir(), `dialect-${library.name}-`));
        const file = join(dir, `${library.name}.otlp.json`);
        await writeFile(file, otlpJsonText(await live()));
        const out = join(dir, "recorded");
        const recorded = await runTask("record", ["--from-otlp", file, "--out", out]);
        assert.equal(recorded.code, 0, recorded.stderr);
        const files = await readdir(out);
        assert.equal(files.length, 1, `one session, one script: ${files.join(", ")}`);
        const script = parseScript(await readFile(join(out, files[0]), "utf8"), files[0]);
        assert.deepEqual(script.trace?.tags ?? [], expected.tags);
        assert.equal(script.turns.length, 3);
        const rootType = expected.tree.split(" ")[0];
        const turnSteps = [
          ...(rootType === "span" ? [] : [rootType]),
          `generation ${expected.model}`,
          "tool",
          `generation ${expected.model}`,
        ];
        // The usage types a script keeps: input and output, and cached input where Langfuse has it.
        const cached = expected.usage[0].details?.input_cached_tokens !== undefined;
        const usageTypes = ["input", ...(cached ? ["input_cached_tokens"] : []), "output"];
        for (const turn of script.turns) {
          assert.deepEqual(steps(turn.steps), turnSteps);
          const usage = modelSteps(turn.steps).map((step) =>
            Object.keys(step.usage ?? {}).filter((key) => usageTypes.includes(key)).sort()
          );
          assert.deepEqual(usage, [usageTypes, usageTypes]);
        }
      },
    );
  });
}
