/**
 * Recorded sessions become anonymised conversation scripts. Pure: no I/O.
 *
 * - One turn per trace, in order; the root span's children are the turn's steps, with their
 *   types, names, nesting, `parallel` when siblings overlap in time, models, model parameters,
 *   prompt links, levels, status messages, usage and scores; the session's own scores become
 *   the script's top-level `scores:`.
 * - Prompts whose versions were read (Langfuse sources) are declared under `prompts:` with
 *   their content, scrubbed, and generations name them, so the script replays into a project
 *   without them; other links stay `{ name, version }`.
 * - Durations, gaps, time to first token, token usage and think times become ranges of
 *   ±`spread` (default 20%) around what was observed, so a replay varies around the recording.
 * - Costs become a `price` (USD per million tokens) when the recorded cost and usage give both
 *   sides, else a fixed `cost`.
 * - Trace name, version, release, tags and metadata are kept when the privacy guard accepts
 *   them, else dropped with a note; session and user ids become generated formats; content is
 *   scrubbed (`scrub.ts`).
 * - A turn's kind and outcome come from trace metadata `turn_kind` / `outcome` (as this tool
 *   sends them); otherwise they are guessed: an ERROR level anywhere in the turn → failed, an
 *   observation named like a handoff or escalation → escalated (kind escalation), else
 *   answered; the kind is refund when the user's message says refund, status for the first
 *   turn, followup after it. A WARNING alone decides nothing (apps warn for many reasons).
 */
import { type ChatMessage, isInstruction, mainGeneration, turnMessages } from "../plan/chat.ts";
import { messageTokens } from "../plan/tokens.ts";
import type { Json } from "../plan/types.ts";
import { formatDuration, mentionedTimeout } from "../script/duration.ts";
import { findPersonalData } from "../script/privacy.ts";
import { checkToken } from "../script/privacy.ts";
import type { ScoreInput, StepInput, TurnInput } from "../script/schema.ts";
import { type PromptDeclarationInput, promptNameProblem } from "../script/schema_prompts.ts";
import { promptVariableNames } from "../script/prompt_links.ts";
import type { MessageInput } from "../script/schema_messages.ts";
import { matchPrompt } from "../plan/prompt_render.ts";
import { MAX_CONFIG_NAME } from "../script/schema_score_configs.ts";
import { MAX_DECLARED_VALUES, METADATA_VALUES } from "../script/vocabulary.ts";
import { DeclaredVocabulary } from "./declared.ts";
import { scriptMessages } from "./messages.ts";
import { type IdReplacement, KIND_PLURALS, Scrubber } from "./scrub.ts";
import type {
  RecordedObservation,
  RecordedPrompt,
  RecordedScore,
  RecordedScript,
  RecordedSession,
  RecordedTrace,
} from "./types.ts";
import { intRange, msRange } from "./ranges.ts";
import { usageFields } from "./usage_fields.ts";
import { scriptYaml } from "./yaml_text.ts";
import { count, noun } from "../text/count.ts";

/** How recorded sessions become scripts. */
export interface ToScriptsOptions {
  /** The script name (kebab-case); default from the first trace's name, else "recorded"; several sessions get -1, -2… */
  name?: string;
  /** The JSON Schema path in the editor line; default "../schema/conversation.schema.json" (a script in conversations/). */
  schemaPath?: string;
  /** How far a range reaches either side of an observed value; default 0.2 (±20%). */
  spread?: number;
}

/** The generated id formats recorded ids are replaced by. */
export const SESSION_ID_FORMAT = "conv_{hex:21}";
/** The generated user id format. */
export const USER_ID_FORMAT = "usr_{hex:12}";

const DEFAULT_SPREAD = 0.2;

/** Turns each recorded session into one anonymised script (YAML text that passes `validate`). */
export function toScripts(
  sessions: RecordedSession[],
  options: ToScriptsOptions = {},
): RecordedScript[] {
  const used = new Set<string>();
  return sessions.map((session, s) => {
    const base = (options.name === undefined ? undefined : kebabName(options.name)) ??
      baseName(session);
    let name = sessions.length > 1 ? `${base.slice(0, 36)}-${s + 1}` : base;
    for (let n = 2; used.has(name); n++) name = `${base.slice(0, 36)}-${n}`;
    used.add(name);
    return toScript(session, name, options);
  });
}

/** A kebab-case name from the first trace name that passes the guard, else "recorded". */
function baseName(session: RecordedSession): string {
  const name = session.traces.map((trace) => trace.name).find((name) =>
    name !== undefined && checkToken(name) === undefined
  );
  return kebabName(name ?? "") ?? "recorded";
}

/** `text` as a script name (lowercase words joined by "-", at most 36 characters), or undefined when nothing is left. */
function kebabName(text: string): string | undefined {
  const kebab = text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^[^a-z]+/, "")
    .slice(0, 36).replace(/-+$/, "");
  return kebab || undefined;
}

