/**
 * Resources as pure decisions: from the scripts of a run, the prompts and score configs it
 * needs in Langfuse; whether an existing prompt version has a declared prompt's content;
 * which existing score config a score reuses (or what to create); and the links a plan gets
 * once they are resolved. The I/O that asks Langfuse and creates what is missing is
 * `src/run/resources.ts`.
 *
 * Decisions, documented in docs/langfuse.md:
 * - A run needs the declared prompts its generations name (a shared prompts file may declare
 *   more); `{ name, version }` references must already exist.
 * - Prompt content is its type, its prompt (text or messages) and its config. Labels, tags and
 *   commit message are not content: they apply when a version is created and a matching
 *   version is reused as it is.
 * - A score config is reused when every score the run can send is valid against it (same data
 *   type, not archived, each category among its labels, each number within its range); among
 *   several, the oldest. A config is created only when no config of that name exists or all
 *   are archived. When only configs that do not fit exist, the run stops instead of creating
 *   a second config of the same name (Langfuse cannot delete configs, so a duplicate would
 *   stay forever).
 * - Categories: the ones a score declares (the same everywhere the name is declared), else the
 *   union of the values the run's scripts can send under that name, in the order written.
 */
import type { ScriptInput } from "../script/schema.ts";
import {
  type ChatMessageInput,
  type PromptDeclarationInput,
  promptNameRefs,
} from "../script/schema_prompts.ts";
import { scoreValues } from "../script/schema_score_configs.ts";
import { formatPath } from "../script/errors.ts";
import type { Json, ObservationPlan, SessionPlan } from "./types.ts";

/** What the manifest records of a run's resources (`RunReport.resources`, load report too). */
export interface RunResources {
  prompts: { name: string; version: number; id: string; labels: string[]; created: boolean }[];
  scoreConfigs: { name: string; id: string; dataType: string; created: boolean }[];
}

/** A declared prompt the run needs, with where it is declared. */
export interface PromptSpec {
  name: string;
  type: "text" | "chat";
  prompt: string | ChatMessageInput[];
  labels: string[];
  config: Record<string, Json>;
  tags?: string[];
  commitMessage?: string;
  /** `file: prompts[0]`, for messages. */
  place: string;
}

/** A prompt a generation names by `{ name, version }`: it must already exist. */
export interface PromptPin {
  name: string;
  version: number;
  place: string;
}

/** A score config the run needs: one per score name. */
export interface ScoreConfigSpec {
  name: string;
  dataType: "NUMERIC" | "BOOLEAN" | "CATEGORICAL";
  /** CATEGORICAL: the labels, in order (a new config numbers them 0, 1, ...). */
  categories?: string[];
  /** NUMERIC: the declared range. */
  range?: { min: number; max: number };
  description?: string;
  /** Every value the run can send under this name. */
  values: (number | string)[];
  /** Where the name is first declared. */
  place: string;
}

/** Everything a run needs to exist before its first span. */
export interface ResourceNeeds {
  prompts: PromptSpec[];
  pinned: PromptPin[];
  scoreConfigs: ScoreConfigSpec[];
}

/** Two declarations of one prompt or score name that disagree; the CLI exits 3. */
export class ResourceConflictError extends Error {
  override readonly name = "ResourceConflictError";
}

/** A script as loaded: its file and, when it named one, its prompts file. */
export interface ScriptSource {
  file: string;
  script: ScriptInput;
  promptsFile?: string;
}

