import { test } from "node:test";
import assert from "node:assert/strict";
import {
  OI_REQUEST,
  OI_RESPONSE,
  openInferenceLlm,
  received,
  VERCEL_PROMPT,
  VERCEL_TOOL_CALLS,
  vercelCall,
  vercelModelCall,
  vercelTool,
} from "../../testing/dialect_spans.ts";
import { sessionsFromSpans } from "./from_spans.ts";
import type { RecordedObservation } from "./types.ts";

function recorded(...spans: Parameters<typeof received>[0][]): RecordedObservation[] {
  const [session] = sessionsFromSpans(spans.map(received), { source: "an OTLP file" });
  const out: RecordedObservation[] = [];
  const stack = session.traces.flatMap((
    trace,
  ) => [...(trace.root ? [trace.root] : []), ...trace.orphans]);
  while (stack.length > 0) {
    const obs = stack.shift()!;
    out.push(obs);
    stack.push(...obs.children);
  }
  return out;
}

test("record keeps a Vercel AI SDK model call's messages, tool calls, settings and usage as Langfuse reads them", () => {
  const byId = new Map(
    recorded(vercelCall, vercelModelCall, vercelTool).map((obs) => [obs.id, obs]),
  );
  const call = byId.get(vercelModelCall.id)!;
  assert.equal(call.type, "generation");
  assert.deepEqual(call.input, JSON.parse(VERCEL_PROMPT));
  assert.deepEqual(call.output, { role: "assistant", content: "", tool_calls: VERCEL_TOOL_CALLS });
  assert.deepEqual(call.modelParameters?.temperature, "0.2");
  assert.deepEqual(call.usage, {
    input: 300,
    output: 64,
    input_cached_tokens: 512,
    output_reasoning_tokens: 32,
  });
  const tool = byId.get(vercelTool.id)!;
  assert.deepEqual([tool.type, tool.name, tool.input, tool.output], [
    "tool",
    "lookup_order",
    { orderId: "8812" },
    { status: "shipped" },
  ]);
});

test("record keeps an OpenInference LLM span's input.value, output.value and invocation parameters", () => {
  const [llm] = recorded(openInferenceLlm);
  assert.deepEqual(
    [llm.type, llm.input, llm.output, llm.modelParameters],
    ["generation", JSON.parse(OI_REQUEST), JSON.parse(OI_RESPONSE), {
      model: "gpt-4o-mini",
      temperature: 0.2,
      stream: "false",
    }],
  );
});
