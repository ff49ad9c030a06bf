/**
 * Token usage, price and cost of a model step (a generation or an embedding), per Langfuse usage
 * type, and the checks that they add up. Which usage types a script may name is checked against
 * its vocabulary (`schema_vocabulary.ts`).
 */
import { z } from "zod";
import type { PathProblem } from "./errors.ts";
import { USAGE_TYPES } from "./vocabulary.ts";

/**
 * Most tokens one model step may count of one usage type: ten million, several times the largest
 * context window; more is a typo that would make costs and totals meaningless.
 */
export const MAX_TOKENS = 10_000_000;
/** Highest price in USD per million tokens: 1,000 (the dearest models cost well under that). */
export const MAX_PRICE_PER_MILLION = 1_000;
/** Highest fixed cost of one model step in USD: 1,000. */
export const MAX_COST_USD = 1_000;

const TOO_MANY_TOKENS = `must be at most ${MAX_TOKENS} tokens`;

/** A whole number of tokens or an inclusive range "700..900"; at most {@link MAX_TOKENS}. */
export const IntRange = z.union([
  z.int().nonnegative().max(MAX_TOKENS, { error: TOO_MANY_TOKENS }),
  z.string().regex(/^\d+\.\.\d+$/, {
    error: 'must be a whole number or a range like "700..900"',
    abort: true,
  })
    .refine((text) => {
      const [a, b] = text.split("..").map(Number);
      return a <= b;
    }, { error: "range must run from the smaller to the larger number", abort: true })
    .refine((text) => Number(text.split("..")[1]) <= MAX_TOKENS, { error: TOO_MANY_TOKENS }),
]);

/** USD amounts from 0 to `max`. */
function usd(max: number, what: string) {
  return z.number().nonnegative().max(max, { error: `must be at most ${max} (${what})` });
}

/**
 * Counts or prices per Langfuse usage type: the default types as fields (so editors offer them),
 * declared ones beside them; `vocabularyProblems` checks the keys against the script's
 * vocabulary.
 */
function perUsageType<T extends z.ZodType>(value: T) {
  return z.object(
    Object.fromEntries(USAGE_TYPES.map((type) => [type, value.optional()])) as Record<
      typeof USAGE_TYPES[number],
      z.ZodOptional<T>
    >,
  ).catchall(value);
}

/** Tokens per usage type: a number or a range "700..900". */
export const UsageCounts = perUsageType(IntRange);

/** USD per usage type as a fixed cost of one step. */
export const UsageCosts = perUsageType(usd(MAX_COST_USD, "USD for one step"));

/** USD per million tokens per usage type. */
export const UsagePrices = perUsageType(usd(MAX_PRICE_PER_MILLION, "USD per million tokens"));

/** The parts of a step the usage checks read. */
export interface ModelStep {
  type: string;
  usage?: Record<string, number | string>;
  price?: Record<string, number>;
  cost?: Record<string, number>;
  hiddenInputTokens?: number;
}

/**
 * The usage types each model step reports: what its `usage` leaves out is counted from its
 * content (src/plan/counted_usage.ts).
 */
export const REQUIRED_USAGE: Readonly<Record<string, readonly string[]>> = {
  generation: ["input", "output"],
  embedding: ["input"],
};

/** Usage types a step may report without its script counting them: cached input of a generation. */
const COUNTED_WHEN_THEY_OCCUR: Readonly<Record<string, readonly string[]>> = {
  generation: ["input_cached_tokens"],
};

/**
 * Problems of a model step's usage, price and cost: a price for every usage type the step
 * counts (a type without one would be free), nothing priced or costed that it does not count,
 * and hidden input tokens only where the input is counted from the messages.
 */
export function usageProblems(step: ModelStep): PathProblem[] {
  const problems: PathProblem[] = [];
  const { usage, price, cost } = step;
  const counted = [
    ...(REQUIRED_USAGE[step.type] ?? []),
    ...Object.keys(usage ?? {}).filter((type) => !REQUIRED_USAGE[step.type]?.includes(type)),
  ];
  if (price) {
    for (const type of counted) {
      if (price[type] === undefined) {
        problems.push({
          path: ["price", type],
          message: `is required: the step counts ${type} (USD per million tokens; 0 when free)`,
        });
      }
    }
  }
  const allowed = [...counted, ...(COUNTED_WHEN_THEY_OCCUR[step.type] ?? [])];
  for (const [field, given] of [["price", price], ["cost", cost]] as const) {
    if (!given) continue;
    if (Object.keys(given).length === 0) {
      problems.push({ path: [field], message: "must give at least one usage type" });
    }
    for (const type of Object.keys(given)) {
      if (!allowed.includes(type)) {
        problems.push({
          path: [field, type],
          message: `is a usage type the step does not count (${counted.join(", ")})`,
          key: true,
        });
      }
    }
  }
  if (step.hiddenInputTokens !== undefined && usage?.input !== undefined) {
    problems.push({
      path: ["hiddenInputTokens"],
      message: "give either usage.input (the input tokens, fixed) or hiddenInputTokens (the " +
        "tokens the messages do not show, added to their count), not both",
    });
  }
  return problems;
}
