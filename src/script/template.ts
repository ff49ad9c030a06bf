/**
 * Content templates: `{{date +2d}}`, `{{pick DHL|UPS|DPD}}`, `{{int 2..5}}`, `{{money 20..90}}`,
 * `{{faker.location.city}}`, `{{name}}` for a session variable, `{{persona.name}}` for a
 * value of the session's user, and `{{sessionId}}` / `{{userId}}`. Dates and amounts take a
 * content locale last (`{{longdate +2d de}}`). Parsed and checked when a script is read, so a
 * typo is a script error with a position (returned, never thrown, so it is reported with every other problem); rendered by
 * the planner. Numbers are bounded (see the MAX_ constants), names are looked up as own
 * properties of our tables only (`{{constructor}}` is no date format), and faker methods come
 * from an explicit list (faker_methods.ts).
 */
import { parseDuration } from "./duration.ts";
import { FAKER_METHODS, isFakerMethod } from "./faker_methods.ts";

/** Largest `{{int}}` bound: the largest integer a number holds exactly (2^53 - 1). */
export const MAX_TEMPLATE_INT = Number.MAX_SAFE_INTEGER;
/** Largest `{{money}}` bound: a billion. */
export const MAX_TEMPLATE_MONEY = 1_000_000_000;
/** Largest date offset either way: 3650 days (about ten years), so dates stay four-digit years. */
export const MAX_TEMPLATE_OFFSET_MS = 3650 * 86_400_000;

/** Languages dates and amounts can be written in; en is the default. */
export const CONTENT_LOCALES = ["en", "de", "es", "fr"] as const;

/** A content locale: `{{longdate +1d fr}}` is "mercredi 25 novembre". */
export type ContentLocale = typeof CONTENT_LOCALES[number];

/** One `{{…}}` expression. */
export type TemplateExpr =
  | { kind: "var"; name: string }
  | {
    kind: "date";
    offsetMs: number;
    format: "iso" | "long" | "time" | "datetime" | "unix";
    locale: ContentLocale;
  }
  | { kind: "pick"; options: string[] }
  | { kind: "int"; min: number; max: number }
  | { kind: "money"; min: number; max: number; locale: ContentLocale }
  | { kind: "faker"; module: string; method: string };

/** A parsed template: literal text and expressions in order. */
export type TemplatePart = string | TemplateExpr;

const EXPR = /\{\{\s*(.*?)\s*\}\}/g;

/** One `{{…}}` of a template, where it starts in the text, and what it is. */
export interface TemplateSpan {
  /** Its first character's index in the text. */
  index: number;
  /** As written, braces included. */
  raw: string;
  /** The parsed expression, or why it is malformed. */
  expr: TemplateExpr | { error: string };
}

/** A template read in one pass: its parts, each `{{…}}`, and every problem with where it is. */
export interface ScannedTemplate {
  /** Literal text and expressions in order; malformed expressions are left out. */
  parts: TemplatePart[];
  spans: TemplateSpan[];
  /** Every malformed expression and stray brace pair, in text order. */
  problems: { index: number; raw: string; message: string }[];
}

/** Reads a template, collecting every problem rather than stopping at the first. */
export function scanTemplate(text: string): ScannedTemplate {
  const parts: TemplatePart[] = [];
  const spans: TemplateSpan[] = [];
  const problems: ScannedTemplate["problems"] = [];
  let last = 0;
  const literal = (from: number, to: number) => {
    if (to <= from) return;
    const piece = text.slice(from, to);
    parts.push(piece);
    for (const stray of piece.matchAll(/\{\{|\}\}/g)) {
      problems.push({
        index: from + stray.index,
        raw: stray[0],
        message: stray[0] === "{{"
          ? `has an unclosed "{{" in "${text}"`
          : `has a stray "}}" in "${text}"`,
      });
    }
  };
  for (const match of text.matchAll(EXPR)) {
    literal(last, match.index);
    const expr = parseExpr(match[1]);
    spans.push({ index: match.index, raw: match[0], expr });
    if ("error" in expr) problems.push({ index: match.index, raw: match[0], message: expr.error });
    else parts.push(expr);
    last = match.index + match[0].length;
  }
  literal(last, text.length);
  problems.sort((a, b) => a.index - b.index);
  return { parts, spans, problems };
}

/** Parses a template; returns the parts or the reason it is malformed (its first problem). */
export function parseTemplate(text: string): TemplatePart[] | { error: string } {
  const { parts, problems } = scanTemplate(text);
  return problems.length > 0 ? { error: problems[0].message } : parts;
}

