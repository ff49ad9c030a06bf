/**
 * The review layer as pure decisions: from the run's sessions and the review sections that
 * apply to them, which annotation queues must exist, which sessions or traces go into each,
 * and which comments go on which objects. Pure: no I/O; samples are drawn from the seed.
 *
 * Rules (see `src/script/schema_review.ts`): every criterion given must hold (`outcome`,
 * `score`, `failed`); `rate` then keeps that share of the matching objects, each drawn from the
 * seed, the queue or comment and the object id, so a re-run with the seed takes the same ones;
 * `includePlanted` also keeps every matching object with a planted finding. A list of rules
 * selects what any of them selects. A script's section selects among that script's sessions,
 * a `--review FILE` among all of the run's.
 *
 * @example
 * ```ts
 * const selector = new ReviewSelector([{ label: "order-status.yaml", review, scripts: ["order-status"] }], 42);
 * for (const plan of plans) selector.add(plan);
 * const { queues, comments } = selector.result();
 * ```
 */
import type { ReviewInput, ReviewRuleInput } from "../script/schema_review.ts";
import type { ScoreConfigSpec } from "./resources.ts";
import { Rng } from "./random.ts";
import type { ObservationPlan, PlantedFinding, SessionPlan } from "./types.ts";

/** A review section and the sessions it selects among. */
export interface ReviewSource {
  /** Where it is declared (a file name), for messages. */
  label: string;
  review: ReviewInput;
  /** Names of the scripts whose sessions it applies to; absent: every session of the run. */
  scripts?: readonly string[];
}

/** Two declarations of one queue or config that disagree; the CLI exits 3 and names both. */
export class ReviewConflictError extends Error {
  override readonly name = "ReviewConflictError";
}

/** A queue the run needs, with the objects its rules selected, in selection order. */
export interface QueuePlan {
  name: string;
  description?: string;
  objectType: "SESSION" | "TRACE";
  /** Names of the score configs reviewers fill in. */
  scoreConfigs: string[];
  items: { objectType: "SESSION" | "TRACE"; objectId: string; planted: boolean }[];
}

/** A comment the run writes. */
export interface CommentPlan {
  objectType: "SESSION" | "TRACE" | "OBSERVATION";
  objectId: string;
  /** An observation's trace, so `verify --sample` knows whose session the comment is in. */
  traceId?: string;
  /** Trimmed, as Langfuse stores it. */
  content: string;
}

/** Everything the review layer has to make exist. */
export interface ReviewPlan {
  queues: QueuePlan[];
  comments: CommentPlan[];
}

/** Planted findings of a plan (the answer key, never sent). */
function findingsOf(plan: SessionPlan): readonly PlantedFinding[] {
  return plan.findings ?? [];
}

/** What a rule can look at: one session, or one trace of it. */
interface Subject {
  objectId: string;
  outcomes: Set<string>;
  scores: { name: string; value: number | string }[];
  failed: boolean;
  planted: boolean;
}

/** One queue item or comment and the index of the session it came from. */
interface Indexed<T> {
  at: number;
  value: T;
}

/** A queue's item as selected. */
type QueueItem = QueuePlan["items"][number];

/**
 * What a selector selected, as plain data with each object's session index, so selectors of
 * one run's parts (worker threads) can be joined into the result one selector would give.
 */
export interface ReviewSelection {
  items: Record<string, Indexed<QueueItem>[]>;
  comments: Indexed<CommentPlan>[];
}

/**
 * Collects the review plan of a run session by session (load runs stream their sessions).
 * The result is ordered by session index, so it does not depend on which sessions a selector
 * saw first: a run split across threads, each with its selector, joins to the same plan.
 */
export class ReviewSelector {
  readonly #sources: readonly ReviewSource[];
  readonly #seed: number;
  readonly #queues = new Map<string, QueuePlan>();
  readonly #items = new Map<string, Indexed<QueueItem>[]>();
  readonly #seen = new Map<string, Set<string>>();
  readonly #comments: Indexed<CommentPlan>[] = [];
  readonly #commentKeys = new Set<string>();
  #added = 0;

