/**
 * The fake Langfuse's error answers for the review routes and the zod-like body checks that
 * produce them: `{"message", "error": <class name>}` for a thrown Langfuse error and
 * `{"message": "Invalid request data", "error": [issues]}` for a failed parse, as
 * `withMiddlewares.ts` (v4.16.0) answers them. Issues carry zod 4's `code`, `path` and the
 * schema's own messages (built-in wording is zod's, see fixtures/langfuse/review/README.md).
 * Also page parameters, ids and times the review stores share. Private to the folder.
 */
import { LangfuseAnswer } from "./reads.ts";
import { isRecord } from "./http.ts";

export { LangfuseAnswer };

/** 400 InvalidRequestError. */
export function invalidRequest(message: string): LangfuseAnswer {
  return new LangfuseAnswer(400, message, "InvalidRequestError");
}

/** 404 LangfuseNotFoundError. */
export function notFound(message: string): LangfuseAnswer {
  return new LangfuseAnswer(404, message, "LangfuseNotFoundError");
}

/** 405 MethodNotAllowedError; default message as for a method the route has no handler for. */
export function methodNotAllowed(message = "Method not allowed"): LangfuseAnswer {
  return new LangfuseAnswer(405, message, "MethodNotAllowedError");
}

/** One zod issue: `code`, `path` and `message`, plus the code's own keys. */
export type Issue =
  & { code: string; path: (string | number)[]; message: string }
  & Record<
    string,
    unknown
  >;

/** Collects issues in schema order; `check()` throws the 400 when there are any. */
export class Issues {
  readonly list: Issue[] = [];

  /** Adds an issue with the code's extra keys before `path` and `message`, as zod orders them. */
  add(
    code: string,
    path: (string | number)[],
    message: string,
    extra: Record<string, unknown> = {},
  ) {
    const origin = "origin" in extra ? { origin: extra.origin } : {};
    const rest = { ...extra };
    delete rest.origin;
    this.list.push({ ...origin, code, ...rest, path, message } as Issue);
  }

  /** A `custom` issue (a refine's message). */
  custom(path: (string | number)[], message: string): void {
    this.add("custom", path, message);
  }

  /** `invalid_type`. */
  type(path: (string | number)[], expected: string, value: unknown): void {
    this.add(
      "invalid_type",
      path,
      `Invalid input: expected ${expected}, received ${received(value)}`,
      { expected },
    );
  }

  /** Throws the zod 400 when any issue was added. */
  check(): void {
    if (this.list.length > 0) throw new LangfuseAnswer(400, "Invalid request data", this.list);
  }
}

/** Options of {@link text}. */
export interface TextRule {
  min?: number;
  max?: number;
  /** Trim before the length checks (zod `.trim()`). */
  trim?: boolean;
  optional?: boolean;
  nullable?: boolean;
  /** Message of the `min` check; default zod's. */
  minMessage?: string;
}

/** A string field: its (trimmed) value, null/undefined as allowed, or issues added. */
export function text(
  body: Record<string, unknown>,
  key: string,
  issues: Issues,
  rule: TextRule = {},
): string | null | undefined {
  const value = body[key];
  if (value === undefined && rule.optional) return undefined;
  if (value === null && rule.nullable) return null;
  if (typeof value !== "string") {
    issues.type([key], "string", value);
    return undefined;
  }
  const out = rule.trim ? value.trim() : value;
  lengthIssues(out, [key], issues, rule);
  return out;
}

/** Adds zod's too_small/too_big issues for a string's length. */
export function lengthIssues(
  value: string,
  path: (string | number)[],
  issues: Issues,
  rule: { min?: number; max?: number; minMessage?: string },
): void {
  if (rule.min !== undefined && value.length < rule.min) {
    issues.add(
      "too_small",
      path,
      rule.minMessage ?? `Too small: expected string to have >=${rule.min} characters`,
      { origin: "string", minimum: rule.min, inclusive: true },
    );
  }
  if (rule.max !== undefined && value.length > rule.max) {
    issues.add("too_big", path, `Too big: expected string to have <=${rule.max} characters`, {
      origin: "string",
      maximum: rule.max,
      inclusive: true,
    });
  }
}

/** An enum field: the value when it is one of `values`, else an `invalid_value` issue. */
export function oneOf<T extends string>(
  body: Record<string, unknown>,
  key: string,
  values: readonly T[],
  issues: Issues,
  optional = false,
): T | undefined {
  const value = body[key];
  if (value === undefined && optional) return undefined;
  if (typeof value === "string" && (values as readonly string[]).includes(value)) return value as T;
  issues.add(
    "invalid_value",
    [key],
    `Invalid option: expected one of ${values.map((v) => JSON.stringify(v)).join("|")}`,
    { values: [...values] },
  );
  return undefined;
}

