/**
 * The conversation script format as one zod schema. It validates a parsed YAML document and
 * is exported as JSON Schema for editors, so every rule an editor can know lives here.
 */
import { z } from "zod";
import { MAX_SCRIPT_DURATION_MS, parseDurationRange } from "./duration.ts";
import { AT_KEY, formatPath, type PathProblem } from "./errors.ts";
import { checkPseudonymousId, checkToken } from "./privacy.ts";
import { Review, reviewContext, reviewProblems } from "./schema_review.ts";
import { findingProblems, Findings } from "./schema_findings.ts";
import { Content } from "./schema_content.ts";
import { timeoutProblems } from "./schema_timeouts.ts";
import {
  MAX_COST_USD,
  MAX_PRICE_PER_MILLION,
  UsageCosts,
  UsageCounts,
  UsagePrices,
  usageProblems,
} from "./schema_usage.ts";
import { Vocabulary, vocabularyField, vocabularyProblems } from "./schema_vocabulary.ts";
import { type MessageInput, MessageList, messageListProblems } from "./schema_messages.ts";
import { Persona, personaProblems } from "./schema_persona.ts";
import {
  FINDINGS,
  LEVELS,
  METADATA_VALUES,
  type MetadataKey,
  OBSERVATION_TYPES,
} from "./vocabulary.ts";
import { promptProblems, PromptRef, type PromptRefInput, Prompts } from "./schema_prompts.ts";
import { promptLinkProblems } from "./prompt_links.ts";
import { SCORE_CONFIG_FIELDS, scoreConfigProblems } from "./schema_score_configs.ts";
import { freeText } from "./schema_text.ts";
import { Stress } from "./schema_stress.ts";

const DURATION_PATTERN = /^\d+(?:\.\d+)?(?:ms|s|m|h|d)(?:\.\.\d+(?:\.\d+)?(?:ms|s|m|h|d))?$/.source;

const TOO_LONG = `must be at most 1d (${MAX_SCRIPT_DURATION_MS} ms)`;

/** A duration ("250ms", "1.5s") or range ("200ms..900ms"), or plain milliseconds; at most 1d. */
export const Duration = z.union([
  z.number().nonnegative().max(MAX_SCRIPT_DURATION_MS, { error: TOO_LONG }),
  z.string().regex(new RegExp(DURATION_PATTERN), {
    error: 'must be a duration like "250ms", "1.5s" or a range "200ms..900ms"',
    abort: true,
  }).refine((text) => parseDurationRange(text) !== undefined, {
    error: "range must run from the smaller to the larger duration",
    abort: true,
  }).refine((text) => parseDurationRange(text)!.max <= MAX_SCRIPT_DURATION_MS, {
    error: TOO_LONG,
  }),
]).describe(
  'Duration: "250ms", "1.5s", "2m", a range "200ms..900ms", or milliseconds; at most 1d',
);

/** Most alternatives one var lists. */
export const MAX_ALTERNATIVES = 1000;

/** Highest weight (a script's, or a score value's per outcome): a million. */
export const MAX_WEIGHT = 1_000_000;

