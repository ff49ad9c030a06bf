/**
 * Langfuse's field limits as a run's warnings: what a session passes, said before it is sent
 * and again under the summary. Nothing is cut; the warning says what Langfuse will do.
 */
import { DEFAULT_MAX_REQUEST_BYTES } from "../export/http_sender.ts";
import type { Target } from "../export/target.ts";
import { fieldLimitWarnings, scriptLimitWarnings } from "../plan/field_limits.ts";
import type { SessionPlan } from "../plan/types.ts";
import type { ScriptInput } from "../script/schema.ts";
import { escapeControls } from "../text/escape.ts";

/** The largest request body sent to `target`; undefined for a file, which has none. */
export function requestLimitOf(target: Target): number | undefined {
  return target.kind === "file" ? undefined : DEFAULT_MAX_REQUEST_BYTES;
}

/** The warnings of the sessions a replay sends. */
export function planWarnings(plans: readonly SessionPlan[], target: Target): string[] {
  const requestBytes = requestLimitOf(target);
  return plans.flatMap((plan) => fieldLimitWarnings(plan, { requestBytes }));
}

/** The warnings of a load's scripts: one session of each, planned with the run's seed. */
export function loadWarnings(
  scripts: readonly { script: ScriptInput; file: string }[],
  target: Target,
  { seed, endMs }: { seed: number; endMs: number },
): string[] {
  return scriptLimitWarnings(scripts, { requestBytes: requestLimitOf(target), seed, endMs });
}

/** A warning as printed: prefixed, with control characters escaped (names come from scripts). */
export function warningLine(warning: string): string {
  return `warning: ${escapeControls(warning)}`;
}
