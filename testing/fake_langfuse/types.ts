/**
 * Types the fake Langfuse's private parts share with its public module, kept here so the parts
 * need not import fake_langfuse.ts and no import cycle forms. Private to the folder.
 */
import type { CreateScoreRequest, ScoreSource } from "../../src/langfuse/api_types.ts";

/**
 * A score as posted, with its id; `stringValue` is what the worker derives from a config
 * (CATEGORICAL label, BOOLEAN "True"/"False", TEXT), when the score had one. `source` (default
 * API) and `authorUserId` are set on reviewers' annotations, which Langfuse's UI writes (see
 * annotations.ts).
 */
export type StoredScore = CreateScoreRequest & {
  id: string;
  stringValue?: string;
  source?: ScoreSource;
  authorUserId?: string | null;
};