const PseudonymousId = z.string().superRefine((value, ctx) => {
  const problem = checkPseudonymousId(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
}).describe("A pseudonymous id (conv_82d9535867844b4c8cdff) or a generated one (conv_{hex:21})");

const Token = z.string().superRefine((value, ctx) => {
  const problem = checkToken(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

// The workflow vocabulary is open (`vocabulary.workflows`); the other keys' values are fixed.
const metadataShape = Object.fromEntries(
  Object.entries(METADATA_VALUES).map((
    [key, values],
  ) => [
    key,
    key === "workflow" ? vocabularyField("workflows").optional() : z.enum(values).optional(),
  ]),
) as unknown as Record<MetadataKey, z.ZodOptional<z.ZodType<string>>>;

const FlatMetadata = z.record(
  z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, { error: "must be a short snake_case key" }),
  z.union([freeText(z.string().max(200)), z.number(), z.boolean()]),
);

/** One observation in a turn's tree. Type-specific fields are checked in `checkStep`. */
export interface StepInput {
  type: typeof OBSERVATION_TYPES[number];
  name: string;
  duration?: number | string;
  gap?: number | string;
  level?: typeof LEVELS[number];
  statusMessage?: string;
  input?: z.infer<typeof Content>;
  output?: z.infer<typeof Content>;
  metadata?: Record<string, string | number | boolean>;
  parallel?: boolean;
  steps?: StepInput[];
  model?: string;
  modelParameters?: Record<string, string | number | boolean>;
  messages?: MessageInput[];
  /** Tokens per usage type: a number or a range "700..900". */
  usage?: Record<string, number | string>;
  /** USD per usage type, fixed. */
  cost?: Record<string, number>;
  /** USD per million tokens, per usage type. */
  price?: Record<string, number>;
  /** Input tokens the messages do not show (tool schemas), added to their count. */
  hiddenInputTokens?: number;
  timeToFirstToken?: number | string;
  prompt?: PromptRefInput;
  /** The linked prompt's `{{variables}}`, content templates. */
  promptVariables?: Record<string, string | number | boolean>;
  main?: true;
  error?: StepErrorInput;
}

/** What follows an injected failure: a retry, another answer, another outcome, the end. */
export interface FailureConsequenceInput {
  retry?: { gap?: number | string; event?: string };
  answer?: z.infer<typeof Content>;
  outcome?: string;
  end?: boolean;
}

/** One of several consequences of a failure, picked by weight. */
export interface FailureVariantInput extends FailureConsequenceInput {
  weight: number;
}

/**
 * An injected failure: in load mode the step fails with this probability, and what follows is
 * its consequence (given inline, or several `variants` picked by weight).
 */
export interface StepErrorInput extends FailureConsequenceInput {
  rate: number;
  message: string;
  output?: z.infer<typeof Content>;
  duration?: number | string;
  variants?: FailureVariantInput[];
}

const consequenceShape = {
  retry: z.strictObject({
    gap: Duration.optional().describe("Backoff before the second attempt; default 500ms..1.5s"),
    event: z.string().min(1).max(80).optional().describe(
      "A WARNING event between the attempts, with this name",
    ),
  }).optional().describe(
    "The step runs again after the gap and succeeds (metadata attempt 1 and 2); the next " +
      "generation sees the error and then the result",
  ),
  answer: Content.optional().describe(
    "The turn's answer after the failure (trace output and main generation); default the " +
      "turn's output, which must then not quote the failed step",
  ),
  outcome: vocabularyField("outcomes").optional().describe(
    "The turn's outcome after the failure; default recovered with a retry, else failed",
  ),
  end: z.boolean().optional().describe("The conversation ends after this turn"),
};

const FailureVariant = z.strictObject({
  ...consequenceShape,
  weight: z.number().positive().default(1).describe("How often this variant is picked"),
});

const StepError = z.strictObject({
  rate: z.number().min(0).max(1).describe("Probability that the step fails (load mode)"),
  message: freeText(z.string().min(1).max(500)).describe(
    'Status message of the failed step; when it names a timeout ("timeout after 5s") the ' +
      "failed attempt lasts exactly that",
  ),
  output: Content.optional().describe("Output of the failed step; default { error: message }"),
  duration: Duration.optional().describe(
    "Duration of the failed attempt; default the step's, or the timeout the message names " +
      "(then it may only be that one duration)",
  ),
  ...consequenceShape,
  variants: z.array(FailureVariant).min(1).optional().describe(
    "Several consequences (retry, apology, escalation), picked by weight; instead of the " +
      "inline retry, answer, outcome and end",
  ),
}).superRefine((error, ctx) => {
  if (!error.variants) return;
  for (const field of ["retry", "answer", "outcome", "end"] as const) {
    if (error[field] !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: [field],
        message: "give the consequence either inline or in variants, not both",
      });
    }
  }
});

/** Fields of a model call: generations and embeddings. */
const MODEL_FIELDS = ["model", "modelParameters", "usage", "cost", "price"] as const;

/** Fields only a generation has. */
const GENERATION_ONLY = [
  "messages",
  "hiddenInputTokens",
  "timeToFirstToken",
  "prompt",
  "promptVariables",
  "main",
] as const;

/** A step: an observation with a type, timing, content and optional children. */
export const Step: z.ZodType<StepInput> = z.strictObject({
  type: z.enum(OBSERVATION_TYPES),
  name: z.string().min(1).max(80),
  duration: Duration.optional(),
  gap: Duration.optional().describe("Wait before this step starts; default 2ms..15ms"),
  level: z.enum(LEVELS).optional(),
  statusMessage: freeText(z.string().max(500)).optional().describe(
    'When it names a timeout ("timeout after 5s"), a step without child steps lasts exactly ' +
      "that (its duration may only be that one duration)",
  ),
  input: Content.optional(),
  output: Content.optional(),
  metadata: FlatMetadata.optional(),
  parallel: z.boolean().optional().describe("Run the child steps at the same time"),
  get steps() {
    return z.array(Step).optional();
  },
  model: z.string().min(1).optional(),
  modelParameters: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
    .optional(),
  messages: MessageList.optional(),
  usage: UsageCounts.optional().describe(
    "Tokens per Langfuse usage type, fixed or drawn per replay: input, output, " +
      "input_cached_tokens, output_reasoning_tokens, ... The types add up (input counts the " +
      "input tokens no other input type counts); total is their sum. Input and output left " +
      "out are counted from the content with the model's tokenizer, cached input when the " +
      "prompt repeats an earlier one",
  ),
  cost: UsageCosts.optional().describe(
    `Cost in USD per usage type, fixed; at most ${MAX_COST_USD} each`,
  ),
  price: UsagePrices.optional().describe(
    `USD per million tokens for every usage type the step counts, at most ${MAX_PRICE_PER_MILLION}; ` +
      "the cost follows the usage (cached input without its own price costs the input price)",
  ),
  hiddenInputTokens: z.int().nonnegative().optional().describe(
    "Input tokens the messages do not show (tool schemas, a hidden preamble), added to their " +
      "counted tokens; they go before the messages in the prompt",
  ),
  timeToFirstToken: Duration.optional().describe(
    "The generation streams: without a duration it lasts this plus its output tokens at the " +
      "model's output speed",
  ),
  prompt: PromptRef.optional(),
  promptVariables: z.record(
    z.string().regex(/^[^{}\s]+$/, { error: "must be a prompt variable name, without spaces" }),
    z.union([z.string(), z.number(), z.boolean()]),
  ).optional().describe(
    "The linked declared prompt's {{variables}} (content templates allowed): the prompt, " +
      "filled in, heads the generation's input (its system message, or a chat prompt's " +
      "messages, with these messages at its placeholder)",
  ),
  main: z.literal(true).optional().describe(
    "The turn's main generation: it carries the conversation so far (earlier turns' user and " +
      "assistant messages after its system messages), and its input tokens grow by theirs; " +
      "default the turn's last generation",
  ),
  error: StepError.optional(),
}).superRefine((step, ctx) => {
  const refuse = (fields: readonly (keyof StepInput)[], where: string) => {
    for (const field of fields) {
      if (step[field] !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: [field],
          message: `is only allowed on ${where}, not on type "${step.type}"`,
        });
      }
    }
  };
  if (step.type !== "generation") refuse(GENERATION_ONLY, "a generation step");
  if (step.type !== "generation" && step.type !== "embedding") {
    refuse(MODEL_FIELDS, "a generation or embedding step");
  }
  if (step.type === "generation" && step.model === undefined) {
    ctx.addIssue({ code: "custom", path: ["model"], message: "is required on a generation step" });
  }
  for (const problem of messageListProblems(step.messages ?? [])) {
    ctx.addIssue({ code: "custom", ...problem, path: ["messages", ...problem.path] });
  }
  for (const problem of usageProblems(step)) addProblem(ctx, problem);
  if (step.cost && step.price) {
    ctx.addIssue({
      code: "custom",
      path: ["price"],
      message: "give either cost or price, not both",
    });
  }
  for (const problem of timeoutProblems(step)) addProblem(ctx, problem);
  if (step.type === "event" && (step.steps?.length || step.duration !== undefined)) {
    ctx.addIssue({
      code: "custom",
      path: [step.steps?.length ? "steps" : "duration"],
      message: "an event is instantaneous and has no duration or child steps",
    });
  }
});

