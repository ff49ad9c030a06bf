/**
 * The content scrubber of `record`: finds personal data and secrets in recorded text (e-mail
 * addresses, phone numbers, card and account numbers, IBANs, order references, keys and tokens,
 * URLs with credentials or query tokens, IP addresses, person names where they can be detected,
 * and the recorded ids themselves) and replaces each by a template expression, so a replay
 * carries a plausible, varying value in its place. A value that occurs more than once in a
 * session becomes a declared var, so it stays one value across turns. Pure: no I/O.
 *
 * Two passes over a session: `observe` every string first (to know which values recur, and to
 * learn each value found), then `content` (template mode, for fields the planner renders) or
 * `plain` (placeholder mode, for fields sent as written: status messages, score comments, object
 * keys). A value found once by its context ("my name is Bartholomew", "account no. 87654321") is
 * personal wherever it occurs: the second pass replaces it everywhere, as the same var.
 */
import type { Json } from "../plan/types.ts";
import { luhn } from "../script/privacy.ts";

/** What the scrubber replaces, as counted in a script's header. */
export type ScrubKind =
  | "recorded id"
  | "URL with credentials or token"
  | "key or token"
  | "e-mail address"
  | "IBAN"
  | "IP address"
  | "card number"
  | "phone number"
  | "account number"
  | "order reference"
  | "person name";

/** A recorded id and what replaces it in content (`{{userId}}`, `{{sessionId}}`, or a fresh id). */
export interface IdReplacement {
  /** The id as recorded. */
  value: string;
  /** The template that replaces it. */
  template: string;
}

/** One found value: where, what kind, and how it is replaced. */
interface Found {
  start: number;
  end: number;
  kind: ScrubKind;
  /** Identifies the value: the same key everywhere means one var. */
  key: string;
  /** Text kept before the replaced value (a label such as "ORD-" or "Bearer "). */
  prefix: string;
  /** One template expression without its braces ("faker.internet.email"), or a whole template. */
  template: string;
  /** Base name of the var this value becomes when it recurs; empty: never a var. */
  varBase: string;
}

const PLACEHOLDERS: Record<ScrubKind, string> = {
  "recorded id": "[id]",
  "URL with credentials or token": "[url]",
  "key or token": "[secret]",
  "e-mail address": "[e-mail]",
  IBAN: "[iban]",
  "IP address": "[ip]",
  "card number": "[card]",
  "phone number": "[phone]",
  "account number": "[account]",
  "order reference": "[reference]",
  "person name": "[name]",
};

/** The plural of each kind, for counts in a header. */
export const KIND_PLURALS: Record<ScrubKind, string> = {
  "recorded id": "recorded ids",
  "URL with credentials or token": "URLs with credentials or tokens",
  "key or token": "keys or tokens",
  "e-mail address": "e-mail addresses",
  IBAN: "IBANs",
  "IP address": "IP addresses",
  "card number": "card numbers",
  "phone number": "phone numbers",
  "account number": "account numbers",
  "order reference": "order references",
  "person name": "person names",
};

/** Common first names detected anywhere as a capitalised word (unambiguous ones only). */
export const FIRST_NAMES = [
  "Anna",
  "Maria",
  "Sophie",
  "Emma",
  "Olivia",
  "Laura",
  "Julia",
  "Sarah",
  "Lisa",
  "Elena",
  "Fatima",
  "Aisha",
  "Priya",
  "Mei",
  "Yuki",
  "Ingrid",
  "Chloe",
  "Isabel",
  "Lucia",
  "Katarzyna",
  "Jessica",
  "Jennifer",
  "Emily",
  "Hannah",
  "Lena",
  "Clara",
  "Marta",
  "Giulia",
  "John",
  "James",
  "Michael",
  "David",
  "Thomas",
  "Daniel",
  "Peter",
  "Paul",
  "Lukas",
  "Jonas",
  "Mohammed",
  "Ahmed",
  "Ali",
  "Carlos",
  "Juan",
  "Pedro",
  "Luca",
  "Marco",
  "Pierre",
  "Jean",
  "Hans",
  "Klaus",
  "Stefan",
  "Andreas",
  "Tobias",
  "Sebastian",
  "Robert",
  "William",
  "Richard",
  "Joseph",
  "Kevin",
  "Brian",
  "Oliver",
  "Noah",
  "Liam",
  "Ethan",
  "Wei",
  "Hiroshi",
  "Raj",
  "Arjun",
  "Ivan",
  "Dmitri",
  "Olga",
  "Sven",
  "Lars",
  "Erik",
];

