/**
 * Renders content templates for one session: seeded faker values, picks and numbers, dates
 * relative to the turn, and the session's vars drawn once.
 */
// The English build only: the package root loads every locale (about 40 MB).
import { faker } from "@faker-js/faker/locale/en";
import type { Faker, FakerOptions, Randomizer } from "@faker-js/faker";
import { parseTemplate, type TemplateExpr, type TemplatePart } from "../script/template.ts";
import { formatDate, formatMoney } from "./locale_format.ts";
import { Rng } from "./random.ts";
import type { Json } from "./types.ts";

/** Renders templates against one session's seeded state. */
export class ContentRenderer {
  readonly #vars = new Map<string, Json>();
  readonly #refDate: Date;

  /** `rng` drives every draw; `sessionStartMs` anchors faker's dates; `builtins` are preset vars. */
  constructor(
    private readonly rng: Rng,
    sessionStartMs: number,
    builtins: Record<string, Json> = {},
  ) {
    this.#refDate = new Date(sessionStartMs);
    for (const [name, value] of Object.entries(builtins)) this.#vars.set(name, value);
  }

  /**
   * Draws the session's vars, in declaration order, relative to `atMs`: a template rendered, or
   * one of a list of alternatives picked and rendered.
   */
  drawVars(vars: Record<string, string | readonly string[]>, atMs: number): void {
    for (const [name, template] of Object.entries(vars)) {
      const chosen = typeof template === "string" ? template : this.rng.pick(template);
      this.#vars.set(name, this.renderString(chosen, atMs));
    }
  }

  /**
   * A renderer with this one's vars that draws from `rng` instead: extra content (a planted
   * finding's) rendered with it leaves this renderer's draws as they were.
   */
  withStream(rng: Rng): ContentRenderer {
    const other = new ContentRenderer(rng, this.#refDate.getTime());
    for (const [name, value] of this.#vars) other.#vars.set(name, value);
    return other;
  }

  /** The drawn value of a var, or undefined. */
  varValue(name: string): Json | undefined {
    return this.#vars.get(name);
  }

  /** Renders every string inside a JSON value; `atMs` is "now" for date templates. */
  render(value: Json, atMs: number): Json {
    if (typeof value === "string") return this.renderString(value, atMs);
    if (Array.isArray(value)) {
      const items: Json[] = new Array(value.length);
      for (let i = 0; i < value.length; i++) items[i] = this.render(value[i], atMs);
      return items;
    }
    if (value && typeof value === "object") {
      // What Object.fromEntries(Object.entries(…)) made, without the pairs in between.
      const out: Record<string, Json> = {};
      for (const key of Object.keys(value)) {
        const item = this.render(value[key], atMs);
        if (key === "__proto__") {
          Object.defineProperty(out, key, {
            value: item,
            enumerable: true,
            writable: true,
            configurable: true,
          });
        } else out[key] = item;
      }
      return out;
    }
    return value;
  }

  /** Renders a template; a template that is one number expression yields a number. */
  renderString(text: string, atMs: number): Json {
    if (!text.includes("{{")) return text;
    const parts = parsedTemplate(text);
    if (parts.length === 1 && typeof parts[0] !== "string") return this.#eval(parts[0], atMs);
    return parts.map((part) => typeof part === "string" ? part : String(this.#eval(part, atMs)))
      .join("");
  }

  #eval(expr: TemplateExpr, atMs: number): Json {
    switch (expr.kind) {
      case "var":
        return this.#vars.get(expr.name) ?? "";
      case "pick":
        return this.rng.pick(expr.options);
      case "int":
        return this.rng.int(expr.min, expr.max);
      case "money":
        return formatMoney(expr.min + this.rng.next() * (expr.max - expr.min), expr.locale);
      case "date":
        return formatDate(new Date(atMs + expr.offsetMs), expr.format, expr.locale);
      case "faker": {
        // One shared faker drawing from a fresh stream per value, re-anchored per session.
        FAKER_STREAM.source = new Rng(this.rng.uint32(), "faker");
        seededFaker.setDefaultRefDate(this.#refDate);
        const module = (seededFaker as unknown as Record<string, Record<string, () => unknown>>)[
          expr.module
        ];
        return String(module[expr.method].call(module));
      }
    }
  }
}

/**
 * Faker's randomizer, reading from our seeded streams. Seeding faker's own Mersenne Twister for
 * every value cost a quarter of a session's planning; building a Faker per session cost more.
 */
class StreamRandomizer implements Randomizer {
  /** The stream the next faker values are drawn from. */
  source = new Rng(0, "faker");

  // Faker calls these unbound.
  next = (): number => this.source.next();

  /** Seeds are set by replacing `source`. */
  seed = (): void => {};
}

const FAKER_STREAM = new StreamRandomizer();
// The English build's own constructor, so the package root (every locale) is not loaded.
const seededFaker = new (faker.constructor as new (options: FakerOptions) => Faker)({
  locale: faker.rawDefinitions,
  randomizer: FAKER_STREAM,
});

// Templates come from the loaded scripts, a bounded set, and each is rendered many times.
const PARSED = new Map<string, TemplatePart[]>();

function parsedTemplate(text: string): TemplatePart[] {
  let parts = PARSED.get(text);
  if (parts === undefined) {
    const parsed = parseTemplate(text);
    // Scripts are checked when loaded, so a malformed template here is a programming error.
    if ("error" in parsed) throw new Error(parsed.error);
    parts = parsed;
    PARSED.set(text, parts);
  }
  return parts;
}