/** Adds a problem as a custom issue, pointing at the key when it is about one. */
function addProblem(ctx: z.core.$RefinementCtx, { path, message, key }: PathProblem): void {
  ctx.addIssue({ code: "custom", path, message, ...(key ? { params: { [AT_KEY]: true } } : {}) });
}

/** A score's value: a number (NUMERIC, BOOLEAN 0/1) or a category. */
const ScoreValue = z.union([z.number(), freeText(z.string().min(1).max(40))]);

const ScoreComment = freeText(z.string().min(1).max(500));

/** A feedback score, sent through Langfuse's API (not expressible in OTLP). */
export const Score = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/, { error: "must be a short snake_case name" }),
  dataType: z.enum(["NUMERIC", "BOOLEAN", "CATEGORICAL"]),
  value: ScoreValue.describe("The value a replay sends"),
  comment: freeText(z.string().max(500)).optional().describe(
    "The comment sent with `value`, and only with it (load mode may draw another value)",
  ),
  comments: z.record(z.string(), z.union([ScoreComment, z.array(ScoreComment).min(1)]))
    .optional().describe(
      "Load mode: the comment sent with each value, e.g. 0: Wanted a person; several " +
        "wordings are picked among; a value without one gets no comment",
    ),
  rate: z.number().min(0).max(1).optional().describe(
    "Load mode: share of turns (or sessions) that get this score; default 1",
  ),
  byOutcome: z.record(
    vocabularyField("outcomes"),
    z.record(z.string(), z.number().nonnegative().max(MAX_WEIGHT)),
  )
    .optional().describe(
      "Load mode: the value's weights per outcome, e.g. escalated: { 0: 0.8, 1: 0.2 }",
    ),
  byFinding: z.partialRecord(z.enum(FINDINGS), z.record(z.string(), z.number().nonnegative()))
    .optional().describe(
      "Load mode: factors on the value's weights in a session carrying a planted finding (its " +
        "session scores, and turn scores from the changed turn on), e.g. unsolved: " +
        "{ resolved: 0 } never scores an unsolved session resolved; unlisted values keep " +
        "their weight",
    ),
  ...SCORE_CONFIG_FIELDS,
}).superRefine((score, ctx) => {
  for (const { path, message } of scoreConfigProblems(score)) {
    ctx.addIssue({ code: "custom", path, message });
  }
  const check = (value: number | string, path: PropertyKey[]) => {
    const problem = score.dataType === "CATEGORICAL"
      ? typeof value === "string" ? undefined : "must be a category (text) for CATEGORICAL"
      : score.dataType === "BOOLEAN"
      ? value === 0 || value === 1 ? undefined : "must be 0 or 1 for BOOLEAN"
      : typeof value === "number"
      ? undefined
      : "must be a number for NUMERIC";
    if (problem) ctx.addIssue({ code: "custom", path, message: problem });
  };
  const checkKey = (key: string, path: PropertyKey[]) =>
    check(score.dataType === "CATEGORICAL" ? key : Number(key), path);
  check(score.value, ["value"]);
  for (const field of ["byOutcome", "byFinding"] as const) {
    for (const [name, weights] of Object.entries(score[field] ?? {})) {
      for (const key of Object.keys(weights ?? {})) checkKey(key, [field, name, key]);
    }
  }
  for (const key of Object.keys(score.comments ?? {})) checkKey(key, ["comments", key]);
  if (score.comment !== undefined && score.comments?.[String(score.value)] !== undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["comment"],
      message: `gives a second comment for value ${score.value}, which comments also has`,
    });
  }
});

