/**
 * A script's `stress:` section: shapes that reproduce Langfuse's known weak spots on purpose
 * (large and deeply nested input and output, wide traces, deep chains, long sessions, traces
 * with thousands of observations). The plan applies them (plan/stress.ts).
 *
 * @example
 * ```yaml
 * stress:
 *   payload: { bytes: 1MB, unicode: true, nestDepth: 20 }
 *   width: 200
 *   depth: 50
 *   turns: 300
 *   observations: 10000
 * ```
 */
import { z } from "zod";

/** The largest payload a script may ask for: 16 MB, past every limit Langfuse has. */
export const MAX_PAYLOAD_BYTES = 16_000_000;
/** The most observations a trace may be given (memory: each is planned before it is sent). */
export const MAX_STRESS_OBSERVATIONS = 100_000;

const UNITS: Record<string, number> = {
  B: 1,
  KB: 1000,
  MB: 1_000_000,
  KiB: 1024,
  MiB: 1024 * 1024,
};
const SIZE_HINT = 'must be a size like "512KB", "1MB", "1.5MiB" or a number of bytes';

/** Reads "512KB", "1MB", "1.5MiB", "2048B"; undefined when it is none of these. */
export function parseByteSize(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|KiB|MiB)$/.exec(text.trim());
  if (!match) return undefined;
  return Math.round(Number(match[1]) * UNITS[match[2]]);
}

const ByteSize = z.union([z.int().positive(), z.string()]).transform((value, ctx) => {
  const bytes = typeof value === "number" ? value : parseByteSize(value);
  if (bytes === undefined || bytes < 1) {
    ctx.addIssue({ code: "custom", message: SIZE_HINT });
    return z.NEVER;
  }
  if (bytes > MAX_PAYLOAD_BYTES) {
    ctx.addIssue({ code: "custom", message: "must be at most 16MB" });
    return z.NEVER;
  }
  return bytes;
}).describe('Bytes of UTF-8 JSON: "512KB", "1MB" (decimal), "1MiB" (binary), or a number');

/** A large input or output, generated from the seed. */
export const StressPayload = z.strictObject({
  bytes: ByteSize,
  unicode: z.boolean().default(false).describe(
    "Mix in text in other scripts: accents, CJK, Arabic and Hebrew (right to left), emoji " +
      "and other characters outside the Basic Multilingual Plane",
  ),
  nestDepth: z.int().min(1).max(200).default(1).describe(
    "How deep the JSON objects nest (1: one flat object)",
  ),
  on: z.enum(["input", "output", "both"]).default("input").describe(
    "Which of each turn's input and output (the root observation's, so the trace's too) " +
      "carries the payload; default input",
  ),
});

/** The `stress:` section of a script. */
export const Stress = z.strictObject({
  payload: StressPayload.optional(),
  width: z.int().min(1).max(MAX_STRESS_OBSERVATIONS).optional().describe(
    "Tool calls added directly under each turn's root: a wide trace",
  ),
  depth: z.int().min(1).max(1000).optional().describe(
    "A chain of nested spans added under each turn's root, this many levels deep",
  ),
  turns: z.int().min(1).max(2000).optional().describe(
    "Turns each session has at least: the script's turns are played again, in order, until " +
      "there are this many",
  ),
  observations: z.int().min(1).max(MAX_STRESS_OBSERVATIONS).optional().describe(
    "Observations each trace is filled up to (agent steps with tool calls), counting the root",
  ),
}).describe("Stress shapes: Langfuse's known weak spots, reproduced on purpose");

/** A validated `stress:` section (sizes in bytes). */
export type StressInput = z.infer<typeof Stress>;
