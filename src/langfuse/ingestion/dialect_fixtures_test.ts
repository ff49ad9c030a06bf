/**
 * The trace level of the real libraries' recorded spans (fixtures/dialects/, see its README), as
 * Langfuse reads it (fixtures/langfuse/dialects.md): session, user, tags, trace name, dialect
 * and input/output of every trace, and no contract problem.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import type { Json } from "../../plan/types.ts";
import { decodeOtlpFile } from "../../record/from_otlp.ts";
import { SUPPORT } from "../../../testing/instrumented/support_turns.ts";
import type { Dialect } from "./dialects.ts";
import { interpretSpans } from "./view.ts";
import { isPlainObject } from "./_values.ts";

const ANSWER = "Your order is in transit and should arrive on 10 December.";

interface Expected {
  dialect: Dialect;
  name: string;
  tags: readonly string[];
  /**
   * The turn's question and answer found where Langfuse v4 shows the trace's input and output
   * (the root's); each turn's input also holds the turns before it.
   */
  turn: (io: { input?: Json; output?: Json }) => { question?: Json; answer?: Json };
}

/** The last item of a list, the value itself otherwise. */
function last(value: Json | undefined): Json | undefined {
  return Array.isArray(value) ? value.at(-1) : value;
}

/** A message's content. */
function content(message: Json | undefined): Json | undefined {
  return isPlainObject(message) ? message.content : undefined;
}

const FIXTURES: Record<string, Expected> = {
  // The root ai.generateText: ai.prompt ({ system, messages }), ai.response.text.
  "vercel-ai": {
    dialect: "vercel",
    name: `${SUPPORT.functionId}:ai.generateText`,
    tags: SUPPORT.tags,
    turn: ({ input, output }) => ({
      question: isPlainObject(input) ? content(last(input.messages)) : undefined,
      answer: output,
    }),
  },
  // The app's AGENT span: input.value the messages, output.value the exchange after them.
  "openinference-openai": {
    dialect: "openinference",
    name: SUPPORT.functionId,
    tags: SUPPORT.tags,
    turn: ({ input, output }) => ({
      question: content(last(input)),
      answer: content(last(output)),
    }),
  },
  // The messages go to OpenTelemetry log events, which Langfuse's span ingestion never reads.
  "opentelemetry-openai": {
    dialect: "genai",
    name: `invoke_agent ${SUPPORT.functionId}`,
    tags: [],
    turn: ({ input, output }) => ({ question: input, answer: output }),
  },
  // Plain strings, stored as sent.
  "langfuse-sdk": {
    dialect: "langfuse",
    name: SUPPORT.functionId,
    tags: SUPPORT.tags,
    turn: ({ input, output }) => ({ question: input, answer: output }),
  },
};

for (const [library, expected] of Object.entries(FIXTURES)) {
  test(`interpretSpans() reads the recorded ${library} spans' trace level as Langfuse does, without a problem`, async () => {
    const file = `fixtures/dialects/${library}.otlp.json`;
    const view = interpretSpans(decodeOtlpFile(new Uint8Array(await readFile(file)), file).spans);
    assert.deepEqual(view.problems, []);
    assert.deepEqual(view.sessions.map((s) => [s.id, s.userIds, s.traceIds.length]), [
      [SUPPORT.sessionId, [SUPPORT.userId], SUPPORT.turns],
    ]);
    for (const [t, trace] of view.traces.entries()) {
      assert.deepEqual(
        [trace.dialects, trace.name, trace.tags, trace.metadata, trace.environment],
        [[expected.dialect], expected.name, expected.tags, {}, "default"],
      );
      const found = expected.turn({ input: trace.input, output: trace.output });
      assert.deepEqual(
        found,
        library === "opentelemetry-openai"
          ? { question: undefined, answer: undefined }
          : { question: SUPPORT.question(t), answer: ANSWER },
      );
    }
  });
}
