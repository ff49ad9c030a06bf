/**
 * Token counts from a real tokenizer: OpenAI's o200k_base (the `gpt-tokenizer` package), exact
 * for current OpenAI models and scaled for other families (`ModelProfile.tokenFactor`). A chat
 * prompt is counted the way OpenAI's chat format bills it, which is also how Langfuse's own
 * tokenizer counts: 3 tokens per message, its role and content (and name, plus 1), and 3 that
 * prime the reply. The same text always counts the same; counts are cached by text.
 */
import { countTokens } from "gpt-tokenizer/encoding/o200k_base";
import { modelProfile } from "./models.ts";
import type { Json } from "./types.ts";

/** Tokens each chat message adds for its framing (`<|start|>role<|message|>…<|end|>`). */
export const TOKENS_PER_MESSAGE = 3;
/** Tokens a message's `name` adds beyond its text. */
export const TOKENS_PER_NAME = 1;
/** Tokens that prime the reply (`<|start|>assistant<|message|>`), once per prompt. */
export const REPLY_PRIMING_TOKENS = 3;

/** The message fields the chat format puts into the prompt. */
const COUNTED_FIELDS = new Set(["role", "content", "name", "tool_calls", "tool_call_id"]);

/** Tokens of a text for `model`. */
export function textTokens(text: string, model: string): number {
  const tokens = O200K.get(text);
  const factor = modelProfile(model).tokenFactor;
  return factor === 1 ? tokens : Math.ceil(tokens * factor);
}

/** Tokens of a JSON value: a string as it is, anything else as its JSON text. */
export function jsonTokens(value: Json, model: string): number {
  return textTokens(typeof value === "string" ? value : JSON.stringify(value), model);
}

/** Tokens one chat message adds to a prompt: its framing and every counted field. */
export function messageTokens(message: { [key: string]: Json }, model: string): number {
  let tokens = TOKENS_PER_MESSAGE;
  for (const key of Object.keys(message)) {
    const value = message[key];
    if (!COUNTED_FIELDS.has(key) || value === null) continue;
    tokens += jsonTokens(value, model);
    if (key === "name") tokens += TOKENS_PER_NAME;
  }
  return tokens;
}

/**
 * The parts of a generation's input in prompt order, each with its tokens: one per chat message
 * for a list of messages, else the whole input as one part. `key` tells equal parts apart.
 */
export function promptParts(input: Json | undefined, model: string): PromptPart[] {
  if (input === undefined || input === null) return [];
  if (!Array.isArray(input)) {
    return [{ key: JSON.stringify(input), tokens: jsonTokens(input, model) }];
  }
  return input.map((item) => ({
    key: JSON.stringify(item),
    tokens: isObject(item) ? messageTokens(item, model) : jsonTokens(item, model),
  }));
}

/** One part of a prompt: a message (or the whole input), or a declared hidden part. */
export interface PromptPart {
  key: string;
  tokens: number;
}

/** Tokens of a generation's input: its messages as a chat prompt, or its JSON text. */
export function inputTokens(input: Json | undefined, model: string): number {
  const parts = promptParts(input, model);
  const priming = Array.isArray(input) ? REPLY_PRIMING_TOKENS : 0;
  return parts.reduce((sum, part) => sum + part.tokens, priming);
}

/** Tokens of an embedding's input: each text of a list, or the one text, without chat framing. */
export function textsTokens(input: Json | undefined, model: string): number {
  if (input === undefined || input === null) return 0;
  if (!Array.isArray(input)) return jsonTokens(input, model);
  return input.reduce((sum: number, item) => sum + jsonTokens(item, model), 0);
}

/**
 * Tokens a generation's output holds: an assistant message's content and tool calls, not its
 * role (output is billed for what the model wrote), and a spoken answer's transcript (billed
 * as text output tokens beside its audio tokens); any other value as its JSON text.
 */
export function outputTokens(output: Json | undefined, model: string): number {
  if (output === undefined || output === null) return 0;
  if (isObject(output) && output.role === "assistant") {
    let tokens = 0;
    for (const key of ["content", "tool_calls"]) {
      const value = output[key];
      if (value !== undefined && value !== null) tokens += jsonTokens(value, model);
    }
    const audio = output.audio;
    if (isObject(audio) && typeof audio.transcript === "string") {
      tokens += textTokens(audio.transcript, model);
    }
    return tokens;
  }
  return jsonTokens(output, model);
}

function isObject(value: Json): value is { [key: string]: Json } {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * Counts by text, bounded: a text is counted again only after at least `limit / 2` other texts
 * were used since its last use, and at most `limit` are kept. Two generations of maps (the
 * recent one becomes the older when full) instead of a strict LRU: a Map used as an LRU
 * (delete and set on each hit, evict the first key) slows down as deleted entries pile up.
 */
export class CountCache {
  #recent = new Map<string, number>();
  #older = new Map<string, number>();

  constructor(readonly limit: number, private readonly count: (text: string) => number) {}

  /** The count of `text`, counted once while it is among the recently used. */
  get(text: string): number {
    const recent = this.#recent.get(text);
    if (recent !== undefined) return recent;
    const counted = this.#older.get(text) ?? this.count(text);
    this.#recent.set(text, counted);
    if (this.#recent.size >= this.limit / 2) {
      this.#older = this.#recent;
      this.#recent = new Map();
    }
    return counted;
  }

  /** How many texts are kept (a text moved up from the older map is kept twice). */
  get size(): number {
    return this.#recent.size + this.#older.size;
  }
}

/** How many texts keep their count; a load run's texts are mostly per session. */
export const COUNT_CACHE_SIZE = 10_000;

// Special-token strings in user content ("<|endoftext|>") are text, not an error.
const AS_TEXT = { disallowedSpecial: new Set<string>() };

const O200K = new CountCache(COUNT_CACHE_SIZE, (text) => countTokens(text, AS_TEXT));
