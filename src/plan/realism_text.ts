/**
 * Text measures of how real a load reads: what users say and agents answer, with numbers and
 * dates masked (a message that differs only in its order number or date reads the same to a
 * reviewer), counted per turn of each script, and how many input tokens a generation reports
 * for the text it shows. Pure.
 */
import { TOKENS_PER_MESSAGE } from "./tokens.ts";
import { DAYS, MONTHS } from "./calendar.ts";
import type { Json, ObservationPlan, TurnPlan } from "./types.ts";

const LONG_DATE = new RegExp(
  `\\b(?:${DAYS.join("|")}) \\d{1,2} (?:${MONTHS.join("|")})\\b`,
  "g",
);
const ISO = /\b\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z?)?\b/g;
const NUMBER = /\d+(?:[.,:]\d+)*/g;

/**
 * Tokens per character of English text and JSON with OpenAI's tokenizers: about four
 * characters a token.
 */
export const TEXT_TOKENS_PER_CHARACTER = 0.25;

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

/** A generation's input tokens against the text its input shows, summed per name. */
export interface TokenFit {
  /** How the visible text is counted: characters, until a tokenizer counts tokens. */
  method: "characters";
  generations: number;
  inputTokens: number;
  visibleCharacters: number;
  /** inputTokens / visibleCharacters (0 when nothing was counted). */
  tokensPerCharacter: number;
  /** The generation (script and name) whose ratio is furthest from TEXT_TOKENS_PER_CHARACTER. */
  worst?: { script: string; name: string; tokensPerCharacter: number };
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
  readonly #tokens = new Map<
    string,
    { script: string; name: string; tokens: number; chars: number }
  >();
  #generations = 0;

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
      this.#countTokens(script, turn.root);
    }
  }

  #countTokens(script: string, root: ObservationPlan): void {
    const stack = [root];
    while (stack.length > 0) {
      const obs = stack.pop()!;
      stack.push(...obs.children);
      if (obs.type !== "generation" || !obs.usage) continue;
      this.#generations++;
      const key = `${script}\u0000${obs.name}`;
      let sum = this.#tokens.get(key);
      if (!sum) this.#tokens.set(key, sum = { script, name: obs.name, tokens: 0, chars: 0 });
      sum.tokens += inputTokens(obs.usage);
      sum.chars += visibleCharacters(obs.input);
    }
  }

  /** The numbers so far. */
  stats(): TextStats {
    let top: TopMessage | undefined;
    for (const [text, tally] of this.#messages) {
      if (!top || tally.count > top.count) top = { text, ...tally };
    }
    let tokens = 0;
    let chars = 0;
    for (const sum of this.#tokens.values()) {
      tokens += sum.tokens;
      chars += sum.chars;
    }
    let worst: TokenFit["worst"];
    for (const sum of this.#tokens.values()) {
      const own = ratio(sum.tokens, sum.chars);
      if (own === 0) continue;
      if (!worst || offText(own) > offText(worst.tokensPerCharacter)) {
        worst = { script: sum.script, name: sum.name, tokensPerCharacter: own };
      }
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
        method: "characters",
        generations: this.#generations,
        inputTokens: tokens,
        visibleCharacters: chars,
        tokensPerCharacter: ratio(tokens, chars),
        ...(worst ? { worst } : {}),
      },
    };
  }
}

/** Every input usage type summed: `input` counts what the others do not. */
function inputTokens(usage: NonNullable<ObservationPlan["usage"]>): number {
  let sum = 0;
  for (const [type, count] of Object.entries(usage)) {
    if (type.startsWith("input") && count !== undefined) sum += count;
  }
  return sum;
}

/**
 * The characters of what a generation's input shows: each message's content (tool calls'
 * arguments included) as text, plus what `messageTokens` counts for a message's framing in
 * characters; an input that is not a message list counts as its text.
 */
export function visibleCharacters(input: Json | undefined): number {
  if (!Array.isArray(input)) return contentText(input).length;
  let chars = 0;
  for (const message of input) {
    chars += TOKENS_PER_MESSAGE * 4;
    if (message === null || typeof message !== "object" || Array.isArray(message)) {
      chars += contentText(message).length;
      continue;
    }
    if (message.content !== undefined && message.content !== null) {
      chars += contentText(message.content).length;
    }
    if (message.tool_calls !== undefined) chars += contentText(message.tool_calls).length;
  }
  return chars;
}

/** How far a ratio is from text's, either way (2x and 0.5x are as far). */
function offText(tokensPerCharacter: number): number {
  return Math.abs(Math.log(tokensPerCharacter / TEXT_TOKENS_PER_CHARACTER));
}

function ratio(tokens: number, chars: number): number {
  return chars === 0 ? 0 : tokens / chars;
}