/** The prompts and score configs the scripts need; throws ResourceConflictError. */
export function resourceNeeds(scripts: readonly ScriptSource[]): ResourceNeeds {
  const prompts = new Map<string, PromptSpec>();
  const pinned = new Map<string, PromptPin>();
  const configs = new Map<string, ScoreConfigSpec & { declared?: string }>();
  for (const { file, script, promptsFile } of scripts) {
    for (const [i, declared] of (Array.isArray(script.prompts) ? script.prompts : []).entries()) {
      const spec = promptSpec(declared, `${promptsFile ?? file}: prompts[${i}]`);
      const other = prompts.get(spec.name);
      if (other === undefined) prompts.set(spec.name, spec);
      else if (other.place !== spec.place && canonical(bare(other)) !== canonical(bare(spec))) {
        throw new ResourceConflictError(
          `prompt "${spec.name}" is declared differently at ${other.place} and at ${spec.place}; ` +
            "declare it once (a prompts file the scripts share) or give one of them another name",
        );
      }
    }
    for (const { pin, path } of pinsOf(script)) {
      const key = `${pin.name}@${pin.version}`;
      if (!pinned.has(key)) pinned.set(key, { ...pin, place: `${file}: ${formatPath(path)}` });
    }
    for (const { score, path } of scoresOf(script)) {
      const place = `${file}: ${formatPath(path)}`;
      const values = scoreValues(score);
      const other = configs.get(score.name);
      if (other === undefined) {
        configs.set(score.name, {
          name: score.name,
          dataType: score.dataType,
          ...(score.dataType === "CATEGORICAL"
            ? { categories: score.categories ?? values.map(String) }
            : {}),
          ...(score.range ? { range: score.range } : {}),
          ...(score.description ? { description: score.description } : {}),
          values,
          place,
          ...(score.categories ? { declared: place } : {}),
        });
        continue;
      }
      if (other.dataType !== score.dataType) {
        throw new ResourceConflictError(
          `score "${score.name}" is ${other.dataType} at ${other.place} but ${score.dataType} ` +
            `at ${place}; one name is one score config in Langfuse, so give them one data type`,
        );
      }
      if (score.categories) {
        if (other.declared && !sameSet(other.categories!, score.categories)) {
          throw new ResourceConflictError(
            `score "${score.name}" declares categories [${other.categories!.join(", ")}] at ` +
              `${other.declared} but [${score.categories.join(", ")}] at ${place}; ` +
              "one name is one score config in Langfuse, so declare the same categories",
          );
        }
        if (!other.declared) {
          other.categories = score.categories;
          other.declared = place;
        }
      }
      if (score.range) {
        if (
          other.range &&
          (other.range.min !== score.range.min || other.range.max !== score.range.max)
        ) {
          throw new ResourceConflictError(
            `score "${score.name}" declares range ${other.range.min}..${other.range.max} at ` +
              `${other.place} but ${score.range.min}..${score.range.max} at ${place}; ` +
              "one name is one score config in Langfuse, so declare the same range",
          );
        }
        other.range = score.range;
      }
      if (!other.description && score.description) other.description = score.description;
      other.values = [...new Set([...other.values, ...values])];
      if (other.dataType === "CATEGORICAL" && !other.declared) {
        other.categories = other.values.map(String);
      }
    }
  }
  // Declared categories and ranges must hold every value of every place.
  const scoreConfigs = [...configs.values()].map(({ declared: _declared, ...spec }) => spec);
  for (const spec of scoreConfigs) {
    const outside = spec.values.filter((value) => !valueFits(spec, value));
    if (outside.length > 0) {
      throw new ResourceConflictError(
        `score "${spec.name}" can be sent with ${outside.join(", ")}, outside its config ` +
          `(${describeSpec(spec)}); Langfuse would drop those scores, so declare the same ` +
          "categories or range everywhere the name is used",
      );
    }
  }
  // A declaration no generation names (a shared file declares more) is not needed by the run.
  const named = new Set(
    scripts.flatMap(({ script }) => [...promptNameRefs(script.turns)].map((r) => r.name)),
  );
  return {
    prompts: [...prompts.values()].filter((spec) => named.has(spec.name)),
    pinned: [...pinned.values()],
    scoreConfigs,
  };
}

function promptSpec(declared: PromptDeclarationInput, place: string): PromptSpec {
  return {
    name: declared.name,
    type: declared.type,
    prompt: declared.prompt,
    labels: declared.labels,
    config: declared.config as Record<string, Json>,
    ...(declared.tags ? { tags: declared.tags } : {}),
    ...(declared.commitMessage ? { commitMessage: declared.commitMessage } : {}),
    place,
  };
}

/** A spec without its place, for comparing two declarations. */
function bare(spec: PromptSpec): Omit<PromptSpec, "place"> {
  const { place: _place, ...rest } = spec;
  return rest;
}

function* pinsOf(
  script: ScriptInput,
): Generator<{ pin: { name: string; version: number }; path: PropertyKey[] }> {
  for (const [t, turn] of script.turns.entries()) {
    const stack = turn.steps.map((step, s) => ({ step, path: ["turns", t, "steps", s] }));
    while (stack.length > 0) {
      const { step, path } = stack.pop()!;
      if (step.prompt !== undefined && typeof step.prompt !== "string") {
        yield { pin: step.prompt, path: [...path, "prompt"] };
      }
      for (const [c, child] of (step.steps ?? []).entries()) {
        stack.push({ step: child, path: [...path, "steps", c] });
      }
    }
  }
}

function* scoresOf(script: ScriptInput) {
  for (const [t, turn] of script.turns.entries()) {
    for (const [s, score] of (turn.scores ?? []).entries()) {
      yield { score, path: ["turns", t, "scores", s] as PropertyKey[] };
    }
  }
  for (const [s, score] of (script.scores ?? []).entries()) {
    yield { score, path: ["scores", s] as PropertyKey[] };
  }
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item) => b.includes(item));
}

