/**
 * Plans one session from a script: pure and deterministic for a seed and an end (or start)
 * time. Timing is drawn first (layout.ts) and content rendered at those times; then the numbers
 * that follow the content (token usage, cost, streamed generations' durations) are settled, and
 * the turns are laid out so the last one ends at `endMs` (or the first starts at `startMs`),
 * separated by think time. In load mode (`branching`) the session may stop early or skip turns,
 * steps may fail at their declared rate (with the consequences in failures.ts), and scores
 * follow outcomes and planted findings.
 */
import { parseIdFormat } from "../script/privacy.ts";
import type { ScoreInput, ScriptInput, StepInput } from "../script/schema.ts";
import { type ChatMessage, mainGeneration, turnMessages, withHistory } from "./chat.ts";
import { ContentRenderer } from "./content.ts";
import { countedUsage, modelCost, PromptCache } from "./counted_usage.ts";
import {
  type Consequence,
  drawFailure,
  failureOutcome,
  type PlannedFailure,
  showFailures,
} from "./failures.ts";
import { choosePlanting, replaceAnswer, replaceQuestion } from "./findings.ts";
import { draw, type Layout, layoutTurn, place, streamed } from "./layout.ts";
import { openAiMessages } from "./messages.ts";
import { promptInput } from "./prompt_render.ts";
import type { PromptDeclarationInput } from "../script/schema_prompts.ts";
import { drawPersona, personaMetadata, personaVars } from "./persona.ts";
import { hashHex, Rng } from "./random.ts";
import { messageTokens } from "./tokens.ts";
import type {
  Json,
  ObservationPlan,
  PlantedFinding,
  ScorePlan,
  SessionPlan,
  TurnPlan,
} from "./types.ts";

import { applyStress } from "./stress.ts";

export { draw } from "./layout.ts";

/** How to plan a session. */
export interface PlanOptions {
  /** Seed for ids, timing and content. */
  seed: number;
  /** When the session's last turn ends, epoch ms (ignored when `startMs` is given). */
  endMs: number;
  /** When the session's first turn starts, epoch ms; default: worked out back from `endMs`. */
  startMs?: number;
  /** The script's file, for reports. */
  file: string;
  /** Separates the random streams of scripts planned with one seed; default the script name. */
  label?: string;
  /**
   * Load mode: draw which turns a session reaches (`reach`, `when`) and which steps fail
   * (`error.rate`); default false plays every turn as written and injects no failure.
   */
  branching?: boolean;
  /** Share of leaf steps that become slow outliers (3 to 8 times as long); default 0. */
  outlierRate?: number;
  /** Use these ids instead of the script's (load mode draws them per session). */
  sessionId?: string;
  userId?: string;
  /** The run's id: sent as trace metadata `run_id`, with the tag `synthetic`, on every trace. */
  runId?: string;
  /**
   * Plant this finding (a name from `FINDINGS`): the script's first variant of it whose turn
   * the session plays, whatever `findings.rate` says. Default: a replay plants none, load mode
   * (`branching`) plants at the script's rate. Throws PlantError when it cannot.
   */
  plant?: string;
}

