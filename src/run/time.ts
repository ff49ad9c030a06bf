/**
 * Parses `--at`: "now", an ISO date-time, or an offset from now like "-2h" / "-3d"; refuses a
 * time before 2000 or more than a day ahead, and a date that does not exist (see limits.ts).
 */
import { parseDuration } from "../script/duration.ts";
import { CliError, EXIT } from "./exit_codes.ts";
import { calendarProblem, checkAt } from "./limits.ts";

/** The end time `--at` names, in epoch ms, relative to `nowMs`. */
export function parseAt(value: string | undefined, nowMs: number): number {
  if (value === undefined || value === "now") return nowMs;
  const offset = /^-(.+)$/.exec(value);
  if (offset) {
    const ms = parseDuration(offset[1]);
    // An offset too large for a Date is before 2000 all the same.
    if (ms !== undefined) return checkAt(Math.max(nowMs - ms, -8.64e15), nowMs, value);
  }
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) {
    const problem = calendarProblem(value);
    if (problem) {
      throw new CliError(`--at "${value}" is not a real date and time: ${problem}`, EXIT.usage);
    }
    const ms = Date.parse(value);
    if (!Number.isNaN(ms)) return checkAt(ms, nowMs, value);
  }
  throw new CliError(
    `--at must be "now", an ISO date-time like 2026-11-20T14:00:00Z, or an offset like -2h; got "${value}"`,
    EXIT.usage,
  );
}
