import { test } from "node:test";
import assert from "node:assert/strict";
import { readScriptFile } from "../script/read.ts";
import { planSession } from "../plan/session.ts";
import { preOrder } from "../plan/types.ts";
import { shownTrace } from "./dialect_writers.ts";

// What Langfuse v4.16.0's ObservationTypeMapper makes of each script type per dialect: GenAI
// maps gen_ai.operation.name (chat, embeddings, execute_tool, invoke_agent), OpenInference every
// span kind, the AI SDK its doGenerate/doStream, doEmbed and toolCall operations; the rest is a span.
const SHOWN: Record<string, Record<string, string>> = {
  genai: { generation: "generation", embedding: "embedding", tool: "tool", agent: "agent" },
  openinference: {
    generation: "generation",
    embedding: "embedding",
    tool: "tool",
    agent: "agent",
    chain: "chain",
    retriever: "retriever",
    guardrail: "guardrail",
    evaluator: "evaluator",
  },
  vercel: { generation: "generation", embedding: "embedding", tool: "tool" },
};

for (const dialect of ["genai", "openinference", "vercel"] as const) {
  test(`shownTrace maps the types of a turn in ${dialect} as Langfuse does and keeps its models`, async () => {
    for (const file of ["conversations/order-status.yaml", "conversations/docs-qa.yaml"]) {
      const { script } = await readScriptFile(file);
      const plan = { ...planSession(script, { seed: 1, endMs: 0, file }), dialect };
      for (const turn of plan.turns) {
        const expected: Record<string, number> = {};
        for (const obs of preOrder(turn.root)) {
          const type = SHOWN[dialect][obs.type] ?? "span";
          expected[type] = (expected[type] ?? 0) + 1;
        }
        const shown = shownTrace(plan, turn)!;
        assert.deepEqual(shown.types, expected, `${file} turn ${turn.index + 1}`);
        const models = preOrder(turn.root).filter((obs) =>
          obs.type === "generation" || (obs.type === "embedding" && dialect !== "openinference")
        ).map((obs) => obs.model!);
        assert.deepEqual(shown.models, [...new Set(models)].sort());
      }
    }
  });
}

test("shownTrace names a turn as Langfuse names the root span, and is undefined for langfuse", async () => {
  const { script } = await readScriptFile("conversations/order-status.yaml");
  const plan = planSession(script, { seed: 1, endMs: 0, file: "order-status.yaml" });
  const [turn] = plan.turns;
  assert.equal(shownTrace(plan, turn), undefined);
  assert.equal(shownTrace({ ...plan, dialect: "genai" }, turn)!.name, turn.root.name);
  assert.equal(shownTrace({ ...plan, dialect: "openinference" }, turn)!.name, turn.root.name);
  assert.equal(
    shownTrace({ ...plan, dialect: "vercel" }, turn)!.name,
    `${plan.traceName}:ai.streamText`,
  );
});