/** Whether a string holds any template expression. */
export function hasTemplate(text: string): boolean {
  return text.includes("{{");
}

const INT_RANGE = /^(\d+)\.\.(\d+)$/;
const MONEY_RANGE = /^(\d+(?:\.\d+)?)\.\.(\d+(?:\.\d+)?)$/;

const DATE_FORMATS = {
  date: "iso",
  longdate: "long",
  time: "time",
  datetime: "datetime",
  unixtime: "unix",
} as const;

/** The arguments of a date or money template without a trailing locale, and the locale. */
function withLocale(rest: string[]): { arg: string; locale: ContentLocale } {
  const last = rest.at(-1) as ContentLocale | undefined;
  if (last !== undefined && CONTENT_LOCALES.includes(last)) {
    return { arg: rest.slice(0, -1).join(" "), locale: last };
  }
  return { arg: rest.join(" "), locale: "en" };
}

function parseExpr(source: string): TemplateExpr | { error: string } {
  const [head, ...rest] = source.split(/\s+/);
  const arg = rest.join(" ");
  if (Object.hasOwn(DATE_FORMATS, head)) {
    const { arg: offset, locale } = withLocale(rest);
    const match = /^([+-])(.+)$/.exec(offset || "+0s");
    const ms = match ? parseDuration(match[2]) : undefined;
    if (!match || ms === undefined) {
      return {
        error: `{{${source}}}: expected an offset like +2d or -3h, then optionally a locale ` +
          `(${CONTENT_LOCALES.join(", ")})`,
      };
    }
    if (ms > MAX_TEMPLATE_OFFSET_MS) {
      return { error: `{{${source}}}: the offset must be at most 3650d (about ten years)` };
    }
    const format = DATE_FORMATS[head as keyof typeof DATE_FORMATS];
    return { kind: "date", offsetMs: match[1] === "-" ? -ms : ms, format, locale };
  }
  if (head === "pick") {
    const options = arg.split("|").map((option) => option.trim());
    if (options.length < 2 || options.some((option) => option === "")) {
      return { error: `{{${source}}}: expected two or more options like {{pick DHL|UPS}}` };
    }
    return { kind: "pick", options };
  }
  if (head === "int" || head === "money") {
    const { arg: range, locale } = head === "money" ? withLocale(rest) : { arg, locale: "en" };
    const match = (head === "int" ? INT_RANGE : MONEY_RANGE).exec(range);
    if (!match || Number(match[1]) > Number(match[2])) {
      const example = head === "int"
        ? "{{int 2..9}} (whole numbers)"
        : "{{money 10..90}} or {{money 10..90 de}}";
      return { error: `{{${source}}}: expected a range like ${example}` };
    }
    const limit = head === "int" ? MAX_TEMPLATE_INT : MAX_TEMPLATE_MONEY;
    if (Number(match[2]) > limit) {
      return {
        error: `{{${source}}}: the range must end at ${limit} at most` +
          (head === "int" ? " (2^53 - 1, the largest whole number kept exactly)" : ""),
      };
    }
    const [min, max] = [Number(match[1]), Number(match[2])];
    return head === "money"
      ? { kind: "money", min, max, locale: locale as ContentLocale }
      : { kind: "int", min, max };
  }
  if (head.startsWith("faker.")) {
    const [, module = "", method = "", extra] = head.split(".");
    if (extra !== undefined || rest.length > 0 || !isFakerMethod(module, method)) {
      const methods = Object.hasOwn(FAKER_METHODS, module) ? FAKER_METHODS[module] : undefined;
      return {
        error: `{{${source}}}: not a faker method templates may use: ` +
          (methods
            ? `faker.${module} has ${methods.join(", ")}`
            : `use faker.<module>.<method> without arguments, e.g. faker.location.city; ` +
              `the modules are ${Object.keys(FAKER_METHODS).join(", ")}`) +
          " (src/script/faker_methods.ts)",
      };
    }
    return { kind: "faker", module, method };
  }
  // `persona.firstName`: a value of the session's user (see schema_persona.ts).
  if (/^(?:persona\.)?[a-z][a-zA-Z0-9_]*$/.test(head) && rest.length === 0) {
    return { kind: "var", name: head };
  }
  return {
    error: `{{${source}}}: unknown template; use date, longdate, time, datetime, pick, int, ` +
      `money, faker.<module>.<method>, a declared var or persona.<name>`,
  };
}