// Capitalised words that follow a greeting or "my name is" without being a name.
const NOT_NAMES = new Set([
  "There",
  "All",
  "Team",
  "Everyone",
  "Again",
  "So",
  "For",
  "Sir",
  "Madam",
  "Support",
  "Folks",
  "Guys",
  "Agent",
  "Customer",
  "I",
  "We",
  "You",
  "The",
  "A",
  "An",
  "This",
  "That",
  "It",
  "My",
  "Your",
  "Our",
  "Please",
  "Thanks",
  "Thank",
  "Hi",
  "Hello",
  "Hey",
  "Dear",
  "Good",
  "Regards",
  "Best",
  "Cheers",
  "Sincerely",
  "Kind",
  "Many",
  "Yours",
  "Can",
  "Could",
  "Is",
  "Are",
  "What",
  "Where",
  "When",
  "Why",
  "How",
  "Who",
  "Which",
  "Not",
  "Just",
  "Ok",
  "Okay",
  "Yes",
  "No",
  "And",
  "But",
  "Or",
]);

const NAME = String.raw`([A-Z][a-z]+(?:-[A-Z][a-z]+)?)`;
const SURNAME = String.raw`(?:[ ]([A-Z][a-z]+(?:-[A-Z][a-z]+)?))?`;
const NAME_PATTERNS = [
  new RegExp(
    String
      .raw`\b(?:[Mm]y name is|[Mm]y name's|[Ii] am called|[Cc]all me|[Tt]his is|[Ii]'m|[Ii] am)\s+` +
      NAME + SURNAME,
    "gd",
  ),
  new RegExp(
    String.raw`\b(?:Hi|Hello|Hey|Dear|Thanks|Thank you|Good (?:morning|afternoon|evening)),?\s+` +
      NAME + SURNAME,
    "gd",
  ),
  new RegExp(
    String
      .raw`\b(?:Regards|Best|Cheers|Sincerely|Thanks|Best regards|Kind regards|Many thanks|Yours),?\s*\n\s*` +
      NAME + SURNAME,
    "gd",
  ),
  new RegExp(String.raw`\b(?:Regards|Cheers|Sincerely|Thanks),\s+` + NAME + SURNAME, "gd"),
  new RegExp(String.raw`\b(${FIRST_NAMES.join("|")})\b` + SURNAME, "gd"),
];

const KEY_PATTERNS = [
  /(?<![A-Za-z0-9])(?:sk|pk|rk)[-_](?:(?:live|test|lf|proj|ant)[-_])?[A-Za-z0-9_-]{4,}/gi,
  /(?<![A-Za-z0-9])(?:gh[pousr]_|github_pat_)[A-Za-z0-9_]{8,}/gi,
  /(?<![A-Za-z0-9])xox[abprs]-[A-Za-z0-9-]{8,}/gi,
  /(?<![A-Za-z0-9])AKIA[A-Z0-9]{16}(?![A-Za-z0-9])/gi,
  /(?<![A-Za-z0-9])AIza[A-Za-z0-9_-]{20,}/gi,
];

/** A found value as learned: what replaces it wherever it occurs again. */
type Learned = Omit<Found, "start" | "end">;

/** Replaces found values by templates and counts them; one instance per recorded session. */
export class Scrubber {
  readonly #ids: IdReplacement[];
  /** Every string observed, to count values (learned ones included) when first needed. */
  readonly #observed: string[] = [];
  /** Values found in observed text, by their literal text, longest first when matched. */
  readonly #learned = new Map<string, Learned>();
  #learnedByLength: [string, Learned][] = [];
  #seen: Map<string, number> | undefined;
  readonly #vars = new Map<string, { name: string; template: string }>();
  readonly #varNames = new Set<string>();
  readonly #counts = new Map<ScrubKind, number>();
  #braces = 0;

  /** `ids`: recorded ids to replace wherever they occur (longest first is handled here). */
  constructor(ids: IdReplacement[]) {
    this.#ids = ids.filter((id) => id.value.length >= 4)
      .sort((a, b) => b.value.length - a.value.length);
  }

