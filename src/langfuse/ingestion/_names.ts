/**
 * The name Langfuse gives a span's observation (and, on a root without `langfuse.trace.name`,
 * its trace), as OtelIngestionProcessor `extractName` picks it: the GenAI tool name, Genkit's
 * and Logfire's names, the Vercel AI SDK's tool name, then its operation id prefixed with the
 * function id, else the span name. Facts and sources: fixtures/langfuse/dialects.md. Private to
 * the folder.
 */
import type { ReceivedSpan } from "../../otlp/decode.ts";
import { show, text } from "./_values.ts";

export function observationName(span: Pick<ReceivedSpan, "name" | "attributes">): string {
  const attrs = span.attributes;
  const tool = text(attrs["gen_ai.tool.name"]);
  if (tool !== undefined) return tool;
  if ("genkit:name" in attrs) return show(attrs["genkit:name"]);
  const logfire = text(attrs["logfire.msg"]);
  if (logfire !== undefined) return logfire;
  if ("ai.toolCall.name" in attrs) return show(attrs["ai.toolCall.name"]);
  if ("ai.operationId" in attrs) {
    const functionId = text(attrs["ai.telemetry.functionId"]);
    return `${functionId === undefined ? "" : `${functionId}:`}${show(attrs["ai.operationId"])}`;
  }
  return span.name;
}
