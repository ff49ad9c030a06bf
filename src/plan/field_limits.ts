/**
 * What in a planned session passes a limit of Langfuse's, said before it is sent: nothing is
 * cut here, the run sends what the script asks for and the warning says what Langfuse will do.
 * The limits are Langfuse's defaults at v4.16.0 (the tag fixtures/langfuse/README.md pins);
 * self-hosted operators can change them. Pure.
 */
import { formatBytes } from "../text/bytes.ts";
import { count } from "../text/count.ts";
import type { ScriptInput } from "../script/schema.ts";
import { planSession } from "./session.ts";
import { utf8Bytes } from "./stress_text.ts";
import { type Json, preOrder, type SessionPlan } from "./types.ts";

/** Langfuse's limits (v4.16.0 defaults), each with where it is set. */
export const LANGFUSE_LIMITS = {
  /**
   * `LANGFUSE_OBSERVATION_FIELD_SIZE_LIMIT_BYTES` (worker/src/env.ts): with
   * `LANGFUSE_OBSERVATION_FIELD_OVERFLOW_ENABLED`, an input, output or metadata value over it is
   * moved to media storage and replaced by a reference
   * (worker/src/features/observation-field-overflow/).
   */
  fieldBytes: 2 * 1024 * 1024,
  /**
   * `LANGFUSE_OTEL_MAX_SPAN_BYTES` (packages/shared/src/env.ts): a span over it is logged as
   * oversized, not refused (OtelIngestionProcessor.logOversizedSpan); 9.5 MB is "just under
   * ClickHouse's 10MB min_chunk_bytes_for_parallel_parsing".
   */
  spanBytes: 9_500_000,
  /**
   * `LANGFUSE_MAX_OBSERVATIONS_PER_TRACE` (packages/shared/src/env.ts): the trace view loads
   * this many observations by start time; a bigger trace loses its chronological tail.
   */
  observationsPerTrace: 20_000,
  /**
   * `LANGFUSE_API_TRACE_OBSERVATIONS_SIZE_LIMIT_BYTES` (packages/shared/src/env.ts): reading a
   * trace's observations fails with "Observations in trace are too large" above it
   * (repositories/observations.ts).
   */
  traceBytes: 80_000_000,
} as const;

/** What the run sends with. */
export interface FieldLimitOptions {
  /** The largest request body the sender sends (a span over it fails unsent); none: no limit. */
  requestBytes?: number;
}

interface Finding {
  where: string;
  text: string;
}

/**
 * Warnings for one session: per kind, the first place it happens and how many more. A span's
 * size is estimated from its input and output (the root's are sent twice: as the trace's too).
 */
export function fieldLimitWarnings(plan: SessionPlan, options: FieldLimitOptions): string[] {
  const kinds = new Map<string, Finding[]>();
  const note = (kind: string, finding: Finding) => {
    const list = kinds.get(kind) ?? [];
    list.push(finding);
    kinds.set(kind, list);
  };
  const limits = LANGFUSE_LIMITS;
  for (const [position, turn] of plan.turns.entries()) {
    const where = `turn ${position + 1}`;
    const observations = preOrder(turn.root);
    let traceBytes = 0;
    for (const observation of observations) {
      const at = observation === turn.root ? where : `${where} observation "${observation.name}"`;
      const fields = { input: observation.input, output: observation.output };
      let spanBytes = 0;
      for (const [field, value] of Object.entries(fields)) {
        const bytes = jsonBytes(value);
        spanBytes += observation === turn.root ? 2 * bytes : bytes;
        traceBytes += bytes;
        if (bytes > limits.fieldBytes) {
          note("field", {
            where: at,
            text: `${field} is ${formatBytes(bytes)}; Langfuse moves an input, output or ` +
              `metadata value over ${formatBytes(limits.fieldBytes)} to media storage when ` +
              "LANGFUSE_OBSERVATION_FIELD_OVERFLOW_ENABLED is on",
          });
        }
      }
      if (options.requestBytes !== undefined && spanBytes > options.requestBytes) {
        note("request", {
          where: at,
          text: `span is at least ${formatBytes(spanBytes)}, over the request limit of ` +
            `${formatBytes(options.requestBytes)}: it is counted failed, not sent`,
        });
      }
      if (spanBytes > limits.spanBytes) {
        note("span", {
          where: at,
          text: `span is at least ${formatBytes(spanBytes)}; Langfuse logs spans over 9.5 MB ` +
            "(LANGFUSE_OTEL_MAX_SPAN_BYTES) as oversized",
        });
      }
    }
    if (observations.length > limits.observationsPerTrace) {
      note("observations", {
        where,
        text: `has ${count(observations.length, "observation")}; Langfuse's trace view loads ` +
          "the first 20,000 by start time (LANGFUSE_MAX_OBSERVATIONS_PER_TRACE)",
      });
    }
    if (traceBytes > limits.traceBytes) {
      note("trace", {
        where,
        text: `input and output come to ${formatBytes(traceBytes)}; Langfuse refuses to read ` +
          "a trace's observations over 80 MB (LANGFUSE_API_TRACE_OBSERVATIONS_SIZE_LIMIT_BYTES)",
      });
    }
  }
  return [...kinds.values()].map((findings) => {
    const [first] = findings;
    const more = findings.length > 1 ? ` (and ${findings.length - 1} more like it)` : "";
    return `${plan.script}: ${first.where} ${first.text}${more}`;
  });
}

/**
 * Warnings for scripts before a load or in `validate`: one session of each script, planned
 * with `seed` to end at `endMs` (a load's sessions vary, its shapes do not).
 */
export function scriptLimitWarnings(
  scripts: readonly { script: ScriptInput; file: string }[],
  options: FieldLimitOptions & { seed: number; endMs: number },
): string[] {
  return scripts.flatMap(({ script, file }) =>
    fieldLimitWarnings(
      planSession(script, { seed: options.seed, endMs: options.endMs, file }),
      options,
    )
  );
}

function jsonBytes(value: Json | undefined): number {
  // The emitter sends every input and output as JSON text, a string too.
  return value === undefined ? 0 : utf8Bytes(JSON.stringify(value));
}
