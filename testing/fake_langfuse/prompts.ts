/**
 * The fake Langfuse's prompts (`/api/public/v2/prompts…`), as Langfuse v4.16.0 serves them
 * (fixtures/langfuse/review/README.md rules 1-11): the server numbers versions (highest + 1,
 * 201), a new version takes its labels and "latest" off every older one, the type is fixed per
 * name, tags are shared by all versions, and a GET without version or label serves
 * "production". Private to the folder.
 */
import type {
  ApiPrompt,
  ApiPromptMeta,
  ChatPromptEntry,
  PromptsListResponse,
} from "../../src/langfuse/api_review_types.ts";
import type { JsonValue } from "../../src/langfuse/api_types.ts";
import { WithStatus } from "./ingestion.ts";
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

/** The prompts route prefix. */
export const PROMPTS_PATH = "/api/public/v2/prompts";

const LABEL = /^[a-z0-9_\-.]+$/;
const LABEL_MESSAGE =
  "Label must be lowercase alphanumeric with optional underscores, hyphens, or periods";
const PLACEHOLDER_NAME = /^[a-zA-Z][a-zA-Z0-9_]*$/;
const RESERVED_NAMES = ["new", "metrics", "prompt-detail"];

/** Answers a request under {@link PROMPTS_PATH}; `rest` is the path after it, still encoded. */
export function promptsRoute(
  state: ReviewState,
  method: string,
  rest: string,
  query: URLSearchParams,
  body: () => unknown,
): unknown {
  if (rest === "") {
    if (method === "POST") return new WithStatus(201, createPrompt(state, body()));
    if (method === "GET") return listPrompts(state, query);
    throw methodNotAllowed();
  }
  const parts = rest.slice(1).split("/");
  const name = decodeURIComponent(parts[0]);
  if (parts.length === 1) {
    if (method === "GET") return getPrompt(state, name, query);
    throw methodNotAllowed();
  }
  if (parts.length === 3 && parts[1] === "versions") {
    if (method === "PATCH") return patchLabels(state, name, parts[2], body());
    throw methodNotAllowed();
  }
  throw notFound(`No route for ${PROMPTS_PATH}${rest}`);
}

/** `POST /api/public/v2/prompts`: a new version numbered by the server. */
function createPrompt(state: ReviewState, raw: unknown): ApiPrompt {
  const body = objectBody(raw);
  const issues = new Issues();
  const name = promptName(body.name, issues);
  const chat = body.type === "chat";
  let prompt: string | ChatPromptEntry[] | undefined;
  if (chat) prompt = chatEntries(body.prompt, issues);
  else if (body.type !== undefined && body.type !== "text") {
    issues.add("invalid_value", ["type"], 'Invalid input: expected "text"', { values: ["text"] });
  } else if (typeof body.prompt !== "string") issues.type(["prompt"], "string", body.prompt);
  else prompt = body.prompt;
  if (body.config === null) issues.type(["config"], "JSON value", null);
  const labels = labelList(body.labels, issues);
  if (body.tags !== undefined && body.tags !== null && !stringList(body.tags)) {
    issues.type(["tags"], "array", body.tags);
  }
  const commit = body.commitMessage;
  if (commit !== undefined && commit !== null) {
    if (typeof commit !== "string") issues.type(["commitMessage"], "string", commit);
    else lengthIssues(commit, ["commitMessage"], issues, { max: 500 });
  }
  issues.check();
  const type = chat ? "chat" : "text";
  const versions = state.prompts.filter((p) => p.name === name);
  const latest = versions.reduce<ApiPrompt | undefined>(
    (top, p) => top === undefined || p.version > top.version ? p : top,
    undefined,
  );
  if (latest !== undefined && latest.type !== type) {
    throw invalidRequest(
      "Previous versions have different prompt type. Create a new prompt with a different name.",
    );
  }
  if (chat) checkVariables(prompt as ChatPromptEntry[]);
  const at = iso(state.now());
  const newLabels = [...new Set([...labels, "latest"])];
  const tags = stringList(body.tags)
    ? [...body.tags]
    : body.tags === null
    ? []
    : latest?.tags ?? [];
  moveLabels(versions, newLabels, at);
  if (body.tags !== undefined) { for (const version of versions) version.tags = [...tags]; }
  const row = {
    id: crypto.randomUUID(),
    createdAt: at,
    updatedAt: at,
    projectId: state.projectId,
    createdBy: "API",
    prompt,
    name: name!,
    version: (latest?.version ?? 0) + 1,
    type,
    isActive: null,
    config: body.config === undefined ? {} : body.config as JsonValue,
    tags,
    labels: newLabels,
    commitMessage: typeof commit === "string" ? commit : null,
  } as ApiPrompt;
  state.prompts.push(row);
  return structuredClone(row);
}

