/**
 * A recorded model call's usage and cost as a script step's `usage` and `price` (or `cost`): every
 * usage type kept, declared when it is not a default; ranges of ±spread around the counts; a
 * price per type when every type has a cost and a count (or counted 0 and cost nothing), else
 * the costs fixed. Pure.
 */
import type { StepInput } from "../script/schema.ts";
import { REQUIRED_USAGE } from "../script/schema_usage.ts";
import { intRange, significant } from "./ranges.ts";
import type { RecordedObservation } from "./types.ts";

/** What turning usage into step fields needs. */
export interface UsageContext {
  /** How far a range reaches either side of an observed count. */
  spread: number;
  /** Whether a usage type can be written (a default, or declared now); false drops it. */
  accept(type: string): boolean;
  /** Counts one dropped usage type. */
  dropped(): void;
}

/**
 * The step's `usage` with `price` or `cost`, from what was recorded; empty when no usage was
 * recorded. Required types missing from the recording count 0.
 */
export function usageFields(
  observation: RecordedObservation,
  type: "generation" | "embedding",
  ctx: UsageContext,
): Pick<StepInput, "usage" | "price" | "cost"> {
  if (!observation.usage) return {};
  const counts: Record<string, number> = {};
  for (const required of REQUIRED_USAGE[type]) counts[required] = observation.usage[required] ?? 0;
  for (const [usageType, count] of Object.entries(observation.usage)) {
    if (usageType in counts) continue;
    if (ctx.accept(usageType)) counts[usageType] = count;
    else ctx.dropped();
  }
  const types = Object.keys(counts);
  const fields: Pick<StepInput, "usage" | "price" | "cost"> = {
    usage: Object.fromEntries(types.map((t) => [t, intRange(counts[t], ctx.spread)])),
  };
  const cost = observation.cost;
  if (!cost) return fields;
  // A type counted 0 that cost nothing is free; any other type needs a count to give a price.
  const priced = (t: string) =>
    cost[t] !== undefined && (counts[t] > 0 || (cost[t] <= 0 && types.some((u) => counts[u] > 0)));
  if (types.every(priced)) {
    fields.price = Object.fromEntries(
      types.map((t) => [
        t,
        counts[t] > 0 ? significant(Math.max(0, cost[t]) / counts[t] * 1e6) : 0,
      ]),
    );
  } else if (cost.input !== undefined || cost.total !== undefined) {
    const fixed: Record<string, number> = {};
    for (const t of types) if (cost[t] !== undefined) fixed[t] = Math.max(0, cost[t]);
    const others = Object.entries(fixed).filter(([t]) => t !== "input");
    const input = cost.input ??
      (cost.total ?? 0) - others.reduce((sum, [, usd]) => sum + usd, 0);
    fields.cost = {
      input: Math.max(0, input),
      ...("output" in counts ? { output: fixed.output ?? 0 } : {}),
      ...Object.fromEntries(others),
    };
  }
  return fields;
}
