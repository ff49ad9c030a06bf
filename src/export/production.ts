/**
 * Whether a name says production, by its word parts, so that no spelling sidesteps the guard:
 * `langfuse-prod01`, `prod_langfuse`, `Production`, `PRD`, `supportLive` all do; `product`,
 * `delivery`, `olive`, `reproduce` do not. A name is split on every character that is not a
 * letter (digits included, so `prod01` gives `prod`) and where a lower-case letter meets an
 * upper-case one (`supportLive` gives `support`, `live`); the parts compare in lower case.
 *
 * Look-alikes count as what they look like: a name is first folded to Latin letters (NFKC,
 * accents dropped, Greek and Cyrillic homoglyphs mapped, invisible characters removed, a
 * punycode host decoded), so `prοduction` with a Greek omicron, `ｐｒｏｄ` and `pro\u200bd`
 * are production too.
 */
import { domainToUnicode } from "node:url";

/** The words that mark a production host, environment or project. */
export const PRODUCTION_WORDS: readonly string[] = ["prod", "prd", "production", "live"];

// Greek and Cyrillic letters that look like Latin ones (upper and lower case): each letter of
// LOOK_ALIKES reads as the letter at the same place in LATIN.
const LOOK_ALIKES = "ΑΒΕΖΗΙΚΜΝΟΡΤΥΧϹͿαικνορτυχϲϳωεАВСЕНІЈКМОРЅТХУԀԚԜӀавсеһіјкмнорѕтхуԁԛԝӏɩıȷ";
const LATIN = "ABEZHIKMNOPTYXCJaikvoptuxcjweABCEHIJKMOPSTXYDQWIabcehijkmhopstxydqwliij";
const LOOK_ALIKE = new RegExp(`[${LOOK_ALIKES}]`, "g");
// Characters that show as nothing: soft hyphen, zero-width spaces and joiners, word joiner,
// invisible operators, the byte-order mark.
const INVISIBLE = /[\u00ad\u034f\u180e\u200b-\u200f\u2060-\u2064\ufeff]/g;

/** `text` with look-alikes folded to the Latin letters they look like (see the module doc). */
export function foldConfusables(text: string): string {
  const decoded = text.split(".").some((label) => label.toLowerCase().startsWith("xn--"))
    ? domainToUnicode(text) || text
    : text;
  return decoded.normalize("NFKD").replace(/\p{M}/gu, "").replace(INVISIBLE, "")
    .replace(LOOK_ALIKE, (char) => LATIN[LOOK_ALIKES.indexOf(char)]).normalize("NFKC");
}

/** The lower-case word parts of `text`, look-alikes folded. */
export function wordParts(text: string): string[] {
  return foldConfusables(text).replace(/([a-z])([A-Z])/g, "$1 $2").split(/[^A-Za-z]+/)
    .filter(Boolean).map((part) => part.toLowerCase());
}

/** The first word part of `text` that says production, or undefined. */
export function productionWord(text: string): string | undefined {
  return wordParts(text).find((part) => PRODUCTION_WORDS.includes(part));
}
