/**
 * Token usage and cost per Langfuse usage type: drawn from a step's numbers and ranges, and
 * priced per type. The types add up, as Langfuse stores them: `total` is the sum of the others,
 * and the total cost the sum of the costs. Pure.
 */
import type { Rng } from "./random.ts";
import type { Cost, Usage } from "./types.ts";

/**
 * Draws each usage type's count from its number or range "700..900": input and output first
 * (so a script that adds a type draws the same input and output as before), then the others in
 * the script's order.
 */
export function drawUsage(ranges: Readonly<Record<string, number | string>>, rng: Rng): Usage {
  return withTotal(drawCounts(ranges, rng));
}

/** Draws each usage type's count as `drawUsage` does, without a total or defaults. */
export function drawCounts(
  ranges: Readonly<Record<string, number | string>>,
  rng: Rng,
): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of inOrder(Object.keys(ranges))) counts[type] = drawInt(ranges[type], rng);
  return counts;
}

/** The counts with `total`, their sum, in the order Langfuse gets them: input, output, others. */
export function withTotal(counts: Readonly<Record<string, number | undefined>>): Usage {
  const usage: Record<string, number> = {};
  let total = 0;
  for (const type of inOrder(Object.keys(counts))) {
    const count = counts[type];
    if (type === "total" || count === undefined) continue;
    usage[type] = count;
    total += count;
  }
  return { ...usage, input: usage.input ?? 0, total } as Usage;
}

/**
 * The cost of `usage` at `price` (USD per million tokens per usage type); each type's cost is
 * rounded to a nano-dollar, the total is the rounded sum of the exact costs.
 */
export function pricedCost(usage: Usage, price: Readonly<Record<string, number>>): Cost {
  return roundedCost(
    typesOf(usage).map((type) => [type, usage[type]! * (price[type] ?? 0) / 1e6]),
  );
}

/** A fixed cost per usage type, as a script gives it, with its total. */
export function fixedCost(cost: Readonly<Record<string, number>>): Cost {
  return roundedCost(inOrder(Object.keys(cost)).map((type) => [type, cost[type]]));
}

/** A usage's or cost's entries as a plain map of numbers (its `total` included). */
export function details(value: Usage | Cost): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, n] of Object.entries(value)) if (n !== undefined) out[key] = n;
  return out;
}

/** The usage types `usage` counts (its keys but `total`), in order. */
export function typesOf(usage: Usage): string[] {
  return Object.keys(usage).filter((type) => type !== "total" && usage[type] !== undefined);
}

/** Costs in USD rounded to a nano-dollar, so float noise stays out of payloads and reports. */
function roundedCost(costs: [string, number][]): Cost {
  const round = (usd: number) => Math.round(usd * 1e9) / 1e9;
  const out: Record<string, number> = {};
  let total = 0;
  for (const [type, usd] of costs) {
    out[type] = round(usd);
    total += usd;
  }
  return { ...out, total: round(total) };
}

/** Input and output first, then the other types as given. */
function inOrder(types: string[]): string[] {
  const first = ["input", "output"].filter((type) => types.includes(type));
  return [...first, ...types.filter((type) => !first.includes(type))];
}

function drawInt(value: number | string, rng: Rng): number {
  if (typeof value === "number") return value;
  const [min, max] = value.split("..").map(Number);
  return rng.int(min, max);
}
