/**
 * What verify can expect of a run per dialect: the fields a dialect does not carry to Langfuse
 * (so they are not compared, and said so), following Langfuse's mapping at the pinned version
 * (`OtelIngestionProcessor.ts`, `ObservationTypeMapper.ts` in langfuse/langfuse v4.16.0). The
 * trace name, types, models and usage a dialect changes are in each trace's `shown` (see
 * `emit/dialect_writers.ts`).
 */
import type { Dialect } from "../plan/dialects.ts";

/** A field verify compares, and why a dialect does not carry it. */
export interface NotCarried {
  field: "tags" | "metadata" | "version" | "release" | "prompt links";
  why: string;
}

const VERSION_WHY = "Langfuse takes the resource's service.version (the sending tool's) instead";
const RELEASE_WHY = "no attribute of the dialect carries a release";

/** Per dialect, the compared fields it does not carry. */
export const NOT_CARRIED: Readonly<Record<Dialect, readonly NotCarried[]>> = {
  langfuse: [],
  genai: [
    { field: "tags", why: "GenAI semconv has no tags attribute" },
    { field: "metadata", why: "GenAI semconv has no trace metadata attribute" },
    { field: "version", why: VERSION_WHY },
    { field: "release", why: RELEASE_WHY },
    { field: "prompt links", why: "GenAI semconv has no prompt attribute" },
  ],
  openinference: [
    { field: "metadata", why: "Langfuse does not read OpenInference's metadata JSON" },
    { field: "version", why: VERSION_WHY },
    { field: "release", why: RELEASE_WHY },
    {
      field: "prompt links",
      why: "Langfuse does not link llm.prompt_template.* to its prompts",
    },
  ],
  vercel: [
    { field: "version", why: VERSION_WHY },
    { field: "release", why: RELEASE_WHY },
  ],
};

/** Whether a session of `dialect` carries `field` to Langfuse. */
export function carries(dialect: Dialect | undefined, field: NotCarried["field"]): boolean {
  return !NOT_CARRIED[dialect ?? "langfuse"].some((entry) => entry.field === field);
}

/** What a verification of these sessions could not check: per dialect present, its fields. */
export function notCheckedOf(
  sessions: readonly { dialect?: Dialect }[],
): { dialect: Dialect; sessions: number; fields: readonly NotCarried[] }[] {
  const counts = new Map<Dialect, number>();
  for (const { dialect } of sessions) {
    const key = dialect ?? "langfuse";
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].filter(([dialect]) => NOT_CARRIED[dialect].length > 0)
    .map(([dialect, n]) => ({ dialect, sessions: n, fields: NOT_CARRIED[dialect] }));
}
