/**
 * What the planner knows about a model from its name: how its tokens are counted, whether its
 * provider caches long prompt prefixes by itself, and how fast it streams output. Pure.
 */

/** A model family, by provider. */
export type ModelFamily = "openai" | "anthropic" | "google" | "other";

/** How the planner treats one model. */
export interface ModelProfile {
  family: ModelFamily;
  /**
   * Tokens per o200k_base token. OpenAI's current models use o200k_base itself (1). Other
   * providers' tokenizers are not public or not shipped as pure JavaScript, so their counts are
   * o200k_base counts scaled: Anthropic's Claude tokenizers split English prose into roughly
   * 10-30% more tokens than o200k_base (1.2); Google's Gemini vocabulary (256k entries) and
   * open models' (Llama 3 builds on tiktoken) count about the same (1). OpenAI's older models
   * (gpt-3.5, gpt-4, gpt-4-turbo) use cl100k_base, within a few percent of o200k_base on
   * English, and are counted with o200k_base too so one vocabulary is loaded.
   */
  tokenFactor: number;
  /**
   * The provider caches a repeated prompt prefix without being asked: OpenAI does for every
   * prompt of 1,024 tokens or more. Anthropic caches only what a request marks with
   * `cache_control`, and Gemini's implicit caching has other thresholds: not modelled.
   */
  promptCaching: boolean;
  /** Believable output speed after the first token, tokens per second. */
  outputSpeed: { min: number; max: number };
}

/**
 * Output speeds by model size, from the public throughput of current hosted models: the
 * smallest (nano, lite) stream fastest, the large ones slowest.
 */
export const OUTPUT_SPEEDS = {
  tiny: { min: 80, max: 200 },
  small: { min: 40, max: 120 },
  large: { min: 30, max: 80 },
} as const;

const PROFILES = new Map<string, ModelProfile>();

/** The profile of a model name ("gpt-5.4-mini-2026-03-17", "anthropic/claude-sonnet-4-6"). */
export function modelProfile(model: string): ModelProfile {
  let profile = PROFILES.get(model);
  if (profile === undefined) {
    profile = profileOf(model);
    // Model names come from the loaded scripts, a bounded set.
    PROFILES.set(model, profile);
  }
  return profile;
}

function profileOf(model: string): ModelProfile {
  // A provider or deployment prefix ("openai/", "us.anthropic.") does not change the model.
  const name = model.toLowerCase().split("/").at(-1)!;
  const family: ModelFamily = /^(ft:)?(gpt-|chatgpt-|o\d|text-embedding-|codex-)/.test(name)
    ? "openai"
    : name.includes("claude")
    ? "anthropic"
    : /gemini|gemma/.test(name)
    ? "google"
    : "other";
  const size = /nano|lite|\b[1-9]b\b/.test(name)
    ? "tiny"
    : /mini|flash|haiku|small|instant/.test(name)
    ? "small"
    : "large";
  return {
    family,
    tokenFactor: family === "anthropic" ? 1.2 : 1,
    promptCaching: family === "openai",
    outputSpeed: OUTPUT_SPEEDS[size],
  };
}
