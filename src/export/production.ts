/**
 * Whether a name says production, by its word parts, so that no spelling sidesteps the guard:
 * `langfuse-prod01`, `prod_langfuse`, `Production`, `PRD`, `supportLive` all do; `product`,
 * `delivery`, `olive`, `reproduce` do not. A name is split on every character that is not a
 * letter (digits included, so `prod01` gives `prod`) and where a lower-case letter meets an
 * upper-case one (`supportLive` gives `support`, `live`); the parts compare in lower case.
 */

/** The words that mark a production host, environment or project. */
export const PRODUCTION_WORDS: readonly string[] = ["prod", "prd", "production", "live"];

/** The lower-case word parts of `text`. */
export function wordParts(text: string): string[] {
  return text.replace(/([a-z])([A-Z])/g, "$1 $2").split(/[^A-Za-z]+/).filter(Boolean).map((
    part,
  ) => part.toLowerCase());
}

/** The first word part of `text` that says production, or undefined. */
export function productionWord(text: string): string | undefined {
  return wordParts(text).find((part) => PRODUCTION_WORDS.includes(part));
}