/** Plans a session: ids, timestamps and rendered content for every turn. */
export function planSession(script: ScriptInput, options: PlanOptions): SessionPlan {
  const rng = new Rng(options.seed, options.label ?? script.name);
  const anchorMs = options.startMs ?? options.endMs;
  // Ids come from the seed and the time anchor: the same seed at another time gives other
  // trace and span ids, never a second row of one id (Langfuse v4 keys rows by start time).
  const ids = rng.fork(`ids@${anchorMs}`);
  const timing = rng.fork("timing");
  const sessionId = options.sessionId ??
    resolveId(script.session.id, rng.fork(`session@${anchorMs}`));
  const userId = options.userId ?? resolveId(script.user.id, rng.fork("user"));
  const persona = drawPersona(script, userId);
  const builtins = { sessionId, userId, ...personaVars(persona) };

  // A replay plays one path too: every turn the drawn vars lead to, without drawn failures or
  // early ends (a session that plays every `when` alternative asks the same thing twice).
  const selection = selectTurns(script, rng.fork("branch"), () => {
    // Var values decide `when`; picks do not depend on the anchor time, so drawing them at
    // the anchor gives the same values the real renderer draws below.
    const provisional = new ContentRenderer(rng.fork("content"), anchorMs, builtins);
    provisional.drawVars(script.vars ?? {}, anchorMs);
    return provisional;
  }, { branching: options.branching ?? false });

  const planting = choosePlanting(
    script,
    selection.map(({ index }) => index),
    { plant: options.plant, branching: options.branching ?? false },
    rng.fork("findings"),
  );
  // late_escalation: before the escalation turn, a turn like the one before it answers the
  // escalation request without escalating. Its ids, timing and content come from streams of
  // their own, so every other turn is drawn as in the session without the finding.
  const entries: PlayedTurn[] = selection.map((selected) => ({ ...selected, stall: false }));
  if (planting?.variant.finding === "late_escalation") {
    entries.splice(planting.position, 0, {
      index: selection[planting.position - 1].index,
      failed: new Map(),
      stall: true,
    });
  }
  const changed = planting && planting.variant.finding !== "late_escalation"
    ? planting.position
    : undefined;
  const stallAt = entries.findIndex((entry) => entry.stall);

  const layoutOptions = { outlierRate: options.outlierRate ?? 0 };
  const layouts = entries.map(({ index, failed, stall }) =>
    layoutTurn(
      script.turns[index],
      script.trace.name,
      timing.fork(stall ? `turn${index}:stall` : `turn${index}`),
      { ...layoutOptions, failed },
    )
  );
  const thinks = entries.map(({ index, stall }, position) =>
    position === 0 ? 0 : draw(
      script.turns[index].thinkTime ?? script.timing.thinkTime,
      timing.fork(stall ? `think${index}:stall` : `think${index}`),
    )
  );
  // Content is rendered at times worked out from the drawn timing; streamed generations then
  // take as long as their output, and the turns are laid out again below. The content's dates
  // may be a few seconds off the final times, which no reader can tell.
  const sessionMs = () =>
    layouts.reduce((sum, layout, t) => sum + layout.durationMs + thinks[t], 0);
  const startMs = options.startMs ?? options.endMs - sessionMs();

  const content = new ContentRenderer(rng.fork("content"), startMs, builtins);
  content.drawVars(script.vars ?? {}, startMs);
  const plantedContent = planting && content.withStream(rng.fork("findings/content"));
  const stallIds = rng.fork(`ids@${anchorMs}/findings`);
  const prompts = declaredPrompts(script);

  let cursor = startMs;
  const history: ChatMessage[] = [];
  const promptCache = new PromptCache();
  const turns: TurnPlan[] = [];
  for (const [position, { index, failed, stall }] of entries.entries()) {
    const turn = script.turns[index];
    cursor += thinks[position];
    const renderer = stall ? plantedContent! : content;
    const turnIds = stall ? stallIds : ids;
    const traceId = turnIds.hex(32);
    const failures: PlannedFailure[] = [];
    const root = materialize(layouts[position], cursor, {
      ids: turnIds,
      content: renderer,
      failures,
      prompts,
    });
    root.input = renderer.render(turn.input, cursor);
    root.output = renderer.render(turn.output, cursor);
    const mainStep = mainGeneration(turn);
    const main = mainStep && findObservation(layouts[position], root, mainStep);
    showFailures(root, failures);
    // The first failure that declares an answer gives the turn's answer.
    const failedAnswer = [...failed.values()].find((consequence) => consequence.answer)?.answer;
    if (failedAnswer !== undefined) {
      replaceAnswer(root, main, renderer.render(failedAnswer as Json, cursor));
    }
    if (planting && plantedContent) {
      const variant = planting.variant;
      if (stall) {
        // The escalation request, answered like the turn before it.
        const request = script.turns[entries[position + 1].index].input;
        replaceQuestion(root, plantedContent.render(request, cursor));
        replaceAnswer(root, main, plantedContent.render(variant.output as Json, cursor));
      } else if (position === stallAt + 1 && stallAt >= 0) {
        replaceQuestion(root, plantedContent.render(variant.repeatedInput as Json, cursor));
      } else if (position === changed) {
        replaceAnswer(
          root,
          main,
          variant.finding === "repeated_answer"
            ? turns[position - 1].root.output as Json
            : plantedContent.render(variant.output as Json, cursor),
        );
      } else if (
        changed !== undefined && position === changed + 1 && variant.reaction !== undefined &&
        typeof root.input === "string"
      ) {
        // The user reacts to the finding before saying what the turn says.
        const reaction = plantedContent.render(variant.reaction as Json, cursor);
        replaceQuestion(root, `${reaction} ${root.input}`);
      }
    }
    // A run that is not a chat (an evaluation's test cases) carries no conversation.
    const inserted = main && mainStep && script.chat !== false
      ? withHistory(main, mainStep, history)
      : [];
    history.push(...turnMessages(root.input, root.output));
    settleNumbers(layouts[position], root, { prompts: promptCache, main, inserted });
    cursor = root.endMs;
    const firstFailure = [...failed.values()][0];
    const outcome = firstFailure ? failureOutcome(firstFailure) : turn.outcome;
    turns.push({ index: position, kind: turn.kind, outcome, traceId, root });
  }
  cursor = options.startMs ?? options.endMs - sessionMs();
  for (const [position, turn] of turns.entries()) {
    cursor += thinks[position];
    placeTimes(layouts[position], turn.root, cursor);
    cursor = turn.root.endMs;
  }

  const findings: PlantedFinding[] = planting
    ? [{
      finding: planting.variant.finding,
      turn: (stallAt >= 0 ? stallAt : planting.position) + 1,
      traceId: turns[stallAt >= 0 ? stallAt : planting.position].traceId,
    }]
    : [];

  const metadata: Record<string, string> = Object.fromEntries(
    Object.entries(script.trace.metadata).filter((entry): entry is [string, string] =>
      typeof entry[1] === "string"
    ),
  );
  Object.assign(metadata, personaMetadata(script, persona));
  if (options.runId) metadata.run_id = options.runId;
  const scoreRng = rng.fork("scores");
  const stallScoreRng = rng.fork("scores/findings");
  const branching = options.branching ?? false;
  // A finding shifts the scores of its session, and of its turn and the turns after it.
  const finding = findings[0];
  const scores: ScorePlan[] = turns.flatMap((turn, position) =>
    planScores(
      script.turns[entries[position].index].scores ?? [],
      turn.outcome,
      { traceId: turn.traceId },
      entries[position].stall ? stallScoreRng : scoreRng,
      { branching, finding: finding && position + 1 >= finding.turn ? finding.finding : undefined },
    )
  );
  const lastOutcome = turns.at(-1)?.outcome;
  if (lastOutcome) {
    scores.push(
      ...planScores(script.scores ?? [], lastOutcome, { sessionId }, scoreRng, {
        branching,
        finding: finding?.finding,
      }),
    );
  }
  const plan: SessionPlan = {
    script: script.name,
    file: options.file,
    seed: options.seed,
    sessionId,
    userId,
    traceName: script.trace.name,
    version: script.trace.version,
    release: script.trace.release,
    environment: metadata.environment,
    tags: options.runId ? [...script.trace.tags, "synthetic"] : script.trace.tags,
    metadata,
    turns,
    scores,
    findings,
  };
  if (!script.stress) return plan;
  return applyStress(plan, script.stress, {
    rng: rng.fork(`stress@${anchorMs}`),
    ...(options.startMs === undefined ? { endMs: options.endMs } : {}),
  });
}

