/**
 * A model call's usage counted from what it holds, the way a provider bills it: input tokens are
 * its prompt as sent (messages in the chat format, plus a hidden part the script declares),
 * output tokens what it wrote, cached input tokens the prefix an earlier call of the session
 * already sent. What a script fixes in `usage` wins over the count. Pure.
 */
import type { StepInput } from "../script/schema.ts";
import { modelProfile } from "./models.ts";
import { inputTokens, outputTokens, type PromptPart, promptParts, textsTokens } from "./tokens.ts";
import type { Cost, Json, Usage } from "./types.ts";
import { fixedCost, pricedCost, withTotal } from "./usage.ts";

/** OpenAI caches prompts of at least this many tokens... */
export const CACHE_MIN_TOKENS = 1024;
/** ...and reports cache hits in steps of this many tokens beyond the minimum. */
export const CACHE_STEP_TOKENS = 128;

/**
 * The cached tokens OpenAI reports for a prompt whose first `prefixTokens` tokens were sent
 * before: none under 1,024, then 1,024 and steps of 128 within the shared prefix.
 */
export function cachedTokens(prefixTokens: number): number {
  if (prefixTokens < CACHE_MIN_TOKENS) return 0;
  return prefixTokens - (prefixTokens - CACHE_MIN_TOKENS) % CACHE_STEP_TOKENS;
}

/**
 * The prompts a session has sent, per model, so a later call finds the longest prefix it shares
 * with an earlier one. Parts are compared whole (a message, a hidden part): a prefix that ends
 * inside a message counts up to that message, slightly fewer tokens than OpenAI's token-level
 * match. Only within a session: whether other sessions warmed the cache depends on traffic the
 * plan does not know.
 */
export class PromptCache {
  readonly #sent = new Map<string, string[][]>();

  /** The cached tokens of a prompt to `model`; remembers the prompt for later calls. */
  send(model: string, parts: PromptPart[]): number {
    const keys = parts.map((part) => part.key);
    const sent = this.#sent.get(model) ?? [];
    let longest = 0;
    for (const earlier of sent) {
      let tokens = 0;
      for (let i = 0; i < keys.length && i < earlier.length && earlier[i] === keys[i]; i++) {
        tokens += parts[i].tokens;
      }
      longest = Math.max(longest, tokens);
    }
    sent.push(keys);
    this.#sent.set(model, sent);
    return cachedTokens(longest);
  }
}

/** What counting a call's usage needs besides its step and content. */
export interface CountedUsageOptions {
  /** The counts the script fixes, drawn from its numbers and ranges, per usage type. */
  fixed: Readonly<Record<string, number>>;
  /** Tokens of the earlier turns' messages put into the input (added to a fixed input). */
  historyTokens: number;
  /** The call failed: it wrote no output. */
  failed: boolean;
  /** The session's earlier prompts. */
  cache: PromptCache;
}

/**
 * The usage of a generation or embedding whose input and output are as planned: the fixed
 * counts as they are, input and output counted where the script leaves them out. A counted
 * input holds the hidden part (`hiddenInputTokens`), and on a model whose provider caches
 * prompts by itself the cached prefix moves from `input` to `input_cached_tokens`, as Langfuse
 * stores them (the types add up to the total).
 */
export function countedUsage(
  step: StepInput,
  content: { input?: Json; output?: Json },
  options: CountedUsageOptions,
): Usage {
  const model = step.model ?? "";
  const counts: Record<string, number> = { ...options.fixed };
  if (options.fixed.input !== undefined) counts.input = options.fixed.input + options.historyTokens;
  else if (step.type === "embedding") counts.input = textsTokens(content.input, model);
  else {
    const hidden = step.hiddenInputTokens ?? 0;
    // A hidden part (tool schemas) goes into the prompt before the messages.
    const parts = promptParts(content.input, model);
    if (hidden > 0) parts.unshift({ key: `hidden:${step.name}:${hidden}`, tokens: hidden });
    const prompt = hidden + inputTokens(content.input, model);
    const cached = options.fixed.input_cached_tokens ??
      (modelProfile(model).promptCaching ? options.cache.send(model, parts) : 0);
    if (cached > 0) counts.input_cached_tokens = cached;
    counts.input = Math.max(0, prompt - cached);
  }
  if (step.type === "generation" && options.fixed.output === undefined) {
    counts.output = options.failed ? 0 : outputTokens(content.output, model);
  }
  return withTotal(counts);
}

/**
 * The cost of a model call: a fixed `cost`, or its usage at `price` (USD per million tokens per
 * usage type); cached input without a price of its own costs what other input costs.
 */
export function modelCost(step: StepInput, usage: Usage): Cost | undefined {
  if (step.cost) return fixedCost(step.cost);
  if (!step.price) return undefined;
  const price = usage.input_cached_tokens === undefined ||
      step.price.input_cached_tokens !== undefined
    ? step.price
    : { ...step.price, input_cached_tokens: step.price.input ?? 0 };
  return pricedCost(usage, price);
}
