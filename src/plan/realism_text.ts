/**
 * Text measures of how real a load reads: what users say and agents answer, with numbers and
 * dates masked (a message that differs only in its order number or date reads the same to a
 * reviewer), counted per turn of each script, and whether the input tokens a generation reports
 * are what a tokenizer counts in the input it shows, plus what its script declares hidden. Pure.
 */
import { inputTokens } from "./tokens.ts";
import { DAYS, MONTHS } from "./calendar.ts";
import type { Json, ObservationPlan, TurnPlan } from "./types.ts";

const LONG_DATE = new RegExp(
  `\\b(?:${DAYS.join("|")}) \\d{1,2} (?:${MONTHS.join("|")})\\b`,
  "g",
);
const ISO = /\b\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z?)?\b/g;
const NUMBER = /\d+(?:[.,:]\d+)*/g;

/**
 * How far a generation's reported input tokens may be from the tokenizer's count and still fit:
 * this many tokens, or this share of the count when that is more (a provider's own framing
 * differs by a token or two).
 */
export const TOKEN_FIT_TOLERANCE = { tokens: 2, share: 0.01 } as const;

/** The text with its dates as `<date>` and every other number as `#`. */
export function maskNumbers(text: string): string {
  return text.replace(LONG_DATE, "<date>").replace(ISO, "<date>").replace(NUMBER, "#");
}

/** Content as text: a string as it is, anything else as its JSON. */
export function contentText(content: Json | undefined): string {
  return typeof content === "string" ? content : JSON.stringify(content ?? null);
}

/** One turn of one script, as the variety numbers name it. */
export interface TurnVariety {
  script: string;
  /** The turn's position in its session, from 1 (as the manifest numbers traces). */
  turn: number;
  kind: string;
  /** Sessions that played it. */
  plays: number;
  /** Distinct user messages (masked) in it. */
  distinctMessages: number;
  /** Distinct answers (masked) in it. */
  distinctAnswers: number;
}

/** The most common user message, masked. */
export interface TopMessage {
  text: string;
  count: number;
  script: string;
  turn: number;
  kind: string;
}

/**
 * Generations whose reported input tokens (every input usage type summed) are the tokenizer's
 * count of the input they show plus the hidden part their script declares.
 */
export interface TokenFit {
  /** How the input is counted: the tokenizer usage is counted with (src/plan/tokens.ts). */
  method: "tokenizer";
  /** Generations with usage. */
  generations: number;
  /** Those within TOKEN_FIT_TOLERANCE of their count. */
  fitting: number;
  /** fitting / generations (1 when there is none). */
  share: number;
  /** The generation furthest from its count, in tokens, among those that do not fit. */
  worst?: TokenMisfit;
}

/** A generation whose input tokens do not fit its input. */
export interface TokenMisfit {
  script: string;
  /** The turn's position in its session, from 1. */
  turn: number;
  name: string;
  /** Its input usage types summed. */
  reported: number;
  /** The tokenizer's count of its input plus its declared hidden tokens. */
  expected: number;
}

/** The text numbers of a load. */
export interface TextStats {
  /** Turns played. */
  turns: number;
  distinctUserMessages: number;
  distinctAnswers: number;
  top?: TopMessage;
  /** Each played turn position of each script, in script then turn order. */
  perTurn: TurnVariety[];
  tokenFit: TokenFit;
}

interface TurnTally {
  script: string;
  turn: number;
  kind: string;
  plays: number;
  messages: Set<string>;
  answers: Set<string>;
}

interface MessageTally {
  count: number;
  script: string;
  turn: number;
  kind: string;
}

/** Accumulates the text numbers turn by turn; keeps every distinct masked message once. */
export class TextCounter {
  #turns = 0;
  readonly #messages = new Map<string, MessageTally>();
  readonly #answers = new Set<string>();
  readonly #perTurn = new Map<string, TurnTally>();
  #generations = 0;
  #fitting = 0;
  #worst: TokenMisfit | undefined;

  /** Counts the turns of one session of `script`. */
  add(script: string, turns: readonly TurnPlan[]): void {
    for (const [position, turn] of turns.entries()) {
      this.#turns++;
      const message = maskNumbers(contentText(turn.root.input));
      const answer = maskNumbers(contentText(turn.root.output));
      const key = `${script}\u0000${position}`;
      let tally = this.#perTurn.get(key);
      if (!tally) {
        tally = {
          script,
          turn: position + 1,
          kind: turn.kind,
          plays: 0,
          messages: new Set(),
          answers: new Set(),
        };
        this.#perTurn.set(key, tally);
      }
      tally.plays++;
      tally.messages.add(message);
      tally.answers.add(answer);
      this.#answers.add(answer);
      const seen = this.#messages.get(message);
      if (seen) seen.count++;
      else {
        this.#messages.set(message, { count: 1, script, turn: position + 1, kind: turn.kind });
      }
      this.#fitTokens(script, position + 1, turn.root);
    }
  }

  #fitTokens(script: string, turn: number, root: ObservationPlan): void {
    const stack = [root];
    while (stack.length > 0) {
      const obs = stack.pop()!;
      stack.push(...obs.children);
      if (obs.type !== "generation" || !obs.usage) continue;
      this.#generations++;
      const reported = reportedInputTokens(obs.usage);
      const expected = inputTokens(obs.input, obs.model ?? "") + (obs.hiddenInputTokens ?? 0);
      if (tokensFit(reported, expected)) {
        this.#fitting++;
        continue;
      }
      const off = Math.abs(reported - expected);
      if (!this.#worst || off > Math.abs(this.#worst.reported - this.#worst.expected)) {
        this.#worst = { script, turn, name: obs.name, reported, expected };
      }
    }
  }

  /** The numbers so far. */
  stats(): TextStats {
    let top: TopMessage | undefined;
    for (const [text, tally] of this.#messages) {
      if (!top || tally.count > top.count) top = { text, ...tally };
    }
    return {
      turns: this.#turns,
      distinctUserMessages: this.#messages.size,
      distinctAnswers: this.#answers.size,
      ...(top ? { top } : {}),
      perTurn: [...this.#perTurn.values()].map((tally) => ({
        script: tally.script,
        turn: tally.turn,
        kind: tally.kind,
        plays: tally.plays,
        distinctMessages: tally.messages.size,
        distinctAnswers: tally.answers.size,
      })),
      tokenFit: {
        method: "tokenizer",
        generations: this.#generations,
        fitting: this.#fitting,
        share: this.#generations === 0 ? 1 : this.#fitting / this.#generations,
        ...(this.#worst ? { worst: { ...this.#worst } } : {}),
      },
    };
  }
}

/** Every input usage type summed: `input` counts what the others do not. */
function reportedInputTokens(usage: NonNullable<ObservationPlan["usage"]>): number {
  let sum = 0;
  for (const [type, count] of Object.entries(usage)) {
    // Audio and image tokens are not text the tokenizer can count against what is shown.
    if (type.startsWith("input") && !/audio|image/.test(type) && count !== undefined) sum += count;
  }
  return sum;
}

/** Whether `reported` input tokens are within TOKEN_FIT_TOLERANCE of `expected`. */
export function tokensFit(reported: number, expected: number): boolean {
  const { tokens, share } = TOKEN_FIT_TOLERANCE;
  return Math.abs(reported - expected) <= Math.max(tokens, share * expected);
}
