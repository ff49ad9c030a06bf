/**
 * Which writer speaks which dialect, and what Langfuse will show of a turn written in it (the
 * trace name, observation types, models and usage, where the dialect changes them), for the
 * manifest and verify. Pure: no OpenTelemetry.
 */
import type { Dialect } from "../plan/dialects.ts";
import { preOrder, type SessionPlan, type TurnPlan } from "../plan/types.ts";
import type { DialectWriter } from "./dialect_parts.ts";
import { genaiWriter } from "./dialect_genai.ts";
import { openinferenceWriter } from "./dialect_openinference.ts";
import { vercelTraceName, vercelWriter } from "./dialect_vercel.ts";

/** The writer of every dialect but Langfuse's own (the emitter's native path). */
export const WRITERS: Readonly<Record<Exclude<Dialect, "langfuse">, DialectWriter>> = {
  genai: genaiWriter,
  openinference: openinferenceWriter,
  vercel: vercelWriter,
};

/** The writer of a dialect; undefined for Langfuse's own (baggage and `langfuse.*`). */
export function writerOf(dialect: Dialect | undefined): DialectWriter | undefined {
  return dialect === undefined || dialect === "langfuse" ? undefined : WRITERS[dialect];
}

/** What Langfuse shows of one turn written in a dialect. */
export interface ShownTrace {
  name: string;
  types: Record<string, number>;
  models: string[];
  usage: { input: number; output: number; total: number };
}

/**
 * What Langfuse will show of a turn in the plan's dialect: the trace name is the root span's
 * name as Langfuse names it (no dialect but Langfuse's own sends one), types, models and usage
 * as Langfuse maps them. Undefined for Langfuse's own dialect: the manifest's fields hold.
 */
export function shownTrace(plan: SessionPlan, turn: TurnPlan): ShownTrace | undefined {
  const writer = writerOf(plan.dialect);
  if (!writer) return undefined;
  const types: Record<string, number> = {};
  const models = new Set<string>();
  const usage = { input: 0, output: 0, total: 0 };
  for (const obs of preOrder(turn.root)) {
    const isRoot = obs === turn.root;
    const type = writer.shownType(obs, isRoot);
    types[type] = (types[type] ?? 0) + 1;
    const model = writer.shownModel(obs, isRoot);
    if (model) models.add(model);
    const counted = writer.shownUsage(obs, isRoot);
    usage.input += counted.input;
    usage.output += counted.output;
    usage.total += counted.total;
  }
  return { name: traceNameOf(plan, turn, writer), types, models: [...models].sort(), usage };
}

function traceNameOf(plan: SessionPlan, turn: TurnPlan, writer: DialectWriter): string {
  if (plan.dialect === "vercel") return vercelTraceName(plan, turn);
  const root = writer.span(turn.root, { plan, turn, isRoot: true });
  // Langfuse names a GenAI tool span by its tool name (`extractName`).
  return turn.root.type === "tool" && plan.dialect === "genai" ? turn.root.name : root.name;
}