/** How scores are drawn for one trace or session. */
interface ScoreOptions {
  /** Load mode: rates, weights per outcome and finding, comments per value. */
  branching: boolean;
  /** The finding planted on this trace (or an earlier turn) or session, if any. */
  finding?: string;
}

/**
 * The scores of a trace or session: as written in a replay; in load mode each is given at its
 * `rate` and its value drawn from the weights for the outcome, times the factors for a planted
 * finding, so feedback follows outcomes and findings. A score whose weights all come to 0 is
 * not given. Each value carries its own comment, never another value's.
 */
function planScores(
  scores: ScoreInput[],
  outcome: string,
  target: { traceId: string } | { sessionId: string },
  rng: Rng,
  options: ScoreOptions,
): ScorePlan[] {
  const planned: ScorePlan[] = [];
  const targetId = "traceId" in target ? target.traceId : target.sessionId;
  for (const score of scores) {
    let value: number | string = score.value;
    if (options.branching) {
      if (rng.next() >= (score.rate ?? 1)) continue;
      const weights = score.byOutcome?.[outcome as keyof typeof score.byOutcome] ?? {};
      const factors = options.finding === undefined
        ? undefined
        : score.byFinding?.[options.finding as keyof typeof score.byFinding];
      const given: [string, number][] = Object.keys(weights).length > 0
        ? Object.entries(weights)
        : [[String(score.value), 1]];
      const entries = given.map(([key, weight]): [string, number] => [
        key,
        weight * (factors?.[key] ?? 1),
      ]);
      let total = 0;
      for (const [, weight] of entries) total += weight;
      if (total === 0) continue;
      if (entries.length > 1) {
        let draw = rng.next() * total;
        const [key] = entries.find(([, weight]) => (draw -= weight) < 0) ?? entries.at(-1)!;
        value = score.dataType === "CATEGORICAL" ? key : Number(key);
      }
    }
    const comment = commentOf(score, value, rng);
    planned.push({
      id: `sr_${hashHex(`${targetId}:${score.name}`)}`,
      name: score.name,
      dataType: score.dataType,
      value,
      ...(comment ? { comment } : {}),
      ...target,
    });
  }
  return planned;
}

