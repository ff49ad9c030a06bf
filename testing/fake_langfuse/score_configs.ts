/**
 * The fake Langfuse's score configs (`/api/public/score-configs…`), as Langfuse v4.16.0 serves
 * them (fixtures/langfuse/review/README.md rules 12-16): names are not unique, BOOLEAN configs get
 * generated True/False categories, POST answers 200, the list is newest first (ties by id) with
 * a default limit of 50, and a PATCH must leave a valid config. Private to the folder.
 */
import type {
  ApiScoreConfig,
  ConfigCategory,
  ScoreConfigDataType,
  ScoreConfigsResponse,
} from "../../src/langfuse/api_review_types.ts";
import type { ReviewState } from "./review_state.ts";
import {
  compareText,
  invalidRequest,
  iso,
  Issues,
  lengthIssues,
  methodNotAllowed,
  notFound,
  objectBody,
  paged,
  reviewPage,
} from "./validate.ts";

/** The score configs route prefix. */
export const SCORE_CONFIGS_PATH = "/api/public/score-configs";

const DATA_TYPES: readonly ScoreConfigDataType[] = ["NUMERIC", "CATEGORICAL", "BOOLEAN", "TEXT"];
const NAME = /^[\p{L}\p{N}_ .()-]+$/u;
const CATEGORY_SHAPE =
  "Category must be an array of objects with label value pairs, where labels and values are unique.";
const NOT_FOUND = "Score config not found within authorized project";
const PATCH_KEYS = ["isArchived", "name", "minValue", "maxValue", "categories", "description"];

/** Answers a request under {@link SCORE_CONFIGS_PATH}; `rest` is the path after it. */
export function scoreConfigsRoute(
  state: ReviewState,
  method: string,
  rest: string,
  query: URLSearchParams,
  body: () => unknown,
): unknown {
  if (rest === "") {
    if (method === "POST") return createScoreConfig(state, body());
    if (method === "GET") return listScoreConfigs(state, query);
    throw methodNotAllowed();
  }
  const id = decodeURIComponent(rest.slice(1));
  const config = state.scoreConfigs.find((c) => c.id === id);
  if (method === "GET") {
    if (config === undefined) throw notFound(NOT_FOUND);
    return structuredClone(config);
  }
  if (method === "PATCH") return patchScoreConfig(state, config, body());
  throw methodNotAllowed();
}

/** `POST /api/public/score-configs`: validated, stored, answered (200). */
function createScoreConfig(state: ReviewState, raw: unknown): ApiScoreConfig {
  const body = objectBody(raw);
  const issues = new Issues();
  configIssues(body, issues);
  issues.check();
  const at = iso(state.now());
  const config = configRow({
    id: crypto.randomUUID(),
    name: body.name as string,
    isArchived: false,
    description: (body.description as string | null | undefined) ?? null,
    createdAt: at,
    updatedAt: at,
    projectId: state.projectId,
    maxValue: (body.maxValue as number | undefined) ?? null,
    minValue: (body.minValue as number | undefined) ?? null,
    dataType: body.dataType as ScoreConfigDataType,
    categories: body.dataType === "BOOLEAN"
      ? [{ label: "True", value: 1 }, { label: "False", value: 0 }]
      : body.dataType === "CATEGORICAL"
      ? (body.categories as ConfigCategory[]).map(({ label, value }) => ({ label, value }))
      : null,
  });
  state.scoreConfigs.push(config);
  return structuredClone(config);
}

/** `GET /api/public/score-configs`: newest first, ties by id ascending; archived ones too. */
function listScoreConfigs(state: ReviewState, query: URLSearchParams): ScoreConfigsResponse {
  const at = reviewPage(query, 50);
  const rows = [...state.scoreConfigs].sort((a, b) =>
    compareText(b.createdAt, a.createdAt) || compareText(a.id, b.id)
  );
  return paged(rows.map((c) => structuredClone(c)), at);
}