  /**
   * First pass: learns every value found in `value`'s strings (so it is replaced wherever it
   * occurs) and notes them all, so values that recur become vars.
   */
  observe(value: Json | undefined): void {
    visitStrings(value, (text) => {
      this.#observed.push(text);
      this.#seen = undefined;
      for (const found of this.#detect(text)) this.#learn(text, found);
    });
  }

  /** Template mode: every string in `value` with found values replaced by templates and literal braces broken up. */
  content(value: Json): Json {
    if (typeof value === "string") return this.contentText(value);
    if (Array.isArray(value)) return value.map((item) => this.content(item));
    if (value !== null && typeof value === "object") {
      const out: Record<string, Json> = {};
      for (const [key, item] of Object.entries(value)) {
        let name = this.plain(key);
        // Two keys scrubbed alike ("[e-mail]") stay two keys.
        for (let n = 2; name in out; n++) name = `${this.plain(key)} ${n}`;
        out[name] = this.content(item);
      }
      return out;
    }
    if (typeof value === "number" && Number.isInteger(value) && Math.abs(value) >= 1e8) {
      // A long integer may be a phone, card or account number: the same number of digits.
      const digits = String(Math.abs(value)).length;
      this.#count("account number");
      return digits <= 15 ? intRange(digits) : "{{faker.finance.accountNumber}}";
    }
    return value;
  }

  /** Template mode for one string. */
  contentText(text: string): string {
    let out = "";
    let last = 0;
    for (const found of this.#find(text)) {
      // A "{" right before an expression (or "}" right after) would join its braces.
      const before = this.#escape(text.slice(last, found.start)) + found.prefix;
      out += (before.endsWith("{") ? `${before} ` : before) + this.#expression(found);
      this.#count(found.kind);
      last = found.end;
      if (text[last] === "}") out += " ";
    }
    return out + this.#escape(text.slice(last));
  }

  /** Placeholder mode: found values become "[e-mail]", "[name]"…, for text sent as written. */
  plain(text: string): string {
    let out = "";
    let last = 0;
    for (const found of this.#find(text)) {
      out += text.slice(last, found.start) + found.prefix + PLACEHOLDERS[found.kind];
      this.#count(found.kind);
      last = found.end;
    }
    return out + text.slice(last);
  }

  /** Whether `text` holds anything the scrubber would replace. */
  holdsPersonalData(text: string): boolean {
    return this.#find(text).length > 0;
  }

  /** The vars that recurring values became, in the order first used. */
  vars(): Record<string, string> {
    return Object.fromEntries([...this.#vars.values()].map(({ name, template }) => [
      name,
      template,
    ]));
  }

  /** How many values of each kind were replaced, and how many literal "{{"/"}}" were broken up. */
  counts(): { kind: ScrubKind; count: number }[] {
    return [...this.#counts.entries()].map(([kind, count]) => ({ kind, count }));
  }

  /** How many literal "{{" or "}}" were broken up as "{ {" / "} }". */
  braces(): number {
    return this.#braces;
  }

  #count(kind: ScrubKind): void {
    this.#counts.set(kind, (this.#counts.get(kind) ?? 0) + 1);
  }

