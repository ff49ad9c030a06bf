/** Counted nouns in messages, one rule for every command: `1 turn`, `3 turns`, `0 spans`. */

/** `noun` for `n` of it: the plural (default `noun` + "s") unless `n` is 1. */
export function noun(n: number, singular: string, plural = `${singular}s`): string {
  return n === 1 ? singular : plural;
}

/** `n` and its noun: `count(1, "turn")` is "1 turn", `count(2, "entry", "entries")` "2 entries". */
export function count(n: number, singular: string, plural?: string): string {
  return `${n} ${noun(n, singular, plural)}`;
}
