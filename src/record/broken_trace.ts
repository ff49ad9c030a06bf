/**
 * Which recorded traces cannot become a turn: one whose spans' parent ids form a cycle (a span
 * that is its own parent, or spans that are each other's) has no tree to replay, and one that
 * nests deeper than a script reasonably holds would make a script no one can read or replay.
 * `record` reports such a trace and leaves it out; the session's other traces still become
 * turns.
 */
import { treeDepth } from "../langfuse/ingestion/parent_tree.ts";
import type { RecordedObservation } from "./types.ts";

/** The deepest nesting of steps a recorded turn keeps (agents nest a few levels, rarely 20). */
export const MAX_RECORD_DEPTH = 100;

/**
 * Why a trace cannot become a turn, or undefined when it can; `cycle` names the spans of a
 * parent cycle found while linking the tree.
 */
export function brokenTrace(
  top: readonly RecordedObservation[],
  cycle: readonly string[] | undefined,
): string | undefined {
  if (cycle !== undefined) {
    const names = cycle.slice(0, 3).map((name) => JSON.stringify(name)).join(", ") +
      (cycle.length > 3 ? ` and ${cycle.length - 3} more` : "");
    return cycle.length === 1
      ? `its span ${names} names itself as its parent`
      : `its spans ${names} name each other as parents in a cycle`;
  }
  const depth = treeDepth(top);
  if (depth <= MAX_RECORD_DEPTH) return undefined;
  return `its spans nest ${depth} levels deep, more than the ${MAX_RECORD_DEPTH} a script keeps`;
}
