/**
 * The `review:` section of a script (or of a separate file given with `--review FILE`): the
 * annotation queues reviewers work from, the review-only score configs they fill in, and
 * comments (a team lead's note) on sessions, traces or observations. Which objects a queue or
 * comment gets is a `select` rule, evaluated by `src/plan/review_select.ts`.
 *
 * A rule never selects by planted finding alone: a training queue holding only the sessions
 * with findings would give the answer away. `includePlanted: true` adds the planted objects
 * to a `rate` sample of all objects, so the queue mixes both.
 */
import { z } from "zod";
import { notInVocabulary, vocabularyField } from "./schema_vocabulary.ts";
import { scriptVocabulary } from "./vocabulary.ts";
import { freeText } from "./schema_text.ts";

/** Most characters of a comment in Langfuse (after trimming, rule 26). */
export const MAX_COMMENT_CHARS = 5000;

/** Most characters of a score config name in Langfuse (rule 12). */
const MAX_CONFIG_NAME = 35;

const ConfigName = z.string().regex(/^[a-z][a-z0-9_-]{0,34}$/, {
  error: `must be a short snake_case name (at most ${MAX_CONFIG_NAME} characters)`,
});

/** Which objects a queue or a comment gets; every criterion given must hold. */
export const ReviewRule = z.strictObject({
  outcome: z.union([vocabularyField("outcomes"), z.array(vocabularyField("outcomes")).min(1)])
    .optional().describe(
      "A turn ended with this outcome (SESSION: any turn of the session; TRACE: that turn); " +
        "a default or one the scripts declare",
    ),
  score: z.strictObject({
    name: z.string().min(1).max(40),
    value: z.union([z.number(), z.string().min(1).max(40)]),
  }).optional().describe(
    "Has this score with this value, e.g. { name: user_feedback, value: 0 } (negative feedback)",
  ),
  failed: z.boolean().optional().describe(
    "true: a step failed (level ERROR, e.g. an injected tool error); false: none did",
  ),
  rate: z.number().min(0).max(1).optional().describe(
    "A sample: the share of the matching objects taken, drawn from the seed (the same objects " +
      "on a re-run with it)",
  ),
  includePlanted: z.boolean().optional().describe(
    "Queues only: also take every matching object with a planted finding, so a training queue " +
      "mixes sessions with and without findings; needs a rate above 0",
  ),
}).superRefine((rule, ctx) => {
  if (rule.includePlanted && !(rule.rate !== undefined && rule.rate > 0)) {
    ctx.addIssue({
      code: "custom",
      path: ["includePlanted"],
      message: "needs a rate above 0: a queue of only the planted objects would give the " +
        "answer away",
    });
  }
});

/** A rule, or a list of rules of which any may match. */
export const ReviewSelect = z.union([ReviewRule, z.array(ReviewRule).min(1)]);

/** A score config only reviewers fill in (no score of the script sends it). */
export const ReviewScoreConfig = z.strictObject({
  name: ConfigName,
  dataType: z.enum(["NUMERIC", "BOOLEAN", "CATEGORICAL"]),
  categories: z.array(freeText(z.string().min(1).max(40))).min(1).max(50).optional().describe(
    "CATEGORICAL: the categories (numbered 0, 1, ... in Langfuse); required there",
  ),
  range: z.strictObject({ min: z.number(), max: z.number() }).optional().describe(
    "NUMERIC: the minimum and maximum; default none",
  ),
  description: freeText(z.string().min(1).max(500)).optional().describe(
    "Shown to reviewers in Langfuse",
  ),
}).superRefine((config, ctx) => {
  if (config.dataType === "CATEGORICAL" && config.categories === undefined) {
    ctx.addIssue({ code: "custom", path: ["categories"], message: "is required for CATEGORICAL" });
  }
  if (config.categories !== undefined && config.dataType !== "CATEGORICAL") {
    ctx.addIssue({ code: "custom", path: ["categories"], message: "is only for CATEGORICAL" });
  }
  if (config.range !== undefined && config.dataType !== "NUMERIC") {
    ctx.addIssue({ code: "custom", path: ["range"], message: "is only for NUMERIC" });
  }
  if (config.range !== undefined && !(config.range.max > config.range.min)) {
    ctx.addIssue({ code: "custom", path: ["range", "max"], message: "must be above range.min" });
  }
  const seen = new Set<string>();
  for (const [i, label] of (config.categories ?? []).entries()) {
    if (seen.has(label)) {
      ctx.addIssue({ code: "custom", path: ["categories", i], message: `lists "${label}" twice` });
    }
    seen.add(label);
  }
});

/** An annotation queue: reused by name in Langfuse, created when missing. */
export const ReviewQueue = z.strictObject({
  name: freeText(z.string().trim().min(1).max(100)),
  description: freeText(z.string().max(1000)).optional(),
  objectType: z.enum(["SESSION", "TRACE"]).describe("What the queue's items are"),
  scoreConfigs: z.array(z.string().min(1).max(40)).min(1).describe(
    "Score configs reviewers fill in: the script's score names or review.scoreConfigs names",
  ),
  select: ReviewSelect.optional().describe("Which sessions or traces go in; default all"),
});

/** A comment the run writes on the objects its rule selects. */
export const ReviewComment = z.strictObject({
  on: z.enum(["session", "trace", "observation"]),
  step: z.string().min(1).max(80).optional().describe(
    "observation: the name of the step whose observation gets the comment",
  ),
  select: ReviewSelect.optional().describe("Which sessions or traces; default all"),
  content: freeText(z.string().trim().min(1).max(MAX_COMMENT_CHARS)).describe(
    "The comment (Markdown); a re-run does not add the same comment twice",
  ),
});