/** The comment of a score's value: from `comments` (one wording picked), else `comment` for `value`. */
function commentOf(score: ScoreInput, value: number | string, rng: Rng): string | undefined {
  const given = score.comments?.[String(value)];
  if (typeof given === "string") return given;
  if (given) return given.length === 1 ? given[0] : rng.pick(given);
  return value === score.value ? score.comment : undefined;
}

/** A turn a session reaches, and the steps that fail in it with what follows each failure. */
interface SelectedTurn {
  index: number;
  failed: Map<StepInput, Consequence>;
}

/** A turn as played: a selected one, or the turn a late_escalation inserts (`stall`). */
interface PlayedTurn extends SelectedTurn {
  stall: boolean;
}

/** The observation materialized from `step` (layouts and observations share one shape). */
function findObservation(
  layout: Layout,
  observation: ObservationPlan,
  step: StepInput,
): ObservationPlan | undefined {
  if (layout.step === step) return observation;
  for (const [i, child] of layout.children.entries()) {
    const found = findObservation(child, observation.children[i], step);
    if (found) return found;
  }
  return undefined;
}

/**
 * Draws the turns a session reaches: `when` conditions checked in order, and in load mode one
 * uniform draw against each turn's absolute `reach` (so reach 1, 0.4, 0.15 ends 60% after the
 * first turn, 25% after the second) and each step's injected failure drawn at its `error.rate`
 * with its consequence; a consequence that ends the conversation ends it after its turn.
 */
function selectTurns(
  script: ScriptInput,
  rng: Rng,
  vars: () => ContentRenderer,
  options: { branching: boolean },
): SelectedTurn[] {
  // Load mode (`branching`) also cuts sessions short at `reach` and draws step failures.
  const depth = options.branching ? rng.next() : 0;
  let renderer: ContentRenderer | undefined;
  let anyFailed = false;
  const selected: SelectedTurn[] = [];
  for (const [index, turn] of script.turns.entries()) {
    if (depth >= (turn.reach ?? 1)) break;
    if (turn.when && "failed" in turn.when && turn.when.failed !== anyFailed) continue;
    if (turn.when && "var" in turn.when) {
      renderer ??= vars();
      if (!turn.when.in.includes(String(renderer.varValue(turn.when.var)))) continue;
    }
    const failed = new Map<StepInput, Consequence>();
    const stack = [...turn.steps];
    while (stack.length > 0) {
      const step = stack.shift()!;
      if (step.level === "ERROR") anyFailed = true;
      const consequence = options.branching && step.error &&
        drawFailure(step.error, rng.fork(`error${index}:${step.name}`));
      if (consequence) {
        failed.set(step, consequence);
        anyFailed = true;
      }
      stack.push(...(step.steps ?? []));
    }
    selected.push({ index, failed });
    if ([...failed.values()].some((consequence) => consequence.end)) break;
  }
  return selected;
}

/** A literal id as it is, or a generated one drawn from its format. */
export function resolveId(id: string, rng: Rng): string {
  const format = parseIdFormat(id);
  if (!format) return id;
  return format.prefix +
    (format.alphabet === "hex" ? rng.hex(format.length) : rng.alnum(format.length));
}

/** What settling a turn's numbers needs besides its timing and observations. */
interface SettleContext {
  /** The session's earlier prompts, for cached input tokens. */
  prompts: PromptCache;
  /** The turn's main generation and the earlier turns' messages put into it. */
  main: ObservationPlan | undefined;
  inserted: ChatMessage[];
}

/**
 * Settles the numbers that follow a turn's content, in document order: each model call's usage
 * and cost, and a streamed generation's duration; then lays the turn out again.
 */
