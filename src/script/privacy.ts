/**
 * The privacy guard: session and user ids, tags and metadata are copied onto every span, so
 * they must be pseudonymous, bounded tokens. Each check returns why a value is refused, or
 * undefined when it is acceptable.
 */

// A prefix of lowercase words, then a random-looking token: conv_82d9535867844b4c8cdff.
const PSEUDONYMOUS = /^[a-z][a-z0-9]*(?:_[a-z][a-z0-9]*)*_[a-z0-9]{6,64}$/;
// The same with one generated placeholder as the token: conv_{hex:21}.
const GENERATED = /^([a-z][a-z0-9]*(?:_[a-z][a-z0-9]*)*_)\{(hex|alnum):(\d+)\}$/;
const SENSITIVE_WORDS = new Set([
  "order",
  "ord",
  "invoice",
  "inv",
  "acct",
  "account",
  "card",
  "iban",
  "phone",
  "tel",
  "email",
  "mail",
  "key",
  "token",
  "secret",
  "sk",
  "pk",
  "api",
  "apikey",
  "password",
  "ssn",
]);

/** A generated id format: a fixed prefix and a random token of one alphabet and length. */
export interface IdFormat {
  prefix: string;
  alphabet: "hex" | "alnum";
  length: number;
}

/** Parses "conv_{hex:21}" into its format; undefined when the text is not a pattern. */
export function parseIdFormat(text: string): IdFormat | undefined {
  const match = GENERATED.exec(text);
  if (!match) return undefined;
  return { prefix: match[1], alphabet: match[2] as IdFormat["alphabet"], length: Number(match[3]) };
}

/** Why `value` is not a pseudonymous id (a literal token or a generated pattern), or undefined. */
export function checkPseudonymousId(value: string): string | undefined {
  if (value.includes("{{")) return "must not use templating: ids are propagated to every span";
  if (value.includes("@")) return `"${value}" looks like an e-mail address; use a pseudonymous id`;
  if (/^\+?[\d\s().-]{7,}$/.test(value)) {
    return `"${value}" looks like a phone number; use a pseudonymous id`;
  }
  if (/^[A-Z]{2,}[-_#]?\d+/.test(value) || /#\d+/.test(value)) {
    return `"${value}" looks like an order reference; use a pseudonymous id`;
  }
  if (/^(sk|pk)-/.test(value) || /^eyJ/.test(value)) {
    return `"${value}" looks like a key or token; never propagate secrets`;
  }
  const format = parseIdFormat(value);
  if (format) {
    if (format.length < 6 || format.length > 64) {
      return `"${value}" must generate between 6 and 64 characters`;
    }
    return checkPrefix(value, format.prefix);
  }
  if (!PSEUDONYMOUS.test(value)) {
    return `"${value}" is not a pseudonymous id: expected lowercase words and a random token ` +
      `of 6 to 64 characters, like conv_82d9535867844b4c8cdff or conv_{hex:21}`;
  }
  const token = value.slice(value.lastIndexOf("_") + 1);
  if (/^\d+$/.test(token)) {
    return `"${value}" ends in digits only, like an account number; use a random token`;
  }
  return checkPrefix(value, value.slice(0, value.lastIndexOf("_") + 1));
}

function checkPrefix(value: string, prefix: string): string | undefined {
  const word = prefix.split("_").find((part) => SENSITIVE_WORDS.has(part));
  if (word === undefined) return undefined;
  return `"${value}" is named like ${
    /order|ord|inv/.test(word) ? "an order reference" : "an account number or key"
  } ("${word}_"); use a pseudonymous prefix such as conv_ or usr_`;
}

const TOKEN = /^[a-z0-9][a-z0-9_.:-]{0,39}$/;

/** Why `value` is not a short bounded token (tags, metadata values), or undefined. */
export function checkToken(value: string): string | undefined {
  if (value.includes("{{")) return "must not use templating: it is propagated to every span";
  if (TOKEN.test(value)) return undefined;
  return `"${value}" is not a short token: use 1 to 40 lowercase letters, digits, "_", "-", "." or ":"`;
}