/** `GET /api/public/v2/prompts/{name}`: by version, else label, else "production". */
function getPrompt(state: ReviewState, name: string, query: URLSearchParams): ApiPrompt {
  const rawVersion = query.get("version");
  const label = query.get("label");
  let version: number | undefined;
  if (rawVersion !== null) {
    version = Number(rawVersion);
    if (rawVersion.trim() === "" || !Number.isInteger(version)) {
      const issues = new Issues();
      issues.add("invalid_type", ["version"], "Invalid input: expected int, received number", {
        expected: "int",
      });
      issues.check();
    }
  }
  if (version !== undefined && label !== null) {
    throw invalidRequest("Cannot specify both version and label");
  }
  const wanted = label ?? "production";
  const found = state.prompts.find((p) =>
    p.name === name && (version !== undefined ? p.version === version : p.labels.includes(wanted))
  );
  if (found === undefined) {
    throw notFound(
      version !== undefined
        ? `Prompt not found: '${name}' with version ${version}`
        : `Prompt not found: '${name}' with label '${wanted}'`,
    );
  }
  return {
    ...structuredClone(found),
    isActive: found.labels.includes("production"),
    resolutionGraph: null,
  };
}

/** `GET /api/public/v2/prompts`: one entry per name, sorted by name; default limit 10. */
function listPrompts(state: ReviewState, query: URLSearchParams): PromptsListResponse {
  const at = reviewPage(query, 10);
  const name = query.get("name");
  const label = query.get("label");
  const tag = query.get("tag");
  const version = query.get("version");
  const from = query.get("fromUpdatedAt");
  const to = query.get("toUpdatedAt");
  const matching = state.prompts.filter((p) =>
    (name === null || p.name === name) && (label === null || p.labels.includes(label)) &&
    (tag === null || p.tags.includes(tag)) && (version === null || p.version === Number(version)) &&
    (from === null || Date.parse(p.updatedAt) >= Date.parse(from)) &&
    (to === null || Date.parse(p.updatedAt) < Date.parse(to))
  );
  const names = [...new Set(matching.map((p) => p.name))].sort(compareText);
  const rows = names.map((n): ApiPromptMeta => {
    const own = matching.filter((p) => p.name === n);
    const top = own.reduce((a, b) => (b.version > a.version ? b : a));
    return {
      name: n,
      tags: [...top.tags],
      lastUpdatedAt: own.map((p) => p.updatedAt).sort(compareText).at(-1)!,
      versions: own.map((p) => p.version).sort((a, b) => a - b),
      labels: [...new Set(own.flatMap((p) => p.labels))].sort(compareText),
      type: top.type,
      lastConfig: structuredClone(top.config),
    };
  });
  const { data, meta } = paged(rows, at);
  const pageMeta = {
    page: meta.page,
    limit: meta.limit,
    totalPages: meta.totalPages,
    totalItems: meta.totalItems,
  };
  return { data, meta: pageMeta, pagination: { ...pageMeta } };
}

/** `PATCH /api/public/v2/prompts/{name}/versions/{version}` `{newLabels}`: adds labels. */
function patchLabels(state: ReviewState, name: string, rawVersion: string, raw: unknown): unknown {
  const body = objectBody(raw);
  const issues = new Issues();
  const labels = labelList(body.newLabels, issues, "newLabels", false);
  if (labels.includes("latest")) {
    issues.custom(["newLabels"], "Label 'latest' is always assigned to the latest prompt version");
  }
  issues.check();
  const version = Number(rawVersion);
  const versions = state.prompts.filter((p) => p.name === name);
  const target = versions.find((p) => p.version === version);
  if (target === undefined) throw notFound(`Prompt not found: '${name}' with version ${version}`);
  const at = iso(state.now());
  moveLabels(versions.filter((p) => p !== target), labels, at);
  target.labels = [...new Set([...target.labels, ...labels])];
  target.updatedAt = at;
  return structuredClone(target);
}