function settleNumbers(root: Layout, observation: ObservationPlan, context: SettleContext): void {
  const visit = (layout: Layout, obs: ObservationPlan) => {
    const { step } = layout;
    if (isModelCall(step)) {
      const model = step.model ?? "";
      const historyTokens = obs === context.main
        ? context.inserted.reduce((sum, message) => sum + messageTokens(message, model), 0)
        : 0;
      obs.usage = countedUsage(step, obs, {
        fixed: layout.usage,
        historyTokens,
        failed: layout.failed,
        cache: context.prompts,
      });
      const cost = modelCost(step, obs.usage);
      if (cost) obs.cost = cost;
      if (obs.usage.output !== undefined) streamed(layout, obs.usage.output);
    }
    layout.children.forEach((child, i) => visit(child, obs.children[i]));
  };
  visit(root, observation);
  place(root);
}

/** Puts a turn's observations at their final times, the root starting at `startMs`. */
function placeTimes(layout: Layout, obs: ObservationPlan, startMs: number): void {
  obs.startMs = startMs;
  obs.endMs = startMs + layout.durationMs;
  if (layout.ttftMs !== undefined) obs.completionStartMs = startMs + layout.ttftMs;
  layout.children.forEach((child, i) =>
    placeTimes(child, obs.children[i], startMs + child.offsetMs)
  );
}

/** Whether a step calls a model: a generation or an embedding (model, usage and cost). */
function isModelCall(step: StepInput): boolean {
  return step.type === "generation" || step.type === "embedding";
}

/** What materializing a turn draws from and collects. */
interface MaterializeContext {
  ids: Rng;
  content: ContentRenderer;
  /** Collects the turn's failed steps (with their retries), in document order. */
  failures: PlannedFailure[];
  /** The script's declared prompts by name, rendered at the head of linked generations. */
  prompts: ReadonlyMap<string, PromptDeclarationInput>;
}

/** The declared prompts of a loaded script by name (none while `prompts:` is still a path). */
function declaredPrompts(script: ScriptInput): Map<string, PromptDeclarationInput> {
  return new Map(
    (Array.isArray(script.prompts) ? script.prompts : []).map((prompt) => [prompt.name, prompt]),
  );
}

function materialize(
  layout: Layout,
  parentStartMs: number,
  context: MaterializeContext,
): ObservationPlan {
  const { step } = layout;
  const { ids, content } = context;
  const startMs = parentStartMs + layout.offsetMs;
  const observation: ObservationPlan = {
    spanId: ids.hex(16),
    name: step.name,
    type: step.type,
    startMs,
    endMs: startMs + layout.durationMs,
    children: [],
  };
  if (step.level) observation.level = step.level;
  if (step.statusMessage) observation.statusMessage = step.statusMessage;
  if (step.metadata) observation.metadata = step.metadata;
  if (layout.attempt) observation.metadata = { ...step.metadata, attempt: layout.attempt };
  if (isModelCall(step)) {
    if (step.model !== undefined) observation.model = step.model;
    if (step.modelParameters) observation.modelParameters = step.modelParameters;
    if (step.hiddenInputTokens) observation.hiddenInputTokens = step.hiddenInputTokens;
  }
  if (step.type === "generation") {
    const prompt = typeof step.prompt === "string" ? context.prompts.get(step.prompt) : undefined;
    if (prompt) {
      const variables: Record<string, string> = {};
      for (const [name, value] of Object.entries(step.promptVariables ?? {})) {
        const rendered = content.render(value, startMs);
        variables[name] = typeof rendered === "string" ? rendered : JSON.stringify(rendered);
      }
      const messages = content.render((step.messages ?? []) as Json, startMs) as Json[];
      observation.input = openAiMessages(promptInput(prompt, variables, messages));
    } else if (step.messages) {
      observation.input = openAiMessages(content.render(step.messages as Json, startMs));
    }
    if (typeof step.prompt === "string") observation.promptRef = step.prompt;
    else if (step.prompt) observation.prompt = step.prompt;
  }
  if (step.input !== undefined) observation.input = content.render(step.input as Json, startMs);
  if (step.output !== undefined) observation.output = content.render(step.output as Json, startMs);
  if (layout.failed && step.error) {
    observation.level = "ERROR";
    observation.statusMessage = step.error.message;
    observation.output = step.error.output === undefined
      ? { error: step.error.message }
      : content.render(step.error.output as Json, startMs);
  }
  const children = layout.children;
  observation.children = children.map((child) => materialize(child, startMs, context));
  for (const [i, child] of children.entries()) {
    if (!child.failed) continue;
    const retry = child.retry && observation.children[children.indexOf(child.retry)];
    context.failures.push({ failed: observation.children[i], ...(retry ? { retry } : {}) });
  }
  return observation;
}