  /** Merges the sources' queues by name; throws ReviewConflictError when they disagree. */
  constructor(sources: readonly ReviewSource[], seed: number) {
    this.#sources = sources;
    this.#seed = seed;
    const declaredIn = new Map<string, string>();
    for (const source of sources) {
      for (const queue of source.review.queues ?? []) {
        const plan: QueuePlan = {
          name: queue.name,
          ...(queue.description !== undefined ? { description: queue.description } : {}),
          objectType: queue.objectType,
          scoreConfigs: [...queue.scoreConfigs],
          items: [],
        };
        const earlier = this.#queues.get(queue.name);
        if (earlier && !sameQueue(earlier, plan)) {
          throw new ReviewConflictError(
            `${source.label}: queue "${queue.name}" is declared differently in ` +
              `${declaredIn.get(queue.name)}: give it the same description, objectType and ` +
              "scoreConfigs everywhere, or another name",
          );
        }
        if (!earlier) {
          this.#queues.set(queue.name, plan);
          this.#items.set(queue.name, []);
          this.#seen.set(queue.name, new Set());
          declaredIn.set(queue.name, source.label);
        }
      }
    }
    reviewConfigsOf(sources); // Conflicting review-only configs fail here, before anything is sent.
  }

  /** Whether any source declares a queue or a comment. */
  get empty(): boolean {
    return this.#sources.every((s) =>
      (s.review.queues ?? []).length === 0 && (s.review.comments ?? []).length === 0
    );
  }

  /** Selects from one session; `at` is its index in the run (default: the order of adding). */
  add(plan: SessionPlan, at: number = this.#added): void {
    this.#added = Math.max(this.#added, at + 1);
    if (plan.turns.length === 0) return;
    const findings = findingsOf(plan);
    const session = sessionSubject(plan, findings);
    const traces = plan.turns.map((turn) => ({
      turn,
      subject: traceSubject(plan, turn.index, findings),
    }));
    for (const source of this.#sources) {
      if (source.scripts && !source.scripts.includes(plan.script)) continue;
      for (const queue of source.review.queues ?? []) {
        const subjects = queue.objectType === "SESSION" ? [session] : traces.map((t) => t.subject);
        for (const subject of subjects) {
          if (this.#seen.get(queue.name)!.has(subject.objectId)) continue;
          if (!this.#selects(queue.select, subject, `queue:${queue.name}`)) continue;
          this.#addItem(queue.name, {
            at,
            value: {
              objectType: queue.objectType,
              objectId: subject.objectId,
              planted: subject.planted,
            },
          });
        }
      }
      for (const [c, comment] of (source.review.comments ?? []).entries()) {
        const label = `comment:${source.label}:${c}`;
        const content = comment.content.trim();
        const push = (objectType: CommentPlan["objectType"], objectId: string, traceId?: string) =>
          this.#addComment({
            at,
            value: { objectType, objectId, ...(traceId ? { traceId } : {}), content },
          });
        if (comment.on === "session") {
          if (this.#selects(comment.select, session, label)) push("SESSION", session.objectId);
          continue;
        }
        for (const { turn, subject } of traces) {
          if (!this.#selects(comment.select, subject, label)) continue;
          if (comment.on === "trace") push("TRACE", subject.objectId);
          else {
            for (const obs of observations(turn.root)) {
              if (obs.name === comment.step) push("OBSERVATION", obs.spanId, turn.traceId);
            }
          }
        }
      }
    }
  }

  /** What this selector selected, with session indices, for {@link absorb} elsewhere. */
  selection(): ReviewSelection {
    return { items: Object.fromEntries(this.#items), comments: [...this.#comments] };
  }

  /** Takes in another selector's selection (of other sessions of the same run and sources). */
  absorb(selection: ReviewSelection): void {
    for (const [queue, items] of Object.entries(selection.items)) {
      if (!this.#queues.has(queue)) throw new Error(`a selection names unknown queue "${queue}"`);
      for (const item of items) {
        if (!this.#seen.get(queue)!.has(item.value.objectId)) this.#addItem(queue, item);
      }
    }
    for (const comment of selection.comments) this.#addComment(comment);
  }

  /** The queues (in declaration order) with their items, and the comments, by session index. */
  result(): ReviewPlan {
    const ordered = <T>(list: Indexed<T>[]) =>
      // Stable: one session's objects keep the order they were selected in.
      [...list].sort((a, b) => a.at - b.at).map((entry) => entry.value);
    return {
      queues: [...this.#queues.values()].map((q) => ({
        ...q,
        items: ordered(this.#items.get(q.name)!),
      })),
      comments: ordered(this.#comments),
    };
  }

  #addItem(queue: string, item: Indexed<QueueItem>): void {
    this.#seen.get(queue)!.add(item.value.objectId);
    this.#items.get(queue)!.push(item);
  }

  #addComment(comment: Indexed<CommentPlan>): void {
    const { objectType, objectId, content } = comment.value;
    const key = `${objectType}:${objectId}:${content}`;
    if (this.#commentKeys.has(key)) return;
    this.#commentKeys.add(key);
    this.#comments.push(comment);
  }

  #selects(select: ReviewRuleInput | ReviewRuleInput[] | undefined, s: Subject, label: string) {
    if (select === undefined) return true;
    const rules = Array.isArray(select) ? select : [select];
    return rules.some((rule, r) => this.#matches(rule, s, `${label}:${r}`));
  }

  #matches(rule: ReviewRuleInput, subject: Subject, label: string): boolean {
    if (rule.outcome !== undefined) {
      const wanted = Array.isArray(rule.outcome) ? rule.outcome : [rule.outcome];
      if (!wanted.some((o) => subject.outcomes.has(o))) return false;
    }
    if (rule.score !== undefined) {
      const { name, value } = rule.score;
      if (!subject.scores.some((s) => s.name === name && String(s.value) === String(value))) {
        return false;
      }
    }
    if (rule.failed !== undefined && subject.failed !== rule.failed) return false;
    if (rule.includePlanted && subject.planted) return true;
    if (rule.rate === undefined || rule.rate >= 1) return true;
    return new Rng(this.#seed, `review/${label}/${subject.objectId}`).next() < rule.rate;
  }
}

/**
 * A review-only score config a run needs: a resources score config spec whose `values` are empty
 * (reviewers fill it in) and whose `place` is e.g. "conversations/x.yaml: review.scoreConfigs[0]".
 */
export type ReviewScoreConfigSpec = ScoreConfigSpec;

/**
 * The review-only score configs of the sources, each name once, for the resources step to
 * ensure before the first span; throws ReviewConflictError when one name is declared twice
 * differently.
 */
export function reviewConfigsOf(sources: readonly ReviewSource[]): ReviewScoreConfigSpec[] {
  const out = new Map<string, ReviewScoreConfigSpec>();
  for (const source of sources) {
    for (const [i, config] of (source.review.scoreConfigs ?? []).entries()) {
      const spec: ReviewScoreConfigSpec = {
        name: config.name,
        dataType: config.dataType,
        ...(config.categories ? { categories: [...config.categories] } : {}),
        ...(config.range ? { range: { ...config.range } } : {}),
        ...(config.description !== undefined ? { description: config.description } : {}),
        values: [],
        place: `${source.label}: review.scoreConfigs[${i}]`,
      };
      const earlier = out.get(config.name);
      if (earlier === undefined) out.set(config.name, spec);
      else if (!sameConfig(earlier, spec)) {
        throw new ReviewConflictError(
          `${spec.place}: score config "${config.name}" is declared differently in ` +
            `${earlier.place}`,
        );
      }
    }
  }
  return [...out.values()];
}

function sessionSubject(plan: SessionPlan, findings: readonly PlantedFinding[]): Subject {
  return {
    objectId: plan.sessionId,
    outcomes: new Set(plan.turns.map((t) => t.outcome)),
    scores: plan.scores.map(({ name, value }) => ({ name, value })),
    failed: plan.turns.some((t) => observations(t.root).some((o) => o.level === "ERROR")),
    planted: findings.length > 0,
  };
}

function traceSubject(
  plan: SessionPlan,
  index: number,
  findings: readonly PlantedFinding[],
): Subject {
  const turn = plan.turns.find((t) => t.index === index)!;
  return {
    objectId: turn.traceId,
    outcomes: new Set([turn.outcome]),
    scores: plan.scores.filter((s) => s.traceId === turn.traceId).map(({ name, value }) => ({
      name,
      value,
    })),
    failed: observations(turn.root).some((o) => o.level === "ERROR"),
    planted: findings.some((f) => f.traceId === turn.traceId),
  };
}

/** Every observation of a tree, root first, in depth-first order. */
function observations(root: ObservationPlan): ObservationPlan[] {
  const out: ObservationPlan[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const obs = stack.pop()!;
    out.push(obs);
    for (let i = obs.children.length - 1; i >= 0; i--) stack.push(obs.children[i]);
  }
  return out;
}

function sameQueue(a: QueuePlan, b: QueuePlan): boolean {
  return a.description === b.description && a.objectType === b.objectType &&
    a.scoreConfigs.join("\n") === b.scoreConfigs.join("\n");
}

function sameConfig(a: ReviewScoreConfigSpec, b: ReviewScoreConfigSpec): boolean {
  const { place: _a, ...x } = a;
  const { place: _b, ...y } = b;
  return JSON.stringify(x) === JSON.stringify(y);
}