/** Adds zod's `unrecognized_keys` issue (strict objects) for keys outside `allowed`. */
export function strictKeys(
  body: Record<string, unknown>,
  allowed: readonly string[],
  issues: Issues,
  path: (string | number)[] = [],
): void {
  const extra = Object.keys(body).filter((key) => !allowed.includes(key));
  if (extra.length === 0) return;
  const quoted = extra.map((key) => JSON.stringify(key)).join(", ");
  issues.add(
    "unrecognized_keys",
    path,
    `Unrecognized key${extra.length > 1 ? "s" : ""}: ${quoted}`,
    { keys: extra },
  );
}

/** The body as an object, or the zod 400 for a body that is not one. */
export function objectBody(body: unknown): Record<string, unknown> {
  if (isRecord(body)) return body;
  const issues = new Issues();
  issues.type([], "object", body);
  issues.check();
  return {};
}

/** `page` (> 0, default 1) and `limit` (1-100, default `defaultLimit`) of a query; zod 400s. */
export function reviewPage(
  query: URLSearchParams,
  defaultLimit: number,
  strict?: readonly string[],
): { page: number; limit: number } {
  const issues = new Issues();
  const page = numberParam(query, "page", 1, issues, { gt: 0 });
  const limit = numberParam(query, "limit", defaultLimit, issues, { gte: 1, lte: 100 });
  if (strict !== undefined) {
    const keys = Object.fromEntries([...query.keys()].map((key) => [key, true]));
    strictKeys(keys, ["page", "limit", ...strict], issues);
  }
  issues.check();
  return { page, limit };
}

/** A coerced integer query parameter with zod's issues. */
function numberParam(
  query: URLSearchParams,
  key: string,
  fallback: number,
  issues: Issues,
  bounds: { gt?: number; gte?: number; lte?: number },
): number {
  const raw = query.get(key);
  if (raw === null) return fallback;
  const value = Number(raw);
  if (raw.trim() === "" || Number.isNaN(value)) {
    issues.add("invalid_type", [key], "Invalid input: expected number, received NaN", {
      expected: "number",
    });
    return fallback;
  }
  if (!Number.isInteger(value)) {
    issues.add("invalid_type", [key], "Invalid input: expected int, received number", {
      expected: "int",
      format: "safeint",
    });
  } else if (bounds.gt !== undefined && value <= bounds.gt) {
    issues.add("too_small", [key], `Too small: expected number to be >${bounds.gt}`, {
      origin: "number",
      minimum: bounds.gt,
      inclusive: false,
    });
  } else if (bounds.gte !== undefined && value < bounds.gte) {
    issues.add("too_small", [key], `Too small: expected number to be >=${bounds.gte}`, {
      origin: "number",
      minimum: bounds.gte,
      inclusive: true,
    });
  } else if (bounds.lte !== undefined && value > bounds.lte) {
    issues.add("too_big", [key], `Too big: expected number to be <=${bounds.lte}`, {
      origin: "number",
      maximum: bounds.lte,
      inclusive: true,
    });
  }
  return value;
}

/** A page of `rows` with Langfuse's page meta (`totalPages = ceil(totalItems / limit)`). */
export function paged<T>(
  rows: readonly T[],
  at: { page: number; limit: number },
): { data: T[]; meta: { page: number; limit: number; totalItems: number; totalPages: number } } {
  return {
    data: rows.slice((at.page - 1) * at.limit, at.page * at.limit),
    meta: {
      page: at.page,
      limit: at.limit,
      totalItems: rows.length,
      totalPages: Math.ceil(rows.length / at.limit),
    },
  };
}

let cuidCounter = 0;

/** A cuid-like id (Prisma `@default(cuid())`): 25 characters, ordered by creation. */
export function cuid(nowMs: number): string {
  cuidCounter = (cuidCounter + 1) % 36 ** 4;
  const time = nowMs.toString(36).padStart(8, "0").slice(-8);
  const count = cuidCounter.toString(36).padStart(4, "0");
  const random = Array.from({ length: 12 }, () => Math.floor(Math.random() * 36).toString(36));
  return `c${time}${count}${random.join("")}`;
}

/** Epoch ms as Langfuse serialises a `Date`. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Orders text like a database's byte order. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function received(value: unknown): string {
  if (value === undefined) return "undefined";
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}