function valueFits(spec: ScoreConfigSpec, value: number | string): boolean {
  if (spec.dataType === "CATEGORICAL") return spec.categories!.includes(String(value));
  if (spec.dataType === "BOOLEAN") return value === 0 || value === 1;
  const n = Number(value);
  return spec.range === undefined || (n >= spec.range.min && n <= spec.range.max);
}

function describeSpec(spec: ScoreConfigSpec): string {
  if (spec.dataType === "CATEGORICAL") return `categories ${spec.categories!.join(", ")}`;
  if (spec.range) return `range ${spec.range.min}..${spec.range.max}`;
  return spec.dataType;
}

// ---------------------------------------------------------------------------------------------
// Prompts: is an existing version the declared one?

/** The fields of a stored prompt version the comparison reads (as `GET /v2/prompts` answers). */
export interface StoredPrompt {
  id: string;
  name: string;
  version: number;
  type: string;
  prompt: unknown;
  config: unknown;
  labels: string[];
}

/** True when the stored version has the declared content: same type, prompt and config. */
export function samePromptContent(spec: PromptSpec, stored: StoredPrompt): boolean {
  if (stored.type !== spec.type) return false;
  if (canonical(normalizePrompt(stored.prompt)) !== canonical(normalizePrompt(spec.prompt))) {
    return false;
  }
  // Langfuse stores {} for a prompt created without config.
  const config = stored.config === null || stored.config === undefined ? {} : stored.config;
  return canonical(config) === canonical(spec.config);
}

/** Messages with only the keys Langfuse keeps (role and content, or type and name). */
function normalizePrompt(prompt: unknown): unknown {
  if (!Array.isArray(prompt)) return prompt;
  return prompt.map((message) => {
    if (message === null || typeof message !== "object") return message;
    const m = message as Record<string, unknown>;
    return m.type === "placeholder"
      ? { type: "placeholder", name: m.name }
      : { role: m.role, content: m.content };
  });
}

/** The fields of a prompt create body besides its type and prompt. */
interface PromptBodyBase {
  name: string;
  labels: string[];
  config: Record<string, Json>;
  tags?: string[];
  commitMessage?: string;
}

/** The body of `POST /api/public/v2/prompts`: text or chat. */
export type PromptBody =
  | PromptBodyBase & { type: "text"; prompt: string }
  | PromptBodyBase & { type: "chat"; prompt: ChatMessageInput[] };

/** The create body of a declared prompt. */
export function createPromptBody(spec: PromptSpec): PromptBody {
  const base: PromptBodyBase = {
    name: spec.name,
    labels: spec.labels,
    config: spec.config,
    ...(spec.tags ? { tags: spec.tags } : {}),
    ...(spec.commitMessage ? { commitMessage: spec.commitMessage } : {}),
  };
  return typeof spec.prompt === "string"
    ? { ...base, type: "text", prompt: spec.prompt }
    : { ...base, type: "chat", prompt: spec.prompt };
}

/**
 * The versions to look at for a declared prompt, newest first, given the latest version
 * number: `latest` down to `latest - max + 1` (Langfuse numbers versions 1, 2, ...).
 */
