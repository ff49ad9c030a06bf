/**
 * The privacy guard: session and user ids, the trace's name, version, release and tags are
 * copied onto every span, so they must be pseudonymous, bounded tokens that hold no personal
 * data and no secret; free text that goes to Langfuse beside the spans' content (review
 * comments, queue names, score comments, status messages, …) must hold no secret or personal
 * data either. Each check returns why a value is refused, or undefined when it is acceptable.
 * Refusals name the kind of value, never the value: the caller names the field and its place.
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
  const found = findPersonalData(value) ??
    (value.includes("@")
      ? "e-mail address"
      : /^\+?[\d\s().-]{7,}$/.test(value)
      ? "phone number"
      : /^[A-Z]{2,}[-_#]?\d+/.test(value)
      ? "order reference"
      : undefined);
  if (found) return refusal(found, "use a pseudonymous id");
  const format = parseIdFormat(value);
  if (format) {
    if (format.length < 6 || format.length > 64) {
      return "must generate between 6 and 64 characters";
    }
    return checkPrefix(format.prefix);
  }
  if (!PSEUDONYMOUS.test(value)) {
    return "is not a pseudonymous id: expected lowercase words and a random token " +
      `of 6 to 64 characters, like conv_82d9535867844b4c8cdff or conv_{hex:21}`;
  }
  const token = value.slice(value.lastIndexOf("_") + 1);
  if (/^\d+$/.test(token)) {
    return "ends in digits only, like an account number; use a random token";
  }
  return checkPrefix(value.slice(0, value.lastIndexOf("_") + 1));
}

function checkPrefix(prefix: string): string | undefined {
  const word = prefix.split("_").find((part) => SENSITIVE_WORDS.has(part));
  if (word === undefined) return undefined;
  return `is named like ${
    /order|ord|inv/.test(word) ? "an order reference" : "an account number or key"
  } (a "${word}_" prefix); use a pseudonymous prefix such as conv_ or usr_`;
}

const TOKEN = /^[a-z0-9][a-z0-9_.:-]{0,39}$/;

/** Why `value` is not a short bounded token (trace name, version, release, tags), or undefined. */
export function checkToken(value: string): string | undefined {
  if (value.includes("{{")) return "must not use templating: it is propagated to every span";
  const found = findPersonalData(value);
  if (found) return refusal(found, "it would be copied onto every span");
  if (TOKEN.test(value)) return undefined;
  return 'is not a short token: use 1 to 40 lowercase letters, digits, "_", "-", "." or ":"';
}

/**
 * Why free text sent to Langfuse beside the spans' content (a review comment, a queue name, a
 * score comment, a status message) is refused: it holds a secret or personal data.
 */
export function checkFreeText(value: string): string | undefined {
  const found = findPersonalData(value);
  return found && refusal(found, "free text sent to Langfuse must hold no personal data");
}

/** The kinds of secret or personal value the guard recognises. */
export type PersonalDataKind =
  | "key or token"
  | "e-mail address"
  | "card number"
  | "phone number"
  | "account number"
  | "order reference";

// Secrets by their published prefixes, in any case: OpenAI/Anthropic/Langfuse/Stripe sk-, pk-,
// rk-; GitHub ghp_, gho_, ghu_, ghs_, ghr_, github_pat_; Slack xox?-; AWS AKIA; Google AIza.
const KEY_PATTERNS = [
  /(?<![a-z0-9])(?:sk|pk|rk)[-_](?:(?:live|test|lf|proj|ant)[-_])?[a-z0-9_-]{4,}/i,
  /(?<![a-z0-9])(?:gh[pousr]_|github_pat_)[a-z0-9_]{8,}/i,
  /(?<![a-z0-9])xox[abprs]-[a-z0-9-]{8,}/i,
  /(?<![a-z0-9])akia[a-z0-9]{16}(?![a-z0-9])/i,
  /(?<![a-z0-9])aiza[a-z0-9_-]{20,}/i,
];
// A JWT's header is base64url of `{"`, so it starts eyJ; lowercased or uppercased it is still
// one, as long as it is not a plain word (it has a digit, a "_" or "-", or a "." segment).
const JWT = /(?<![a-z0-9])eyj[a-z0-9_-]{8,}(?:\.[a-z0-9_-]*)*/i;
const EMAIL = /[^\s@]@[^\s@]/;
// order-924, ORDER-924, order_924, Order#924, ord924, inv-2026-1234, and any #924.
const ORDER_REF = /(?<![a-z])(?:order|ord|invoice|inv)[-_#: ]?\d+(?![a-z0-9])|#\d+/i;
// acct-5521, ACCOUNT_5521, iban 12, and an IBAN like GB82WEST12345698765432.
const ACCOUNT_REF = /(?<![a-z])(?:acct|account|acc|iban)[-_#: ]?\d+(?![a-z0-9])/i;
const IBAN = /(?<![a-z0-9])[a-z]{2}\d{2}[a-z0-9]{11,30}(?![a-z0-9])/i;
// Runs of digits that may be split by spaces, dashes or parentheses, standing on their own
// (not inside a random token like conv_82d9535867844b4c8cdff), with an optional leading "+".
const DIGIT_RUN = /(?<![a-z0-9])\+?\(?\d(?:[ ()-]*\d)*(?![a-z0-9])/gi;

/** Which kind of secret or personal data `value` holds, if any, whatever its case or separators. */
export function findPersonalData(value: string): PersonalDataKind | undefined {
  if (KEY_PATTERNS.some((pattern) => pattern.test(value))) return "key or token";
  const jwt = JWT.exec(value);
  if (jwt && /[\d_.-]/.test(jwt[0].slice(3))) return "key or token";
  if (EMAIL.test(value)) return "e-mail address";
  if (ORDER_REF.test(value)) return "order reference";
  if (ACCOUNT_REF.test(value) || IBAN.test(value)) return "account number";
  for (const [run] of value.matchAll(DIGIT_RUN)) {
    const digits = run.replace(/\D/g, "");
    const spaced = /[ ()-]/.test(run.replace(/^\+/, ""));
    if (run.startsWith("+") && digits.length >= 7) return "phone number";
    if (/^\(?0/.test(run) && digits.length >= 9 && digits.length <= 15) return "phone number";
    if (digits.length >= 13 && digits.length <= 19 && luhn(digits)) return "card number";
    if (spaced && digits.length >= 7 && /^\(?\d{3}\)?[ -]\d{3}[ -]?\d{4}$/.test(run)) {
      return "phone number";
    }
    if (digits.length >= 9) return "account number";
  }
  return undefined;
}

/** "looks like a phone number; <advice>", without quoting the value. */
function refusal(kind: PersonalDataKind, advice: string): string {
  if (kind === "key or token") return "looks like a key or token; never propagate secrets";
  return `looks like ${/^[aeiou]/.test(kind) ? "an" : "a"} ${kind}; ${advice}`;
}

/** The Luhn checksum every payment card number passes. */
export function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}