/** A recorded session that cannot become a script (it has no trace). */
export class RecordError extends Error {
  override name = "RecordError";
}

/** Notes about what was dropped or guessed, collected while building one script. */
class Notes {
  readonly #lines: string[] = [];
  readonly #counted = new Map<string, number>();

  /** Adds a note once. */
  add(line: string): void {
    if (!this.#lines.includes(line)) this.#lines.push(line);
  }

  /** Counts one occurrence of a note that is reported as "N × reason". */
  count(reason: string): void {
    this.#counted.set(reason, (this.#counted.get(reason) ?? 0) + 1);
  }

  /** Every note, counted ones last. */
  lines(): string[] {
    return [
      ...this.#lines,
      ...[...this.#counted.entries()].map(([reason, n]) => `${n} ${reason}`),
    ];
  }
}

/** What building one session's turns needs. */
interface Context {
  scrubber: Scrubber;
  notes: Notes;
  spread: number;
  renamed: number;
  /** The recorded input usage of each generation step, for `stripHistory`. */
  observedInput: WeakMap<StepInput, number>;
  /** Workflows, turn kinds, outcomes and usage types met beyond the defaults. */
  vocabulary: DeclaredVocabulary;
  /** Recorded tool call id -> its replacement (`call_1`, …), for the whole session. */
  callIds: Map<string, string>;
  /** The prompts the script declares, by name; generations linking one name it. */
  declared: Map<string, PromptDeclarationInput>;
}

function toScript(
  session: RecordedSession,
  name: string,
  options: ToScriptsOptions,
): RecordedScript {
  const notes = new Notes();
  const scrubber = new Scrubber(recordedIds(session));
  const ctx: Context = {
    scrubber,
    notes,
    spread: options.spread ?? DEFAULT_SPREAD,
    renamed: 0,
    observedInput: new WeakMap(),
    vocabulary: new DeclaredVocabulary(),
    callIds: new Map(),
    declared: new Map(),
  };
  if (session.traces.length === 0) {
    throw new RecordError(`a recorded session (${session.source}) has no traces to make turns of`);
  }
  observeSession(session, scrubber);

  const trace = traceFields(session, name, ctx);
  const prompts = declaredPrompts(session, ctx);
  const turns: TurnInput[] = [];
  const history: { recorded: ChatMessage[]; scrubbed: string[] } = { recorded: [], scrubbed: [] };
  for (const [t, recorded] of session.traces.entries()) {
    const turn = toTurn(recorded, t, trace.name, ctx, history);
    if (t > 0) {
      const previous = session.traces[t - 1];
      turn.thinkTime = msRange(Math.max(0, recorded.startMs - previous.endMs), ctx.spread);
    }
    turns.push(turn);
  }

  const sessionScores = toScores(session.scores, ctx);
  const vars = scrubber.vars();
  const vocabulary = ctx.vocabulary.section();
  if (vocabulary) {
    notes.add(
      `Declared under vocabulary (recorded values beyond the defaults): ${
        Object.entries(vocabulary).map(([name, values]) => `${name} ${values.join(", ")}`)
          .join("; ")
      }.`,
    );
  }
  const script: Record<string, unknown> = {
    name,
    description: `Recorded session, ${count(turns.length, "turn")}; ` +
      "content scrubbed, review before sharing.",
    session: { id: SESSION_ID_FORMAT },
    user: { id: USER_ID_FORMAT },
    ...(vocabulary ? { vocabulary } : {}),
    trace,
    ...(Object.keys(vars).length > 0 ? { vars } : {}),
    ...(prompts.length > 0 ? { prompts } : {}),
    ...(sessionScores.length > 0 ? { scores: sessionScores } : {}),
    turns,
  };

  const replaced = scrubber.counts().map(({ kind, count }) =>
    `${count} ${count === 1 ? kind : KIND_PLURALS[kind]}`
  );
  const header = [
    `Recorded by session-replay record from ${
      scrubber.plain(session.source).replace(/\s+/g, " ")
    }.`,
    "Review before sharing: free text can hide anything the scrubber does not recognise.",
    ...(session.dialect === undefined ? [] : [
      `Recorded from ${session.dialect} spans; replay with --dialect ${session.dialect}.`,
    ]),
    `Session and user ids are generated (${SESSION_ID_FORMAT}, ${USER_ID_FORMAT}); no recorded id is kept.`,
    replaced.length > 0
      ? `Replaced in content by templates (counts, never values): ${replaced.join(", ")}.`
      : "Nothing in the content looked like personal data or a secret.",
    ...(scrubber.braces() > 0
      ? [`${scrubber.braces()} literal "{{" or "}}" in the content written as "{ {" / "} }".`]
      : []),
    `Durations, gaps, time to first token, token usage and think times: ±${
      Math.round(ctx.spread * 100)
    }% around what was observed.`,
    ...notes.lines(),
  ];
  return {
    name,
    yaml: scriptYaml(script, header, options.schemaPath ?? "../schema/conversation.schema.json"),
    notes: header.slice(2),
  };
}

/** Every recorded id, with what replaces it in content. */
function recordedIds(session: RecordedSession): IdReplacement[] {
  const ids: IdReplacement[] = [];
  const add = (value: string | undefined, template: string) => {
    if (value && !ids.some((id) => id.value === value)) ids.push({ value, template });
  };
  add(session.userId, "{{userId}}");
  add(session.sessionId, "{{sessionId}}");
  for (const trace of session.traces) {
    add(trace.userId, "{{userId}}");
    add(trace.sessionId, "{{sessionId}}");
  }
  const visit = (observation: RecordedObservation) => {
    add(observation.id, "{{faker.string.uuid}}");
    observation.children.forEach(visit);
  };
  for (const trace of session.traces) {
    add(trace.id, "{{faker.string.uuid}}");
    if (trace.root) visit(trace.root);
    trace.orphans.forEach(visit);
  }
  return ids;
}

/**
 * The scrubber's first pass over every text of the session the script may carry (content,
 * names, labels, metadata, status messages, comments), so a value it finds in any one of them
 * is replaced in all of them.
 */
function observeSession(session: RecordedSession, scrubber: Scrubber): void {
  const scores = (list: readonly RecordedScore[]) => {
    for (const score of list) {
      scrubber.observe([score.name, String(score.value), score.comment ?? ""]);
    }
  };
  const visit = (observation: RecordedObservation) => {
    scrubber.observe(observation.input);
    scrubber.observe(observation.output);
    scrubber.observe([observation.name, observation.statusMessage ?? "", observation.model ?? ""]);
    scrubber.observe(observation.metadata ?? null);
    scrubber.observe(observation.modelParameters ?? null);
    observation.children.forEach(visit);
  };
  scrubber.observe(session.source);
  scores(session.scores);
  for (const trace of session.traces) {
    // The turn's input is the trace's, else the root's: a replay's content comes from both.
    scrubber.observe(trace.input ?? trace.root?.input);
    scrubber.observe(trace.output ?? trace.root?.output);
    scrubber.observe([trace.name ?? "", trace.version ?? "", trace.release ?? "", ...trace.tags]);
    scrubber.observe(trace.metadata);
    scores(trace.scores);
    if (trace.root) trace.root.children.forEach(visit);
    if (trace.root && trace.root.type !== "span") visit(trace.root);
    else if (trace.root) {
      scrubber.observe([trace.root.name, trace.root.statusMessage ?? ""]);
    }
    trace.orphans.forEach(visit);
  }
}

/** Whether a short label (name, tag, model, metadata value) can be kept as recorded. */
function clean(text: string, ctx: Context): boolean {
  return !text.includes("{{") && !text.includes("}}") &&
    findPersonalData(text) === undefined && !ctx.scrubber.holdsPersonalData(text);
}

/** Why a label is refused, in words that never quote it. */
function refusedBecause(text: string, ctx: Context): string | undefined {
  if (!clean(text, ctx)) return "it looks like personal data, a secret or a recorded id";
  if (checkToken(text) !== undefined) {
    return "it is not a short token (1 to 40 lowercase letters, digits, _ - . :)";
  }
  return undefined;
}

/** The script's trace block: name, version, release, tags and bounded metadata that pass the guard. */
function traceFields(session: RecordedSession, scriptName: string, ctx: Context) {
  const { notes } = ctx;
  const first = <T>(pick: (trace: RecordedTrace) => T | undefined) =>
    session.traces.map(pick).find((value) => value !== undefined);

  const pickToken = (field: string, values: (string | undefined)[], fallback?: string) => {
    const present = values.filter((value): value is string => value !== undefined);
    const kept = present.find((value) => refusedBecause(value, ctx) === undefined);
    for (const value of new Set(present)) {
      const why = refusedBecause(value, ctx);
      if (why) notes.add(`Dropped a trace ${field}: ${why}.`);
    }
    if (kept && new Set(present).size > 1) {
      notes.add(`The trace ${field} differs between turns; the first kept one is used for all.`);
    }
    if (!kept && fallback !== undefined && present.length === 0) {
      notes.add(`No trace ${field} was recorded; "${fallback}" is used.`);
    }
    return kept ?? fallback;
  };
  const name = pickToken(
    "name",
    session.traces.map((t) => t.name),
    `${scriptName.slice(0, 35)}-turn`,
  )!;
  const version = pickToken("version", session.traces.map((t) => t.version), "recorded")!;
  const release = pickToken("release", session.traces.map((t) => t.release));

  const tags: string[] = [];
  let droppedTags = 0;
  for (const tag of new Set(session.traces.flatMap((trace) => trace.tags))) {
    if (tag === "synthetic") {
      notes.add('Dropped the tag "synthetic": a replay run adds it itself.');
    } else if (refusedBecause(tag, ctx) !== undefined || tags.length >= 20) droppedTags++;
    else tags.push(tag);
  }
  if (droppedTags > 0) {
    notes.add(
      `Dropped ${count(droppedTags, "tag")}: personal data, a secret, ` +
        "not a short token, or more than 20.",
    );
  }

  const metadata: Record<string, string> = {};
  const environment = first((trace) => trace.environment);
  const dropped = new Set<string>();
  const hiddenKeys = new Set<string>();
  const consider = (key: string, value: Json) => {
    if (key === "turn_kind" || key === "outcome") return;
    if (key === "run_id") {
      notes.add("Dropped trace metadata run_id: a replay run's marker, added by each run.");
      return;
    }
    const allowed = (METADATA_VALUES as Record<string, readonly string[]>)[key];
    const known = key === "workflow"
      ? metadata.workflow === undefined &&
        ctx.vocabulary.accept("workflows", value, (text) => clean(text, ctx))
      : allowed && typeof value === "string" && allowed.includes(value);
    if (known) {
      metadata[key] ??= value as string;
      return;
    }
    if (/^[a-z][a-z0-9_]{0,39}$/.test(key) && clean(key, ctx)) dropped.add(key);
    else hiddenKeys.add(key);
  };
  if (environment !== undefined) consider("environment", environment);
  for (const trace of session.traces) {
    for (const [key, value] of Object.entries(trace.metadata)) consider(key, value);
  }
  for (const key of [...dropped].filter((key) => metadata[key] === undefined)) {
    const allowed = (METADATA_VALUES as Record<string, readonly string[]>)[key];
    notes.add(
      key === "workflow"
        ? "Dropped trace metadata workflow: a recorded value is not a short slug, looks " +
          "personal, or differs from the first one kept."
        : allowed
        ? `Dropped trace metadata ${key}: a recorded value is not one of ${allowed.join(", ")}.`
        : `Dropped trace metadata ${key}: not a bounded key (${
          Object.keys(METADATA_VALUES).join(", ")
        }); unbounded values would grow Langfuse's filters.`,
    );
  }
  const hidden = hiddenKeys.size;
  if (hidden > 0) {
    notes.add(
      `Dropped ${hidden} trace metadata entr${
        hidden === 1 ? "y" : "ies"
      } whose key is not shown (not a short key, or personal data).`,
    );
  }
  return {
    name,
    version,
    ...(release !== undefined ? { release } : {}),
    tags,
    metadata,
  };
}

function toTurn(
  trace: RecordedTrace,
  t: number,
  traceName: string,
  ctx: Context,
  history: { recorded: ChatMessage[]; scrubbed: string[] },
): TurnInput {
  const { notes, scrubber } = ctx;
  const root = trace.root;
  let children: RecordedObservation[];
  let parentStartMs: number;
  if (root && root.type === "span") {
    children = [...root.children, ...trace.orphans];
    parentStartMs = root.startMs;
  } else {
    children = root ? [root, ...trace.orphans] : [...trace.orphans];
    parentStartMs = trace.startMs;
    notes.add(
      root
        ? `Turn ${t + 1}: the root observation is a ${root.type}, so it becomes the turn's ` +
          "step under the span a replay puts at the root."
        : `Turn ${t + 1}: the trace had no root observation; its top observations are the steps.`,
    );
  }
  if (root && trace.orphans.length > 0) {
    notes.add(`Turn ${t + 1}: observations without a parent become steps under the root.`);
  }
  children.sort((a, b) => a.startMs - b.startMs);

  const recordedInput = trace.input ?? root?.input ?? "";
  const recordedOutput = trace.output ?? root?.output ?? "";
  const steps = toSteps(children, parentStartMs, ctx);
  if (steps.length === 0) {
    notes.add(`Turn ${t + 1}: no child observations; a span stands in as its one step.`);
    steps.push({
      type: "span",
      name: "recorded-step",
      duration: msRange(root ? root.endMs - root.startMs : trace.endMs - trace.startMs, ctx.spread),
    });
  }
  const input = scrubber.content(recordedInput);
  const output = scrubber.content(recordedOutput);
  stripHistory(steps, history, ctx);
  history.recorded.push(...turnMessages(recordedInput, recordedOutput));
  history.scrubbed.push(
    ...turnMessages(input, output).map((message) => JSON.stringify(message)),
  );

  const { kind, outcome } = kindAndOutcome(trace, t, ctx);
  const turn: TurnInput = { kind, input, output, outcome, steps };
  if (root && root.type === "span" && root.name !== traceName) {
    if (clean(root.name, ctx)) turn.name = root.name.slice(0, 80);
    else notes.add(`Turn ${t + 1}: the root span's name looks like personal data; not kept.`);
  }
  if (root && root.type === "span") {
    if (root.level && root.level !== "DEFAULT") turn.level = root.level;
    if (root.statusMessage) turn.statusMessage = scrubber.plain(root.statusMessage).slice(0, 500);
  }
  const scores = toScores(trace.scores, ctx);
  if (scores.length > 0) turn.scores = scores;
  return turn;
}

/**
 * A replay gives the main generation the conversation so far (earlier turns' user and
 * assistant messages after its system messages). When the recorded main generation holds
 * exactly that, it is left out here, and its tokens come off the usage, so a replay adds it
 * back instead of doubling it.
 */
function stripHistory(
  steps: StepInput[],
  history: { recorded: ChatMessage[]; scrubbed: string[] },
  ctx: Context,
): void {
  if (history.scrubbed.length === 0) return;
  const main = mainGeneration({ steps });
  if (!main?.messages) return;
  const systems = main.messages.findIndex((message) => !isInstruction(message));
  if (systems < 0) return;
  const window = main.messages.slice(systems, systems + history.scrubbed.length);
  if (window.map((message) => JSON.stringify(message)).join("\n") !== history.scrubbed.join("\n")) {
    // The conversation so far in another form (an agent loop's tool calls and results, as the
    // Vercel AI SDK sends it): kept as the recorded input, which a replay sends as it is, since
    // adding the conversation again would double it and its tokens.
    const users = main.messages.filter((message) => message.role === "user").length;
    if (users > 1) {
      // In place of `messages`, so the script reads in the same order.
      const entries = Object.entries(main).map(([key, value]) =>
        key === "messages" ? ["input", value] : [key, value]
      );
      for (const key of Object.keys(main) as (keyof StepInput)[]) delete main[key];
      Object.assign(main, Object.fromEntries(entries));
      ctx.notes.add(
        "The main generations' messages hold the conversation so far in a form a replay does " +
          "not rebuild; they are kept as recorded inputs, which a replay sends unchanged.",
      );
    }
    return;
  }
  main.messages.splice(systems, history.scrubbed.length);
  const model = main.model ?? "";
  const extra = history.recorded.reduce((sum, message) => sum + messageTokens(message, model), 0);
  const observed = ctx.observedInput.get(main);
  if (main.usage && observed !== undefined) {
    main.usage.input = intRange(Math.max(0, observed - extra), ctx.spread);
  }
  ctx.notes.add(
    "The main generations' earlier-turn messages (the conversation so far) are left out, " +
      "with their tokens; a replay adds them back.",
  );
}

function kindAndOutcome(trace: RecordedTrace, t: number, ctx: Context) {
  const isClean = (text: string) => clean(text, ctx);
  const kindValue = trace.metadata.turn_kind;
  const outcomeValue = trace.metadata.outcome;
  // A value beyond the defaults is declared in the script's vocabulary.
  const kind = ctx.vocabulary.accept("turnKinds", kindValue, isClean) ? kindValue : undefined;
  const outcome = ctx.vocabulary.accept("outcomes", outcomeValue, isClean)
    ? outcomeValue
    : undefined;
  if (kind && outcome) return { kind, outcome };
  const all = [
    ...(trace.root ? [trace.root] : []),
    ...trace.orphans,
  ].flatMap(function flat(o: RecordedObservation): RecordedObservation[] {
    return [o, ...o.children.flatMap(flat)];
  });
  const handoff = all.some((o) => /hand-?off|escalat|human|transfer/i.test(o.name));
  const guessedOutcome: TurnInput["outcome"] = all.some((o) => o.level === "ERROR")
    ? "failed"
    : handoff
    ? "escalated"
    : "answered";
  const text = JSON.stringify(trace.input ?? trace.root?.input ?? "");
  const guessedKind: TurnInput["kind"] = handoff
    ? "escalation"
    : /refund/i.test(text)
    ? "refund"
    : t === 0
    ? "status"
    : "followup";
  ctx.notes.add(
    `Turn ${t + 1}: ${kind ? "" : "kind "}${!kind && !outcome ? "and " : ""}${
      outcome ? "" : "outcome "
    }guessed (no turn_kind/outcome metadata a script can hold): review them.`,
  );
  return { kind: kind ?? guessedKind, outcome: outcome ?? guessedOutcome };
}

/** Recorded scores (a trace's or the session's) as a script's, each name, value and comment guarded alike. */
function toScores(recorded: readonly RecordedScore[], ctx: Context): ScoreInput[] {
  const scores: ScoreInput[] = [];
  for (const score of recorded) {
    const name = score.name.toLowerCase().replace(/[^a-z0-9_-]+/g, "_").replace(/^[^a-z]+/, "");
    let value: number | string | undefined = score.value;
    if (score.dataType === "BOOLEAN") {
      value = value === 1 || value === "1" || value === "true" || value === "True" ? 1 : 0;
    } else if (score.dataType === "NUMERIC") {
      value = typeof value === "number" ? value : Number(value);
      if (!Number.isFinite(value)) value = undefined;
    } else {
      value = String(value);
      if (value.length < 1 || value.length > 40 || !clean(value, ctx)) value = undefined;
    }
    if (
      !/^[a-z][a-z0-9_-]{0,39}$/.test(name) || name.length > MAX_CONFIG_NAME ||
      !clean(name, ctx) || !clean(score.name, ctx) || value === undefined
    ) {
      ctx.notes.count(
        "scores dropped: a name or value that is not a short token, or looks personal",
      );
      continue;
    }
    scores.push({
      name,
      dataType: score.dataType,
      value,
      ...(score.comment ? { comment: ctx.scrubber.plain(score.comment).slice(0, 500) } : {}),
    } as ScoreInput);
  }
  return scores;
}

function toSteps(
  children: RecordedObservation[],
  parentStartMs: number,
  ctx: Context,
): StepInput[] {
  const parallel = overlaps(children);
  let cursor = parentStartMs;
  return children.map((child) => {
    const from = parallel ? parentStartMs : cursor;
    const step = toStep(child, Math.max(0, child.startMs - from), ctx);
    cursor = Math.max(cursor, child.endMs);
    return step;
  });
}

/** Whether any two of the (start-ordered) children run at the same time. */
function overlaps(children: RecordedObservation[]): boolean {
  let end = -Infinity;
  for (const child of children) {
    if (child.startMs < end) return true;
    end = Math.max(end, child.endMs);
  }
  return false;
}

function toStep(observation: RecordedObservation, gapMs: number, ctx: Context): StepInput {
  const { notes, scrubber } = ctx;
  let type = observation.type;
  if (type === "event" && observation.children.length > 0) {
    notes.add("An event with child observations became a span (events have no children).");
    type = "span";
  }
  let name = observation.name.slice(0, 80);
  if (!name || !clean(name, ctx)) {
    name = `${type}-${++ctx.renamed}`;
    notes.count("observation names replaced (empty, or personal data, a secret or an id)");
  }
  const step: StepInput = { type, name };
  step.gap = msRange(gapMs, ctx.spread);
  if (type !== "event") {
    step.duration = msRange(observation.endMs - observation.startMs, ctx.spread);
  }
  if (observation.level && observation.level !== "DEFAULT") step.level = observation.level;
  if (observation.statusMessage) {
    step.statusMessage = scrubber.plain(observation.statusMessage).slice(0, 500);
    // A step whose status names its timeout lasts exactly that timeout when replayed.
    const timeout = mentionedTimeout(step.statusMessage);
    if (timeout && type !== "event" && observation.children.length === 0) {
      step.duration = formatDuration(timeout.ms);
    }
  }
  const metadata = stepMetadata(observation.metadata, ctx);
  if (metadata) step.metadata = metadata;

  if (type === "generation" || type === "embedding") {
    Object.assign(step, modelFields(observation, type, ctx));
  }
  if (type === "generation") {
    Object.assign(step, generationFields(observation, ctx));
  } else if (
    (type !== "embedding" && (observation.model || observation.usage || observation.cost)) ||
    observation.prompt || observation.completionStartMs !== undefined
  ) {
    notes.add(
      "Model, usage and cost fields of observations other than generations and embeddings, " +
        "and prompt links and time to first token of all but generations, are left out " +
        "(the script format does not hold them there).",
    );
  }
  // A generation linked to a declared prompt gets its input from the prompt (and messages).
  const fromPrompt = typeof step.prompt === "string";
  if (!step.messages && !fromPrompt && observation.input !== undefined) {
    step.input = scrubber.content(observation.input);
  }
  if (observation.output !== undefined) step.output = scrubber.content(observation.output);
  const steps = toSteps(observation.children, observation.startMs, ctx);
  if (steps.length > 0) {
    if (overlaps(observation.children)) step.parallel = true;
    step.steps = steps;
  }
  const result = ordered(step);
  if (type === "generation" && observation.usage) {
    ctx.observedInput.set(result, observation.usage.input ?? 0);
  }
  return result;
}

const STEP_ORDER: (keyof StepInput)[] = [
  "type",
  "name",
  "gap",
  "duration",
  "level",
  "statusMessage",
  "model",
  "modelParameters",
  "timeToFirstToken",
  "promptVariables",
  "messages",
  "input",
  "output",
  "usage",
  "price",
  "cost",
  "prompt",
  "metadata",
  "parallel",
  "steps",
];

/** The step with its fields in the order a script author writes them. */
function ordered(step: StepInput): StepInput {
  const out: Record<string, unknown> = {};
  for (const key of STEP_ORDER) if (step[key] !== undefined) out[key] = step[key];
  return out as unknown as StepInput;
}

/**
 * A model name without the release date providers end it with (claude-sonnet-4-5-20250929,
 * gpt-4.1-2025-04-14): the date and the version before it read like an account number.
 */
function withoutReleaseDate(model: string): string {
  return model.replace(/[-@]\d{4}-?\d{2}-?\d{2}(?:-v\d+(?::\d+)?)?$/, "");
}

/** The fields of a model call: model, model parameters, usage with price or cost. */
function modelFields(
  observation: RecordedObservation,
  type: "generation" | "embedding",
  ctx: Context,
): Partial<StepInput> {
  const { notes } = ctx;
  const fields: Partial<StepInput> = {};
  if (observation.model && clean(withoutReleaseDate(observation.model), ctx)) {
    fields.model = observation.model;
  } else if (type === "generation") {
    fields.model = "recorded-model";
    notes.add(
      'A generation without a usable model name got "recorded-model" (none recorded, or it looked personal).',
    );
  } else if (observation.model) {
    notes.count("embedding model names dropped (they looked personal)");
  }
  if (observation.modelParameters) {
    const kept = Object.entries(observation.modelParameters).filter(([key, value]) =>
      clean(key, ctx) && (typeof value !== "string" || clean(value, ctx))
    );
    if (kept.length < Object.keys(observation.modelParameters).length) {
      notes.count("model parameters dropped (personal data or a secret)");
    }
    if (kept.length > 0) fields.modelParameters = Object.fromEntries(kept);
  }
  Object.assign(
    fields,
    usageFields(observation, type, {
      spread: ctx.spread,
      accept: (usageType) =>
        ctx.vocabulary.accept("usageTypes", usageType, (text) => clean(text, ctx)),
      dropped: () =>
        notes.count(
          "usage types dropped (not a short slug, personal data, or more than " +
            `${MAX_DECLARED_VALUES} to declare)`,
        ),
    }),
  );
  if (!fields.usage && observation.cost) {
    notes.count(`${type} costs dropped (no usage recorded to go with them)`);
  }
  return fields;
}

/** The fields only a generation has: messages, time to first token, prompt link. */
function generationFields(observation: RecordedObservation, ctx: Context): Partial<StepInput> {
  const { notes, scrubber, spread } = ctx;
  const fields: Partial<StepInput> = {};
  const calls = ctx.callIds.size;
  const messages = scriptMessages(observation.input, {
    content: (value) => scrubber.content(value),
    clean: (text) => clean(text, ctx),
    callIds: ctx.callIds,
  });
  if (messages) fields.messages = messages;
  if (ctx.callIds.size > calls) {
    notes.add("Tool call ids in generation messages are replaced by call_1, call_2, ….");
  }
  if (observation.completionStartMs !== undefined) {
    const ttft = Math.max(0, observation.completionStartMs - observation.startMs);
    fields.timeToFirstToken = msRange(
      Math.min(ttft, observation.endMs - observation.startMs),
      spread,
    );
  }
  const prompt = observation.prompt;
  if (prompt) {
    const declared = ctx.declared.get(prompt.name);
    // An input that is not messages is kept as recorded, so its link keeps the version.
    if (declared && (fields.messages !== undefined || observation.input === undefined)) {
      fields.prompt = prompt.name;
      const linked = linkedMessages(declared, fields.messages ?? [], ctx);
      delete fields.messages;
      Object.assign(fields, linked);
    } else if (
      prompt.version !== undefined && Number.isInteger(prompt.version) && prompt.version > 0 &&
      usablePromptName(prompt.name, ctx)
    ) {
      fields.prompt = { name: prompt.name, version: prompt.version };
    } else {
      notes.count(
        "prompt links dropped (no version recorded, or a name Langfuse or the guard refuses)",
      );
    }
  }
  return fields;
}

/**
 * A generation linked to a declared prompt gets that prompt's text when replayed, so its
 * messages keep only what follows the prompt's, and its variables' values are read from the
 * recorded text. When the recorded instructions are not the declared version's text (another
 * version, or an app that changed them), they are left out, and each variable gets "[name]".
 */
function linkedMessages(
  prompt: PromptDeclarationInput,
  messages: MessageInput[],
  ctx: Context,
): Pick<StepInput, "messages" | "promptVariables"> {
  const matched = matchPrompt(prompt, messages as Json[]);
  const own = matched
    ? matched.messages as MessageInput[]
    : messages.filter((m) => !isInstruction(m));
  const variables = matched?.variables ??
    Object.fromEntries(promptVariableNames(prompt).map((name) => [name, `[${name}]`]));
  if (!matched) {
    ctx.notes.count(
      "generations whose instructions were not their linked prompt's text: a replay sends the " +
        "declared text, with [name] for the variables it could not read",
    );
  }
  return {
    ...(own.length > 0 ? { messages: own } : {}),
    ...(Object.keys(variables).length > 0 ? { promptVariables: variables } : {}),
  };
}

/** Whether a recorded prompt name can be written: Langfuse takes it and the guard passes it. */
function usablePromptName(name: string, ctx: Context): boolean {
  return promptNameProblem(name) === undefined && name.length <= 200 && clean(name, ctx);
}

/**
 * The `prompts:` of the script: each prompt the generations link to, declared with the content
 * of the newest version they link (scrubbed: prompt text is sent as written, so found values
 * become placeholders), so that a replay into another project creates it there. Links to a
 * version that was not read stay `{ name, version }`, with a note.
 */
function declaredPrompts(session: RecordedSession, ctx: Context): Record<string, unknown>[] {
  const linked = linkedVersions(session);
  if (session.prompts === undefined) {
    if (linked.size > 0) {
      ctx.notes.add(
        "Prompts are linked by name and version, without their text: replay into a project " +
          "that has those versions (a Langfuse source records their text).",
      );
    }
    return [];
  }
  const newest = new Map<string, RecordedPrompt>();
  for (const prompt of session.prompts) {
    const other = newest.get(prompt.name);
    if (other === undefined || prompt.version > other.version) newest.set(prompt.name, prompt);
  }
  const declared: Record<string, unknown>[] = [];
  for (const [name, prompt] of newest) {
    const content = usablePromptName(name, ctx) ? promptContent(prompt, ctx) : undefined;
    if (content === undefined) continue;
    ctx.declared.set(name, {
      name,
      type: prompt.type,
      prompt: content as PromptDeclarationInput["prompt"],
      labels: [],
      config: {},
    });
    const config = isPlainObject(prompt.config) ? plainJson(prompt.config, ctx) : {};
    declared.push({ name, type: prompt.type, prompt: content, config });
    const versions = [...(linked.get(name) ?? [])].sort((a, b) => a - b);
    if (versions.length > 1) {
      ctx.notes.add(
        `Prompt "${name}": the generations linked versions ${versions.join(", ")}; the script ` +
          `declares version ${prompt.version}'s text, so a replay links all of them to one version.`,
      );
    }
  }
  if (declared.length > 0) {
    ctx.notes.add(
      `Prompts ${[...ctx.declared.keys()].join(", ")}: declared with the recorded version's text ` +
        "(scrubbed like the content); a replay into another Langfuse project creates them " +
        "there when missing and links the generations (record --no-prompts links by name and " +
        "version only).",
    );
  }
  const missing = [...linked.keys()].filter((name) => !ctx.declared.has(name));
  if (missing.length > 0) {
    ctx.notes.add(
      `${noun(missing.length, "Prompt")} ${missing.join(", ")}: linked by name and ` +
        "version without text (Langfuse no longer has the version, or its content or name " +
        "cannot be written); replay into a project that has them.",
    );
  }
  return declared;
}

/** The prompt versions linked in the session, by name. */
function linkedVersions(session: RecordedSession): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>();
  const visit = (observation: RecordedObservation) => {
    const link = observation.prompt;
    if (observation.type === "generation" && link?.version !== undefined) {
      out.set(link.name, (out.get(link.name) ?? new Set()).add(link.version));
    }
    observation.children.forEach(visit);
  };
  for (const trace of session.traces) {
    if (trace.root) visit(trace.root);
    trace.orphans.forEach(visit);
  }
  return out;
}

/** A prompt's text or messages as a declaration holds them, scrubbed; undefined when malformed. */
function promptContent(prompt: RecordedPrompt, ctx: Context): Json | undefined {
  const { scrubber } = ctx;
  if (prompt.type === "text") {
    return typeof prompt.prompt === "string" && prompt.prompt !== ""
      ? scrubber.plain(prompt.prompt)
      : undefined;
  }
  if (!Array.isArray(prompt.prompt) || prompt.prompt.length === 0) return undefined;
  const messages: Json[] = [];
  for (const entry of prompt.prompt) {
    if (entry === null || typeof entry !== "object" || Array.isArray(entry)) return undefined;
    if (entry.type === "placeholder" && typeof entry.name === "string") {
      if (!PLACEHOLDER_NAME.test(entry.name)) return undefined;
      messages.push({ type: "placeholder", name: entry.name });
    } else if (typeof entry.role === "string" && typeof entry.content === "string") {
      if (entry.role === "" || !clean(entry.role, ctx)) return undefined;
      messages.push({ role: entry.role, content: scrubber.plain(entry.content) });
    } else return undefined;
  }
  return messages;
}

/** A JSON value with found values in its strings (and keys) replaced by placeholders. */
function plainJson(value: Json, ctx: Context): Json {
  if (typeof value === "string") return ctx.scrubber.plain(value);
  if (Array.isArray(value)) return value.map((item) => plainJson(item, ctx));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [ctx.scrubber.plain(key), plainJson(item, ctx)]),
    );
  }
  return value;
}

const PLACEHOLDER_NAME = /^[a-zA-Z][a-zA-Z0-9_]*$/;

function isPlainObject(value: Json): value is Record<string, Json> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function stepMetadata(
  metadata: Record<string, Json> | undefined,
  ctx: Context,
): Record<string, string | number | boolean> | undefined {
  if (!metadata) return undefined;
  const kept: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(metadata)) {
    const ok = /^[a-z][a-z0-9_]{0,39}$/.test(key) && clean(key, ctx) &&
      (typeof value === "number" && Number.isFinite(value) && Math.abs(value) < 1e8 ||
        typeof value === "boolean" ||
        typeof value === "string" && value.length <= 200 && clean(value, ctx));
    if (ok) kept[key] = value as string | number | boolean;
    else {ctx.notes.count(
        "observation metadata entries dropped (not a short key with a plain, non-personal value)",
      );}
  }
  return Object.keys(kept).length > 0 ? kept : undefined;
}
