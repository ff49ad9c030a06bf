/**
 * Content templates: `{{date +2d}}`, `{{pick DHL|UPS|DPD}}`, `{{int 2..5}}`, `{{money 20..90}}`,
 * `{{faker.location.city}}`, `{{name}}` for a session variable, and `{{sessionId}}` /
 * `{{userId}}`. Dates and amounts take a content locale last (`{{longdate +2d de}}`). Parsed
 * and checked when a script loads, so a typo is a script error with a position; rendered by
 * the planner.
 */
import { faker } from "@faker-js/faker/locale/en";
import { parseDuration } from "./duration.ts";

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
    format: "iso" | "long" | "time" | "datetime";
    locale: ContentLocale;
  }
  | { kind: "pick"; options: string[] }
  | { kind: "int"; min: number; max: number }
  | { kind: "money"; min: number; max: number; locale: ContentLocale }
  | { kind: "faker"; module: string; method: string };

/** A parsed template: literal text and expressions in order. */
export type TemplatePart = string | TemplateExpr;

const EXPR = /\{\{\s*(.*?)\s*\}\}/g;

/** Parses a template; returns the parts or the reason it is malformed. */
export function parseTemplate(text: string): TemplatePart[] | { error: string } {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const match of text.matchAll(EXPR)) {
    if (match.index > last) parts.push(text.slice(last, match.index));
    const expr = parseExpr(match[1]);
    if ("error" in expr) return expr;
    parts.push(expr);
    last = match.index + match[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  const rest = parts.filter((part) => typeof part === "string").join("");
  if (rest.includes("{{") || rest.includes("}}")) {
    return { error: `has an unclosed "{{" or a stray "}}" in "${text}"` };
  }
  return parts;
}

/** Whether a string holds any template expression. */
export function hasTemplate(text: string): boolean {
  return text.includes("{{");
}

const DATE_FORMATS = { date: "iso", longdate: "long", time: "time", datetime: "datetime" } as const;

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
  if (head in DATE_FORMATS) {
    const { arg: offset, locale } = withLocale(rest);
    const match = /^([+-])(.+)$/.exec(offset || "+0s");
    const ms = match ? parseDuration(match[2]) : undefined;
    if (!match || ms === undefined) {
      return {
        error: `{{${source}}}: expected an offset like +2d or -3h, then optionally a locale ` +
          `(${CONTENT_LOCALES.join(", ")})`,
      };
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
    const match = /^(\d+(?:\.\d+)?)\.\.(\d+(?:\.\d+)?)$/.exec(range);
    if (!match || Number(match[1]) > Number(match[2])) {
      const example = head === "money" ? "{{money 20..90}} or {{money 20..90 de}}" : "{{int 2..9}}";
      return { error: `{{${source}}}: expected a range like ${example}` };
    }
    const [min, max] = [Number(match[1]), Number(match[2])];
    return head === "money"
      ? { kind: "money", min, max, locale: locale as ContentLocale }
      : { kind: "int", min, max };
  }
  if (head.startsWith("faker.")) {
    const [, module, method, extra] = head.split(".");
    const target = (faker as unknown as Record<string, Record<string, unknown> | undefined>)[
      module ?? ""
    ];
    if (extra !== undefined || rest.length || typeof target?.[method ?? ""] !== "function") {
      return { error: `{{${source}}}: not a faker method (use faker.<module>.<method>)` };
    }
    return { kind: "faker", module, method };
  }
  if (/^[a-z][a-zA-Z0-9_]*$/.test(head) && rest.length === 0) return { kind: "var", name: head };
  return {
    error: `{{${source}}}: unknown template; use date, longdate, time, datetime, pick, int, ` +
      `money, faker.<module>.<method> or a declared var`,
  };
}