/** A validated score. */
export type ScoreInput = z.infer<typeof Score>;

/** One turn: the user's message, the agent's work as a step tree, and its answer. */
export const Turn = z.strictObject({
  kind: vocabularyField("turnKinds").describe(
    "What kind of turn this is (trace metadata turn_kind): a default or one declared under " +
      "vocabulary.turnKinds",
  ),
  name: z.string().min(1).max(80).optional().describe("Root span name; default the trace name"),
  input: Content.describe("What the user says"),
  output: Content.describe("What the agent answers"),
  outcome: vocabularyField("outcomes").describe(
    "How the turn ended (trace metadata outcome): a default or one declared under " +
      "vocabulary.outcomes",
  ),
  thinkTime: Duration.optional().describe("Pause before this turn; default timing.thinkTime"),
  level: z.enum(LEVELS).optional(),
  statusMessage: freeText(z.string().max(500)).optional(),
  reach: z.number().gt(0).max(1).optional().describe(
    "Share of sessions that reach this turn in load mode (1 = all); never more than an earlier turn's",
  ),
  when: z.union([
    z.strictObject({ var: z.string(), in: z.array(z.string()).min(1) }),
    z.strictObject({ failed: z.boolean() }),
  ]).optional().describe(
    "Load mode: play this turn only when a var has one of the values, or when an earlier step failed",
  ),
  scores: z.array(Score).optional().describe("Scores of this turn's trace"),
  steps: z.array(Step).min(1),
}).superRefine((turn, ctx) => {
  const mains = stepPaths(turn.steps, ["steps"]).filter(({ step }) =>
    step.main && step.type === "generation"
  );
  for (const { path } of mains.slice(1)) {
    ctx.addIssue({
      code: "custom",
      path: [...path, "main"],
      message: `a turn has at most one main generation; ${
        formatPath(mains[0].path)
      } is already main`,
    });
  }
});

