/**
 * Free text that goes to Langfuse beside the spans' content (review comments, queue names and
 * descriptions, score comments and categories, score config descriptions, status and error
 * messages, observation metadata), guarded against secrets and personal data: the refusal
 * names the field and the kind of value, never the value.
 */
import type { z } from "zod";
import { checkFreeText } from "./privacy.ts";

/** `schema` with the privacy guard for free text added. */
export function freeText<T extends z.ZodString>(schema: T): T {
  return schema.superRefine((value, ctx) => {
    const problem = checkFreeText(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });
}
