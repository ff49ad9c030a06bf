/**
 * The prompt link Langfuse v4.16.0 resolves once, when a generation is ingested
 * (fixtures/langfuse/review/README.md rules 36-39): only GENERATION observations with a prompt
 * name and an integer version are looked up, by name and exact version (labels never count),
 * in the prompts that exist at that moment; nothing re-links later. v4 (events) keeps the sent
 * name and version and sets `promptId` to the prompt's id or `""`; v3 (legacy) stores the found
 * prompt's id, name and version, so a miss leaves all three empty. Private to the folder.
 */
import type { ReceivedSpan } from "../../src/otlp/decode.ts";
import type { ApiPrompt } from "../../src/langfuse/api_review_types.ts";
import { interpretSpans } from "../../src/langfuse/ingestion/view.ts";

/** What an observation row reads back as its prompt. */
export interface PromptLink {
  id: string | null;
  name: string | null;
  version: number | null;
}

/** The link of a span ingested now; undefined when it is no generation naming a prompt version. */
export function promptLink(
  span: ReceivedSpan,
  prompts: readonly ApiPrompt[],
  mode: "v4" | "v3",
): PromptLink | undefined {
  const obs = interpretSpans([span]).traces[0]?.observations[0];
  const name = obs?.prompt?.name;
  const version = obs?.prompt?.version;
  if (obs?.type !== "generation" || name === undefined || version === undefined) return undefined;
  const found = prompts.find((p) => p.name === name && p.version === version);
  if (mode === "v3") {
    return found
      ? { id: found.id, name: found.name, version: found.version }
      : { id: null, name: null, version: null };
  }
  return { id: found?.id ?? "", name, version };
}