/** Every step of a tree in document order (a parent before its children), with its path. */
export function stepPaths(
  steps: StepInput[],
  path: PropertyKey[],
): { step: StepInput; path: PropertyKey[] }[] {
  return steps.flatMap((step, s) => [
    { step, path: [...path, s] },
    ...stepPaths(step.steps ?? [], [...path, s, "steps"]),
  ]);
}

/** A whole conversation script. */
export const Script = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, { error: "must be a short kebab-case name" }),
  description: z.string().max(500).optional(),
  vocabulary: Vocabulary.optional(),
  session: z.strictObject({ id: PseudonymousId }),
  user: z.strictObject({ id: PseudonymousId }),
  trace: z.strictObject({
    name: Token,
    version: Token,
    release: Token.optional(),
    tags: z.array(Token).max(20).default([]),
    metadata: z.strictObject(metadataShape).default({}),
  }),
  timing: z.strictObject({
    thinkTime: Duration.default("15s..45s").describe("Pause between turns"),
  }).default({ thinkTime: "15s..45s" }),
  chat: z.boolean().optional().describe(
    "Whether the turns are one conversation, so each turn's main generation carries the " +
      "earlier turns (default true); false for runs whose turns are separate tasks, such as " +
      "the test cases of an evaluation pipeline",
  ),
  vars: z.record(
    z.string().regex(/^[a-z][a-zA-Z0-9_]*$/, { error: "must be a camelCase or snake_case name" }),
    z.union([z.string(), z.array(z.string().min(1)).min(2).max(MAX_ALTERNATIVES)]),
  ).optional().describe(
    "Values drawn once per session, used as {{name}} in content: a template, or a list of " +
      "alternatives (whole sentences, each a template that may use persona values and the " +
      "vars before it), one picked per session",
  ),
  persona: Persona.optional(),
  scores: z.array(Score).optional().describe(
    "Scores of the whole session (byOutcome uses the last turn's outcome)",
  ),
  prompts: Prompts.optional(),
  weight: z.number().positive().max(MAX_WEIGHT).default(1).describe(
    "How often load mode picks this script relative to others",
  ),
  turns: z.array(Turn).min(1),
  review: Review.optional().describe("Annotation queues, review-only score configs, comments"),
  findings: Findings.optional(),
  stress: Stress.optional(),
}).superRefine((document, ctx) => {
  // Runs also when other fields failed, so an undeclared value is reported with them.
  for (const problem of vocabularyProblems(document)) addProblem(ctx, problem);
}, { when: () => true }).superRefine((script, ctx) => {
  const review = script.review ?? {};
  for (const issue of reviewProblems(review, reviewContext([script]), ["review"])) {
    ctx.addIssue({ code: "custom", ...issue });
  }
  for (const { path, message } of promptProblems(script)) {
    ctx.addIssue({ code: "custom", path, message });
  }
  if (Array.isArray(script.prompts)) {
    for (const problem of promptLinkProblems(script.turns, script.prompts)) {
      addProblem(ctx, problem);
    }
  }
  for (const problem of findingProblems(script)) ctx.addIssue({ code: "custom", ...problem });
  for (const problem of personaProblems(script.persona, script.trace.metadata)) {
    ctx.addIssue({ code: "custom", ...problem });
  }
  let reach = 1;
  for (const [t, turn] of script.turns.entries()) {
    if (turn.reach === undefined) continue;
    if (t === 0 && turn.reach !== 1) {
      ctx.addIssue({
        code: "custom",
        path: ["turns", t, "reach"],
        message: "must be 1 on the first turn",
      });
    } else if (turn.reach > reach) {
      ctx.addIssue({
        code: "custom",
        path: ["turns", t, "reach"],
        message: `must not be more than an earlier turn's reach (${reach})`,
      });
    }
    reach = Math.min(reach, turn.reach);
  }
  for (const [t, turn] of script.turns.entries()) {
    if (turn.when && "var" in turn.when && !(turn.when.var in (script.vars ?? {}))) {
      ctx.addIssue({
        code: "custom",
        path: ["turns", t, "when", "var"],
        message: `names "${turn.when.var}", which is not declared in vars`,
      });
    }
  }
});

/** A validated conversation script, as zod outputs it. */
export type ScriptInput = z.infer<typeof Script>;
/** A validated turn. */
export type TurnInput = z.infer<typeof Turn>;

/** The JSON Schema of the script format, for editors (`yaml-language-server: $schema=…`). */
export function scriptJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(Script, { io: "input", unrepresentable: "any" });
  return {
    ...schema,
    $id: "https://github.com/session-replay/session-replay/schema/conversation.schema.json",
    title: "session-replay conversation script",
  };
}