/** `PATCH /api/public/score-configs/{id}`: the stored config merged with the body, revalidated. */
function patchScoreConfig(
  state: ReviewState,
  config: ApiScoreConfig | undefined,
  raw: unknown,
): ApiScoreConfig {
  const body = objectBody(raw);
  const issues = new Issues();
  const given = PATCH_KEYS.filter((key) => body[key] !== undefined);
  if (given.length === 0) {
    issues.custom(
      [],
      "Request body cannot be empty. At least one field must be provided for update.",
    );
  }
  if (body.isArchived !== undefined && typeof body.isArchived !== "boolean") {
    issues.type(["isArchived"], "boolean", body.isArchived);
  }
  issues.check();
  if (config === undefined) throw notFound(NOT_FOUND);
  const merged: Record<string, unknown> = { ...config };
  for (const key of given) merged[key] = body[key];
  const check = new Issues();
  const candidate: Record<string, unknown> = { ...merged };
  for (const key of ["minValue", "maxValue", "categories", "description"]) {
    if (candidate[key] === null) delete candidate[key];
  }
  // BOOLEAN categories are generated, not given.
  if (config.dataType === "BOOLEAN") delete candidate.categories;
  configIssues(candidate, check);
  if (check.list.length > 0) {
    throw invalidRequest(check.list.map((issue) => issue.message).join(", "));
  }
  const updated = configRow({
    ...config,
    ...(merged as Partial<ApiScoreConfig>),
    updatedAt: iso(state.now()),
  });
  Object.assign(config, updated);
  return structuredClone(updated);
}

/** The create schema's issues for `body` (rule 12). */
function configIssues(body: Record<string, unknown>, issues: Issues): void {
  if (typeof body.name !== "string") issues.type(["name"], "string", body.name);
  else {
    lengthIssues(body.name, ["name"], issues, { min: 1, max: 35 });
    if (!NAME.test(body.name)) {
      issues.add("invalid_format", ["name"], "Name contains invalid characters", {
        origin: "string",
        format: "regex",
        pattern: String(NAME),
      });
    }
  }
  if (body.description !== undefined && body.description !== null) {
    if (typeof body.description !== "string") {
      issues.type(["description"], "string", body.description);
    }
  }
  const type = body.dataType;
  if (typeof type !== "string" || !(DATA_TYPES as readonly string[]).includes(type)) {
    issues.add("invalid_union", ["dataType"], "Invalid input", {
      errors: [],
      note: "No matching discriminator",
      discriminator: "dataType",
    });
    return;
  }
  const numbers = type === "NUMERIC" || type === "BOOLEAN";
  for (const key of ["minValue", "maxValue"]) {
    const value = body[key];
    if (value === undefined) continue;
    if (!numbers) issues.custom([key], `${key} is not allowed for ${type} scores`);
    else if (typeof value !== "number") issues.type([key], "number", value);
  }
  if (
    type === "NUMERIC" && typeof body.minValue === "number" && typeof body.maxValue === "number" &&
    body.maxValue <= body.minValue
  ) {
    issues.custom(["maxValue"], "Maximum value must be greater than Minimum value");
  }
  if (type !== "CATEGORICAL") {
    if (body.categories !== undefined) {
      issues.custom(["categories"], `categories are not allowed for ${type} scores`);
    }
    return;
  }
  categoryIssues(body.categories, issues);
}

/** CATEGORICAL categories: non-empty labels, numeric values, both unique. */
function categoryIssues(value: unknown, issues: Issues): void {
  const valid = Array.isArray(value) &&
    value.every((c) =>
      typeof c === "object" && c !== null && typeof c.label === "string" && c.label !== "" &&
      typeof c.value === "number"
    );
  if (!valid) return issues.custom(["categories"], CATEGORY_SHAPE);
  const categories = value as ConfigCategory[];
  const labels = new Set<string>();
  const values = new Set<number>();
  for (const category of categories) {
    if (labels.has(category.label)) {
      issues.custom(["categories"], `Duplicate category label: ${category.label}`);
    }
    if (values.has(category.value)) {
      issues.custom(["categories"], `Duplicate category value: ${category.value}`);
    }
    labels.add(category.label);
    values.add(category.value);
  }
}

/** A config with its keys in the server's order (BOOLEAN puts `dataType` first). */
function configRow(config: ApiScoreConfig): ApiScoreConfig {
  const head = {
    id: config.id,
    name: config.name,
    isArchived: config.isArchived,
    description: config.description,
    createdAt: config.createdAt,
    updatedAt: config.updatedAt,
    projectId: config.projectId,
  };
  const range = { maxValue: config.maxValue, minValue: config.minValue };
  return config.dataType === "BOOLEAN"
    ? { ...head, dataType: config.dataType, ...range, categories: config.categories }
    : { ...head, ...range, dataType: config.dataType, categories: config.categories };
}
