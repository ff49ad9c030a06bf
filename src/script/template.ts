/**
 * Content templates: `{{date +2d}}`, `{{pick DHL|UPS|DPD}}`, `{{int 2..5}}`, `{{money 20..90}}`,
 * `{{faker.location.city}}`, `{{name}}` for a session variable, `{{persona.name}}` for a
 * value of the session's user, and `{{sessionId}}` / `{{userId}}`. Parsed and checked when a
 * script loads, so a typo is a script error with a position; rendered by the planner.
 */
import { faker } from "@faker-js/faker/locale/en";
import { parseDuration } from "./duration.ts";

/** One `{{…}}` expression. */
export type TemplateExpr =
  | { kind: "var"; name: string }
  | { kind: "date"; offsetMs: number; format: "iso" | "long" | "time" | "datetime" }
  | { kind: "pick"; options: string[] }
  | { kind: "int"; min: number; max: number }
  | { kind: "money"; min: number; max: number }
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

function parseExpr(source: string): TemplateExpr | { error: string } {
  const [head, ...rest] = source.split(/\s+/);
  const arg = rest.join(" ");
  if (head in DATE_FORMATS) {
    const match = /^([+-])(.+)$/.exec(arg || "+0s");
    const ms = match ? parseDuration(match[2]) : undefined;
    if (!match || ms === undefined) {
      return { error: `{{${source}}}: expected an offset like +2d or -3h` };
    }
    const format = DATE_FORMATS[head as keyof typeof DATE_FORMATS];
    return { kind: "date", offsetMs: match[1] === "-" ? -ms : ms, format };
  }
  if (head === "pick") {
    const options = arg.split("|").map((option) => option.trim());
    if (options.length < 2 || options.some((option) => option === "")) {
      return { error: `{{${source}}}: expected two or more options like {{pick DHL|UPS}}` };
    }
    return { kind: "pick", options };
  }
  if (head === "int" || head === "money") {
    const match = /^(\d+(?:\.\d+)?)\.\.(\d+(?:\.\d+)?)$/.exec(arg);
    if (!match || Number(match[1]) > Number(match[2])) {
      return { error: `{{${source}}}: expected a range like {{${head} 2..9}}` };
    }
    return { kind: head, min: Number(match[1]), max: Number(match[2]) };
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
  // `persona.firstName`: a value of the session's user (see schema_persona.ts).
  if (/^(?:persona\.)?[a-z][a-zA-Z0-9_]*$/.test(head) && rest.length === 0) {
    return { kind: "var", name: head };
  }
  return {
    error: `{{${source}}}: unknown template; use date, longdate, time, datetime, pick, int, ` +
      `money, faker.<module>.<method>, a declared var or persona.<name>`,
  };
}