export function versionsToSearch(latest: number, max: number): number[] {
  const out: number[] = [];
  for (let v = latest; v >= 1 && out.length < max; v--) out.push(v);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Score configs: reuse, create, or stop.

/** The fields of a stored score config the choice reads (as `GET /score-configs` answers). */
export interface StoredScoreConfig {
  id: string;
  name: string;
  dataType: string;
  isArchived: boolean;
  createdAt: string;
  categories?: { label: string; value: number }[] | null;
  minValue?: number | null;
  maxValue?: number | null;
}

/** The body of `POST /api/public/score-configs` for a spec. */
export interface ScoreConfigBody {
  name: string;
  dataType: "NUMERIC" | "BOOLEAN" | "CATEGORICAL";
  categories?: { label: string; value: number }[];
  minValue?: number;
  maxValue?: number;
  description?: string;
}

/** What to do for one score config. */
export type ScoreConfigChoice =
  | { kind: "reuse"; config: StoredScoreConfig }
  | { kind: "create"; body: ScoreConfigBody }
  | { kind: "conflict"; message: string };

/** Chooses among the project's configs (any names) the one `spec` reuses, or what to create. */
export function chooseScoreConfig(
  spec: ScoreConfigSpec,
  existing: readonly StoredScoreConfig[],
): ScoreConfigChoice {
  const named = existing.filter((config) => config.name === spec.name)
    .sort((a, b) =>
      a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1
    );
  const live = named.filter((config) => !config.isArchived);
  const fitting = live.find((config) => misfit(spec, config) === undefined);
  if (fitting) return { kind: "reuse", config: fitting };
  if (live.length === 0) return { kind: "create", body: scoreConfigBody(spec) };
  const reasons = live.map((config) => `${config.id} ${misfit(spec, config)}`);
  return {
    kind: "conflict",
    message:
      `score "${spec.name}" (${spec.place}): the project's score config${
        live.length === 1 ? "" : "s"
      } of that name do${live.length === 1 ? "es" : ""} not fit: ${reasons.join("; ")}. ` +
      "Not creating a second config of the same name (Langfuse cannot delete score configs): " +
      "declare categories or a range the existing config allows, or archive it in Langfuse " +
      "(Settings > Scores) so that a fitting one is created",
  };
}

/** Why a config does not take every value of the spec, or undefined when it does. */
function misfit(spec: ScoreConfigSpec, config: StoredScoreConfig): string | undefined {
  if (config.dataType !== spec.dataType) return `is ${config.dataType}, not ${spec.dataType}`;
  if (spec.dataType === "CATEGORICAL") {
    const labels = (config.categories ?? []).map((c) => c.label);
    const missing = spec.categories!.filter((c) => !labels.includes(c));
    if (missing.length > 0) {
      return `has categories [${labels.join(", ")}], without ${missing.join(", ")}`;
    }
  }
  if (spec.dataType === "NUMERIC") {
    const outside = spec.values.map(Number).filter((n) =>
      (config.minValue !== null && config.minValue !== undefined && n < config.minValue) ||
      (config.maxValue !== null && config.maxValue !== undefined && n > config.maxValue)
    );
    if (outside.length > 0) {
      return `has range ${config.minValue ?? "-∞"}..${config.maxValue ?? "∞"}, without ${
        outside.join(", ")
      }`;
    }
  }
  return undefined;
}

/** The create body of a spec: categories numbered in order, the range as min and max. */
export function scoreConfigBody(spec: ScoreConfigSpec): ScoreConfigBody {
  return {
    name: spec.name,
    dataType: spec.dataType,
    ...(spec.dataType === "CATEGORICAL"
      ? { categories: spec.categories!.map((label, value) => ({ label, value })) }
      : {}),
    ...(spec.range ? { minValue: spec.range.min, maxValue: spec.range.max } : {}),
    ...(spec.description ? { description: spec.description } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Links: what a plan carries once the resources are resolved.

/** Resolved resources as a plan needs them: declared prompt name -> version, score -> config. */
export interface ResourceLinks {
  prompts: Readonly<Record<string, number>>;
  scoreConfigs: Readonly<Record<string, string>>;
}

/** No links (non-Langfuse targets): declared prompts stay unlinked, scores carry no config. */
export const NO_LINKS: ResourceLinks = { prompts: {}, scoreConfigs: {} };

/**
 * The plan with its generations linked to the resolved prompt versions and its scores to
 * their configs. A declared prompt without a resolved version sends no link: a name without
 * an integer version makes Langfuse drop the observation.
 */
export function linkSession(plan: SessionPlan, links: ResourceLinks): SessionPlan {
  if (Object.keys(links.prompts).length === 0 && Object.keys(links.scoreConfigs).length === 0) {
    return plan;
  }
  return {
    ...plan,
    turns: plan.turns.map((turn) => ({ ...turn, root: linkObservation(turn.root, links) })),
    scores: plan.scores.map((score) => {
      const configId = links.scoreConfigs[score.name];
      return configId === undefined ? score : { ...score, configId };
    }),
  };
}

function linkObservation(obs: ObservationPlan, links: ResourceLinks): ObservationPlan {
  const out: ObservationPlan = {
    ...obs,
    children: obs.children.map((child) => linkObservation(child, links)),
  };
  if (obs.promptRef !== undefined && links.prompts[obs.promptRef] !== undefined) {
    out.prompt = { name: obs.promptRef, version: links.prompts[obs.promptRef] };
  }
  return out;
}

/** `{ prompts }` listing the generations of a trace linked to a prompt version; `{}` if none. */
export function promptLinksOf(
  root: ObservationPlan,
): { prompts?: { spanId: string; name: string; version: number }[] } {
  const prompts: { spanId: string; name: string; version: number }[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const obs = stack.shift()!;
    if (obs.type === "generation" && obs.prompt) {
      prompts.push({ spanId: obs.spanId, name: obs.prompt.name, version: obs.prompt.version });
    }
    stack.unshift(...obs.children);
  }
  return prompts.length > 0 ? { prompts } : {};
}

/** JSON with object keys sorted, for comparing content. */
export function canonical(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.keys(value).sort().map((
      key,
    ) => [key, sortKeys((value as Record<string, unknown>)[key])]),
  );
}
