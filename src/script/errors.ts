/** One problem in a script, with where it is. */
export interface ScriptProblem {
  /** 1-based line; 0 when the problem has no place in the file (it cannot be read). */
  line: number;
  /** 1-based column. */
  column: number;
  /** Field path like `turns[1].kind`; empty for the document itself. */
  field: string;
  /** What is wrong and what was expected. */
  message: string;
}

/** A script that cannot be used; carries every problem found, not just the first. */
export class ScriptError extends Error {
  override readonly name = "ScriptError";
  /** The first problem's line, column and field, for callers that want one place. */
  readonly line: number;
  readonly column: number;
  readonly field: string;

  constructor(readonly file: string, readonly problems: ScriptProblem[]) {
    super(problems.map((problem) => formatProblem(file, problem)).join("\n"));
    this.line = problems[0]?.line ?? 0;
    this.column = problems[0]?.column ?? 0;
    this.field = problems[0]?.field ?? "";
  }
}

/** Formats a problem as `conversations/x.yaml:4:11: turns[1].kind must be one of …`. */
export function formatProblem(file: string, problem: ScriptProblem): string {
  const place = problem.line > 0 ? `${file}:${problem.line}:${problem.column}` : file;
  const subject = problem.field ? `${problem.field} ` : "";
  return `${place}: ${subject}${problem.message}`;
}

/** Formats a path like ["turns", 1, "kind"] as `turns[1].kind`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = "";
  for (const part of path) {
    if (typeof part === "number") text += `[${part}]`;
    else text += text ? `.${String(part)}` : String(part);
  }
  return text;
}

/** Set in a zod custom issue's `params` when its path ends in a mapping's key to point at. */
export const AT_KEY = "atKey";

/** A problem a check finds beyond the schema, at `path`; `key` when the path ends in a mapping's key, to point at it. */
export interface PathProblem {
  path: PropertyKey[];
  message: string;
  key?: boolean;
}