/** Takes `labels` off each version that has one of them. */
function moveLabels(versions: ApiPrompt[], labels: readonly string[], at: string): void {
  for (const version of versions) {
    const kept = version.labels.filter((label) => !labels.includes(label));
    if (kept.length !== version.labels.length) {
      version.labels = kept;
      version.updatedAt = at;
    }
  }
}

/** The prompt name, trimmed, with Langfuse's name and folder rules as issues. */
function promptName(value: unknown, issues: Issues): string | undefined {
  if (typeof value !== "string") {
    issues.type(["name"], "string", value);
    return undefined;
  }
  const path = ["name"];
  if (value.length < 1) {
    issues.add("too_small", path, "Text cannot be empty", {
      origin: "string",
      minimum: 1,
      inclusive: true,
    });
  }
  if (/<[^>]*>/.test(value)) issues.custom(path, "Text cannot contain HTML tags");
  const regex = (re: RegExp, message: string) => {
    if (!re.test(value)) {
      issues.add("invalid_format", path, message, {
        origin: "string",
        format: "regex",
        pattern: String(re),
      });
    }
  };
  regex(/^[^|]*$/, "Prompt name cannot contain '|' character");
  regex(/^[^/]/, "Name cannot start with a slash");
  regex(/^(?!.*\/\/)/, "Name cannot contain consecutive slashes");
  regex(/^.*[^/]$/, "Name cannot end with a slash");
  const trimmed = value.trim();
  if (value.length > 0 && trimmed.length === 0) issues.custom(path, "Name cannot be empty");
  if (RESERVED_NAMES.includes(trimmed)) issues.custom(path, `Prompt name cannot be '${trimmed}'`);
  return trimmed;
}

/** The labels (default []), each 1-36 characters of `[a-z0-9_.-]`. */
function labelList(value: unknown, issues: Issues, key = "labels", optional = true): string[] {
  if (value === undefined && optional) return [];
  if (!Array.isArray(value)) {
    issues.type([key], "array", value);
    return [];
  }
  value.forEach((label, i) => {
    if (typeof label !== "string") return issues.type([key, i], "string", label);
    lengthIssues(label, [key, i], issues, { min: 1, max: 36 });
    if (!LABEL.test(label)) {
      issues.add("invalid_format", [key, i], LABEL_MESSAGE, {
        origin: "string",
        format: "regex",
        pattern: String(LABEL),
      });
    }
  });
  return value.filter((label): label is string => typeof label === "string");
}

/** A chat prompt's entries, unknown keys dropped (so `type: "chatmessage"` is not kept). */
function chatEntries(value: unknown, issues: Issues): ChatPromptEntry[] | undefined {
  if (!Array.isArray(value)) {
    issues.type(["prompt"], "array", value);
    return undefined;
  }
  return value.map((entry, i): ChatPromptEntry => {
    const record = typeof entry === "object" && entry !== null
      ? entry as Record<string, unknown>
      : {};
    if (record.type === "placeholder") {
      const name = record.name;
      if (typeof name !== "string" || !PLACEHOLDER_NAME.test(name)) {
        issues.custom(
          ["prompt", i, "name"],
          "Placeholder name must start with a letter and contain only alphanumeric characters and underscores",
        );
      }
      return { type: "placeholder", name: String(name) };
    }
    if (typeof record.role !== "string") issues.type(["prompt", i, "role"], "string", record.role);
    if (typeof record.content !== "string") {
      issues.type(["prompt", i, "content"], "string", record.content);
    }
    return { role: String(record.role), content: String(record.content) };
  });
}

/** A 400 when a `{{variable}}` has the name of a placeholder (rule 7). */
function checkVariables(entries: ChatPromptEntry[]): void {
  const placeholders = new Set(
    entries.flatMap((e) => "type" in e && e.type === "placeholder" ? [e.name] : []),
  );
  const variables = new Set(
    entries.flatMap((e) =>
      "content" in e ? [...e.content.matchAll(/\{\{\s*([\w]+)\s*\}\}/g)].map((m) => m[1]) : []
    ),
  );
  const both = [...variables].filter((name) => placeholders.has(name));
  if (both.length > 0) {
    throw invalidRequest(
      "Cannot create prompt, variables and placeholders must be unique, the following are not: " +
        both.join(", "),
    );
  }
}

function stringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}