  #escape(text: string): string {
    return text.replace(/\{\{|\}\}/g, (pair) => {
      this.#braces++;
      return pair[0] + " " + pair[1];
    });
  }

  /** How often each value occurs in the observed text, learned values included. */
  #occurrences(): Map<string, number> {
    if (this.#seen === undefined) {
      const seen = new Map<string, number>();
      for (const text of this.#observed) {
        for (const found of this.#find(text)) seen.set(found.key, (seen.get(found.key) ?? 0) + 1);
      }
      this.#seen = seen;
    }
    return this.#seen;
  }

  /** Remembers the value `found` in `text` by its literal text, unless too short to be one. */
  #learn(text: string, found: Found): void {
    if (found.kind === "recorded id") return;
    const literal = text.slice(found.start + found.prefix.length, found.end);
    const digits = literal.replace(/\D/g, "").length;
    // A short number ("order #12") would take every "12" of the session with it.
    if (literal.length < 2 || (/^[\d\s./-]+$/.test(literal) && digits < 4)) return;
    if (this.#learned.has(literal)) return;
    this.#learned.set(literal, { ...found, prefix: "" });
    this.#learnedByLength = [...this.#learned].sort(([a], [b]) => b.length - a.length);
  }

  #expression(found: Found): string {
    const template = found.template.startsWith("{{") ? found.template : `{{${found.template}}}`;
    if (!found.varBase || (this.#occurrences().get(found.key) ?? 0) < 2) return template;
    let entry = this.#vars.get(found.key);
    if (!entry) {
      let name = found.varBase;
      for (let n = 2; this.#varNames.has(name); n++) name = `${found.varBase}${n}`;
      this.#varNames.add(name);
      entry = { name, template };
      this.#vars.set(found.key, entry);
    }
    return `{{${entry.name}}}`;
  }

  /**
   * Every value found in `text`, in order, none overlapping: recorded ids, then the detectors
   * (earlier ones win), then, where nothing was found, the values learned anywhere in the session.
   */
  #find(text: string): Found[] {
    const found = this.#detect(text);
    const free = (start: number, end: number) =>
      !found.some((other) => start < other.end && other.start < end);
    for (const [literal, learned] of this.#learnedByLength) {
      for (let at = text.indexOf(literal); at >= 0; at = text.indexOf(literal, at + 1)) {
        const end = at + literal.length;
        // Whole words only: "Bartholomews" is no "Bartholomew".
        const bounded = !/[A-Za-z0-9]/.test(text[at - 1] ?? "") &&
          !/[A-Za-z0-9]/.test(text[end] ?? "");
        if (bounded && free(at, end)) found.push({ ...learned, start: at, end });
      }
    }
    return found.sort((a, b) => a.start - b.start);
  }

  /** The recorded ids and the detectors' values in `text`, none overlapping. */
  #detect(text: string): Found[] {
    const found: Found[] = [];
    const taken = (start: number, end: number) =>
      found.some((other) => start < other.end && other.start < end);
    const add = (item: Found) => {
      if (item.end > item.start && !taken(item.start, item.end)) found.push(item);
    };
    for (const id of this.#ids) {
      for (let at = text.indexOf(id.value); at >= 0; at = text.indexOf(id.value, at + 1)) {
        add({
          start: at,
          end: at + id.value.length,
          kind: "recorded id",
          key: `id:${id.value}`,
          prefix: "",
          template: id.template,
          varBase: "",
        });
      }
    }
    for (const detector of DETECTORS) {
      for (const item of detector(text)) add(item);
    }
    return found;
  }
}

type Detector = (text: string) => Found[];

function matches(
  text: string,
  pattern: RegExp,
  make: (match: RegExpMatchArray) => Omit<Found, "start" | "end"> | undefined,
): Found[] {
  const out: Found[] = [];
  for (const match of text.matchAll(pattern)) {
    const made = make(match);
    if (made) out.push({ ...made, start: match.index!, end: match.index! + match[0].length });
  }
  return out;
}

function simple(kind: ScrubKind, template: string, varBase: string) {
  return (match: RegExpMatchArray): Omit<Found, "start" | "end"> => ({
    kind,
    key: `${kind}:${match[0].toLowerCase()}`,
    prefix: "",
    template,
    varBase,
  });
}

/** `{{int 10000..99999}}` for a number of `digits` digits. */
function intRange(digits: number): string {
  if (digits > 15) return "{{faker.finance.accountNumber}}";
  const min = digits === 1 ? 0 : 10 ** (digits - 1);
  return `{{int ${min}..${10 ** digits - 1}}}`;
}

/** One int range per digit group, separators kept: "2026-87104" → "{{int 1000..9999}}-{{int …}}". */
function groupsTemplate(groups: string): string {
  if (!/[-_/]/.test(groups)) return intTemplate(groups.length);
  return groups.replace(/\d+/g, (digits) => intRange(digits.length));
}

function intTemplate(digits: number): string {
  return intRange(digits).slice(2, -2);
}