/** The whole review section. */
export const Review = z.strictObject({
  scoreConfigs: z.array(ReviewScoreConfig).optional().describe(
    "Score configs only reviewers fill in, created before the first span",
  ),
  queues: z.array(ReviewQueue).optional(),
  comments: z.array(ReviewComment).optional(),
});

/** A validated review section. */
export type ReviewInput = z.infer<typeof Review>;
/** A validated rule. */
export type ReviewRuleInput = z.infer<typeof ReviewRule>;
/** A validated review-only score config. */
export type ReviewScoreConfigInput = z.infer<typeof ReviewScoreConfig>;

/** What a review section may refer to: the score names, step names and outcomes of its scripts. */
export interface ReviewContext {
  scoreNames: ReadonlySet<string>;
  stepNames: ReadonlySet<string>;
  /** The outcomes a rule may name: the defaults and every script's declared ones. */
  outcomes: readonly string[];
}

/**
 * Problems a schema cannot see: names a queue's configs or a comment's step refer to, names
 * declared twice, and fields that do not fit where they are. Paths are relative to `prefix`.
 */
export function reviewProblems(
  review: ReviewInput,
  context: ReviewContext,
  prefix: PropertyKey[] = [],
): { path: PropertyKey[]; message: string }[] {
  const problems: { path: PropertyKey[]; message: string }[] = [];
  const add = (path: PropertyKey[], message: string) =>
    problems.push({ path: [...prefix, ...path], message });
  const own = new Set<string>();
  for (const [i, config] of (review.scoreConfigs ?? []).entries()) {
    if (own.has(config.name)) add(["scoreConfigs", i, "name"], `declares "${config.name}" twice`);
    if (context.scoreNames.has(config.name)) {
      add(
        ["scoreConfigs", i, "name"],
        `"${config.name}" is a score the script sends: its config comes from that score`,
      );
    }
    own.add(config.name);
  }
  const known = [...context.scoreNames, ...own];
  const queues = new Set<string>();
  for (const [q, queue] of (review.queues ?? []).entries()) {
    if (queues.has(queue.name)) add(["queues", q, "name"], `declares "${queue.name}" twice`);
    queues.add(queue.name);
    for (const [c, name] of queue.scoreConfigs.entries()) {
      if (!context.scoreNames.has(name) && !own.has(name)) {
        add(
          ["queues", q, "scoreConfigs", c],
          `names "${name}", which is neither a score of the script nor in review.scoreConfigs` +
            (known.length > 0 ? ` (${known.join(", ")})` : ""),
        );
      }
    }
  }
  for (const [c, comment] of (review.comments ?? []).entries()) {
    if (comment.on === "observation" && comment.step === undefined) {
      add(["comments", c, "step"], "is required on an observation comment (the step's name)");
    }
    if (comment.on !== "observation" && comment.step !== undefined) {
      add(["comments", c, "step"], `is only for on: observation, not on: ${comment.on}`);
    }
    if (comment.step !== undefined && !context.stepNames.has(comment.step)) {
      add(["comments", c, "step"], `names "${comment.step}", which is no step of the script`);
    }
    for (const { rule, path } of rulesOf(comment.select, ["comments", c, "select"])) {
      if (rule.includePlanted !== undefined) {
        add(
          [...path, "includePlanted"],
          "is for queues only: a comment on the planted objects would point reviewers at them",
        );
      }
    }
  }
  const selects = [
    ...(review.queues ?? []).map((queue, q) => ({ select: queue.select, at: ["queues", q] })),
    ...(review.comments ?? []).map((comment, c) => ({
      select: comment.select,
      at: ["comments", c],
    })),
  ];
  for (const { select, at } of selects) {
    for (const { rule, path } of rulesOf(select, [...at, "select"])) {
      const outcomes = typeof rule.outcome === "string" ? [rule.outcome] : rule.outcome ?? [];
      for (const [o, outcome] of outcomes.entries()) {
        if (!context.outcomes.includes(outcome)) {
          add(
            typeof rule.outcome === "string" ? [...path, "outcome"] : [...path, "outcome", o],
            notInVocabulary(context.outcomes, "outcomes"),
          );
        }
      }
    }
  }
  return problems;
}

/** The rules of a select (one rule or a list), each with its path. */
function rulesOf(
  select: z.infer<typeof ReviewSelect> | undefined,
  path: PropertyKey[],
): { rule: ReviewRuleInput; path: PropertyKey[] }[] {
  if (select === undefined) return [];
  if (Array.isArray(select)) return select.map((rule, r) => ({ rule, path: [...path, r] }));
  return [{ rule: select, path }];
}

interface ScriptLike {
  vocabulary?: { outcomes?: readonly string[] };
  scores?: readonly { name: string }[];
  turns: readonly { scores?: readonly { name: string }[]; steps: readonly StepLike[] }[];
}
interface StepLike {
  name: string;
  steps?: readonly StepLike[];
}

/** The score names and step names of scripts, for {@link reviewProblems}. */
export function reviewContext(scripts: readonly ScriptLike[]): ReviewContext {
  const scoreNames = new Set<string>();
  const stepNames = new Set<string>();
  const outcomes = new Set<string>(scriptVocabulary().outcomes);
  for (const script of scripts) {
    for (const outcome of script.vocabulary?.outcomes ?? []) outcomes.add(outcome);
    for (const score of script.scores ?? []) scoreNames.add(score.name);
    for (const turn of script.turns) {
      for (const score of turn.scores ?? []) scoreNames.add(score.name);
      const stack = [...turn.steps];
      while (stack.length > 0) {
        const step = stack.pop()!;
        stepNames.add(step.name);
        stack.push(...(step.steps ?? []));
      }
    }
  }
  return { scoreNames, stepNames, outcomes: [...outcomes] };
}
