/**
 * The dialects a run can speak: which instrumentation's spans the same script becomes
 * (`--dialect`), and a load run's mix of them, drawn per session from the seed so a run is
 * reproducible. The names each dialect writes live in `emit/dialect_*.ts`.
 */
import { firstAbove, Rng } from "./random.ts";

/** Every dialect, the default first. */
export const DIALECTS = ["langfuse", "genai", "openinference", "vercel"] as const;

/** One dialect: `langfuse` (this tool's native attributes), or an instrumentation's. */
export type Dialect = typeof DIALECTS[number];

/** The default: Langfuse's own attributes, set through baggage. */
export const DEFAULT_DIALECT: Dialect = "langfuse";

/** A run's choice: one dialect for every session, or shares drawn per session. */
export type DialectChoice =
  | { kind: "one"; dialect: Dialect }
  | { kind: "mixed"; shares: readonly { dialect: Dialect; share: number }[] };

/** Why a `--dialect` value was refused; the message names the value. */
export class DialectError extends Error {
  override name = "DialectError";
}

/**
 * Reads `langfuse`, `genai`, `openinference`, `vercel`, or
 * `mixed=langfuse:50,vercel:30,openinference:20` (relative shares, positive integers or
 * decimals; each dialect at most once).
 */
export function parseDialect(text: string): DialectChoice {
  const value = text.trim();
  if (isDialect(value)) return { kind: "one", dialect: value };
  const mixed = /^mixed=(.*)$/.exec(value);
  if (!mixed) {
    if (value === "mixed") {
      throw new DialectError(
        `"mixed" needs shares, e.g. "mixed=langfuse:50,vercel:30,openinference:20"`,
      );
    }
    throw new DialectError(
      `${JSON.stringify(text)} is not a dialect: use one of ${DIALECTS.join(", ")}, ` +
        `or mixed=<dialect>:<share>,...`,
    );
  }
  const shares: { dialect: Dialect; share: number }[] = [];
  for (const part of mixed[1].split(",")) {
    const match = /^\s*([a-z]+)\s*:\s*(\d+(?:\.\d+)?)\s*$/.exec(part);
    if (!match || !isDialect(match[1])) {
      throw new DialectError(
        `${JSON.stringify(part)} in ${JSON.stringify(text)} is not <dialect>:<share> ` +
          `with a dialect of ${DIALECTS.join(", ")}`,
      );
    }
    const dialect = match[1];
    if (shares.some((entry) => entry.dialect === dialect)) {
      throw new DialectError(`${dialect} is given twice in ${JSON.stringify(text)}`);
    }
    const share = Number(match[2]);
    if (share > 0) shares.push({ dialect, share });
  }
  if (shares.length === 0) {
    throw new DialectError(`${JSON.stringify(text)} gives no dialect a share above 0`);
  }
  return { kind: "mixed", shares };
}

/** The choice as the flag spells it, canonical: `genai`, `mixed=langfuse:50,vercel:50`. */
export function dialectText(choice: DialectChoice): string {
  if (choice.kind === "one") return choice.dialect;
  return "mixed=" + choice.shares.map(({ dialect, share }) => `${dialect}:${share}`).join(",");
}

/** Whether `value` names a dialect. */
export function isDialect(value: string): value is Dialect {
  return (DIALECTS as readonly string[]).includes(value);
}

/**
 * Session `index`'s dialect: the one dialect, or drawn by share from its own stream of the
 * seed (so the draw shifts nothing else a session draws).
 */
export function dialectOf(choice: DialectChoice, seed: number, index: number): Dialect {
  if (choice.kind === "one") return choice.dialect;
  let sum = 0;
  const cumulative = choice.shares.map(({ share }) => (sum += share));
  const draw = new Rng(seed, `dialect:${index}`).next() * sum;
  return choice.shares[firstAbove(cumulative, draw)].dialect;
}