const DETECTORS: Detector[] = [
  // URLs with user:password@, or with a token-like query parameter.
  (text) =>
    matches(
      text,
      /\b[a-z][a-z0-9+.-]*:\/\/[^\s/@:"'<>]+:[^\s/@"'<>]*@[^\s"'<>]*/gi,
      simple("URL with credentials or token", "faker.internet.url", "url"),
    ),
  (text) =>
    matches(
      text,
      /\bhttps?:\/\/[^\s"'<>]*[?&#](?:token|key|api_?key|access_?token|auth|sig|signature|password|secret|code|session|jwt)=[^\s"'<>]+/gi,
      simple("URL with credentials or token", "faker.internet.url", "url"),
    ),
  // Authorization header values.
  (text) =>
    matches(text, /\b(Bearer|Basic|Token)\s+([A-Za-z0-9._~+/=-]{8,})/g, (match) => ({
      kind: "key or token",
      key: `key:${match[2]}`,
      prefix: `${match[1]} `,
      template: "faker.string.nanoid",
      varBase: "token",
    })),
  (text) =>
    matches(
      text,
      /(?<![A-Za-z0-9])eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+\.?[A-Za-z0-9_-]*/g,
      simple("key or token", "faker.internet.jwt", "jwt"),
    ),
  (text) =>
    KEY_PATTERNS.flatMap((pattern) =>
      matches(text, pattern, simple("key or token", "faker.string.nanoid", "key"))
    ),
  // password=…, api_key: …, "secret": "…" (the label stays).
  (text) =>
    matches(
      text,
      /\b((?:api[_-]?key|secret|token|password|passwd|pwd|passcode|pin)["']?\s*[:=]\s*["']?)([^\s"',;]{4,})/gi,
      (match) => ({
        kind: "key or token",
        key: `key:${match[2]}`,
        prefix: match[1],
        template: "faker.string.nanoid",
        varBase: "secret",
      }),
    ),
  (text) =>
    matches(
      text,
      /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*/g,
      simple("e-mail address", "faker.internet.email", "email"),
    ),
  // IBAN, written solid or in groups of four.
  (text) =>
    matches(
      text,
      /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?(?![A-Za-z0-9])/g,
      (match) => {
        const solid = match[0].replace(/ /g, "");
        if (solid.length < 15 || !/\d{4}/.test(solid.slice(4))) return undefined;
        return {
          kind: "IBAN",
          key: `iban:${solid}`,
          prefix: "",
          template: "faker.finance.iban",
          varBase: "iban",
        };
      },
    ),
  // UUIDs and long hex (ids, hashes, keys).
  (text) =>
    matches(
      text,
      /(?<![A-Za-z0-9])[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?![A-Za-z0-9])/gi,
      simple("key or token", "faker.string.uuid", "uuid"),
    ),
  (text) =>
    matches(
      text,
      /(?<![A-Za-z0-9])(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{16,}(?![A-Za-z0-9])/gi,
      simple("key or token", "faker.string.uuid", "hexId"),
    ),
  // IPv4.
  (text) =>
    matches(
      text,
      /(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])/g,
      (match) =>
        match[0].split(".").every((part) => Number(part) <= 255)
          ? simple("IP address", "faker.internet.ipv4", "ip")(match)
          : undefined,
    ),
  // IPv6: eight groups, or a "::" short form with at least two groups.
  (text) =>
    matches(text, /(?<![0-9A-Za-z:])[0-9A-Fa-f:]*:[0-9A-Fa-f:]*(?![0-9A-Za-z:])/g, (match) => {
      const value = match[0];
      const groups = value.split(":");
      if (!groups.every((group) => /^[0-9A-Fa-f]{0,4}$/.test(group))) return undefined;
      const full = groups.length === 8 && groups.every((group) => group !== "");
      const short = value.includes("::") && !/:::/.test(value) &&
        groups.filter((group) => group !== "").length >= 2 && /[A-Fa-f]|::1$|^::/.test(value);
      return full || short ? simple("IP address", "faker.internet.ipv6", "ip")(match) : undefined;
    }),
  // Labelled account numbers: account 12345678, acct-5521, IBAN-less "Konto 123".
  (text) =>
    matches(
      text,
      /\b((?:acct|account|acc|konto|iban)(?:[ ]?(?:no\.?|number|nr\.?|#))?[-_#: ]*)(\d[\d -]*\d|\d)(?![A-Za-z0-9])/gi,
      (match) => ({
        kind: "account number",
        key: `number:${match[2].replace(/\D/g, "")}`,
        prefix: match[1],
        template: intTemplate(match[2].replace(/\D/g, "").length),
        varBase: "account",
      }),
    ),
  // Order references: order 12345, ORD-12345, inv_2026_12, #12345, HT-12345.
  (text) =>
    matches(
      text,
      /\b((?:order|ord|invoice|inv|ticket|case|ref|reference)(?:[ ]?(?:no\.?|number|nr\.?))?[-_#: ]*)(\d+(?:[-_/]\d+)*)(?![A-Za-z0-9])/gi,
      (match) => ({
        kind: "order reference",
        key: `number:${match[2]}`,
        prefix: match[1],
        template: groupsTemplate(match[2]),
        varBase: "orderRef",
      }),
    ),
  (text) =>
    matches(text, /(?<![A-Za-z0-9&])(#)(\d{2,})(?![A-Za-z0-9])/g, (match) => ({
      kind: "order reference",
      key: `number:${match[2]}`,
      prefix: match[1],
      template: intTemplate(match[2].length),
      varBase: "orderRef",
    })),
  (text) =>
    matches(
      text,
      /(?<![A-Za-z0-9])([A-Z]{2,6}[-_])(\d{3,}(?:[-_/]\d+)*)(?![A-Za-z0-9])/g,
      (match) => ({
        kind: "order reference",
        key: `number:${match[2]}`,
        prefix: match[1],
        template: groupsTemplate(match[2]),
        varBase: "orderRef",
      }),
    ),
  // Card numbers (Luhn), then phone numbers, then other long digit runs.
  (text) =>
    matches(text, /(?<![A-Za-z0-9+])\d(?:[ -]?\d){12,18}(?![A-Za-z0-9])/g, (match) => {
      const digits = match[0].replace(/\D/g, "");
      return luhn(digits)
        ? {
          kind: "card number",
          key: `number:${digits}`,
          prefix: "",
          template: "faker.finance.creditCardNumber",
          varBase: "card",
        }
        : undefined;
    }),
  (text) =>
    matches(
      text,
      /(?<![A-Za-z0-9+])(?:\+\d[\d ()./-]{5,}\d|\(?0\d[\d ()/-]{6,}\d|\(\d{3}\)[ ]?\d{3}[ -]?\d{4}|\d{3}[ .-]\d{3}[ .-]\d{4})(?![A-Za-z0-9])/g,
      (match) => {
        const digits = match[0].replace(/\D/g, "");
        const min = match[0].startsWith("+") ? 7 : /^\(?0/.test(match[0]) ? 9 : 10;
        if (digits.length < min || digits.length > 15) return undefined;
        return {
          kind: "phone number",
          key: `number:${digits}`,
          prefix: "",
          template: "faker.phone.number",
          varBase: "phone",
        };
      },
    ),
  (text) =>
    matches(text, /(?<![A-Za-z0-9.])\d(?:[ -]?\d){8,}(?![A-Za-z0-9.])/g, (match) => {
      const digits = match[0].replace(/\D/g, "");
      return {
        kind: "account number",
        key: `number:${digits}`,
        prefix: "",
        template: intTemplate(digits.length),
        varBase: "account",
      };
    }),
  // Alphanumeric references (tracking numbers, booking codes): capitals and digits mixed.
  (text) =>
    matches(text, /(?<![A-Za-z0-9])[A-Z0-9]{8,30}(?![A-Za-z0-9])/g, (match) => {
      const whole = match[0];
      const letters = whole.replace(/[^A-Z]/g, "").length;
      const digits = whole.replace(/\D/g, "").length;
      if (whole.length < 8 || letters < 2 || digits < 4) return undefined;
      const lead = /^([A-Z]+)(\d+)$/.exec(whole);
      return {
        kind: "order reference",
        key: `ref:${whole}`,
        prefix: lead ? lead[1] : "",
        template: lead ? intTemplate(lead[2].length) : "faker.string.nanoid",
        varBase: "reference",
      };
    }),
  // Long base64 (tokens).
  (text) =>
    matches(
      text,
      /(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{24,}={0,2}(?![A-Za-z0-9+/_-])/g,
      (match) =>
        /[a-z]/.test(match[0]) && /[A-Z]/.test(match[0]) && /\d/.test(match[0])
          ? simple("key or token", "faker.string.nanoid", "token")(match)
          : undefined,
    ),
  // Person names: after "my name is", greetings and sign-offs, and common first names.
  (text) =>
    NAME_PATTERNS.flatMap((pattern) => {
      const out: Found[] = [];
      for (const match of text.matchAll(pattern)) {
        const [first, last] = [match[1], match[2]];
        const firstAt = match.indices![1]!;
        const lastAt = match.indices![2];
        if (NOT_NAMES.has(first)) continue;
        out.push({
          start: firstAt[0],
          end: firstAt[1],
          kind: "person name",
          key: `name:${first}`,
          prefix: "",
          template: "faker.person.firstName",
          varBase: "firstName",
        });
        if (last && lastAt && !NOT_NAMES.has(last)) {
          out.push({
            start: lastAt[0],
            end: lastAt[1],
            kind: "person name",
            key: `surname:${last}`,
            prefix: "",
            template: "faker.person.lastName",
            varBase: "lastName",
          });
        }
      }
      return out;
    }),
];

/** Calls `visit` on every string in a JSON value (object keys included). */
export function visitStrings(value: Json | undefined, visit: (text: string) => void): void {
  if (typeof value === "string") visit(value);
  else if (Array.isArray(value)) { for (const item of value) visitStrings(item, visit); }
  else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      visit(key);
      visitStrings(item, visit);
    }
  }
}
