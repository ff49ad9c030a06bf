/**
 * The `persona:` section of a script: values drawn once per user (seeded by the user id), so
 * every session of one user has the same name, locale, company or tier. Content uses them as
 * `{{persona.firstName}}`; a key that is a trace metadata key (`tenant_tier`, `region`,
 * `channel`) is also sent as that metadata, so it must draw from the key's bounded values.
 */
import { z } from "zod";
import { parseTemplate } from "./template.ts";
import { METADATA_VALUES, type MetadataKey } from "./vocabulary.ts";

/** The metadata keys that describe the run or the conversation, never one user. */
const NOT_PER_USER: readonly string[] = ["environment", "workflow"];

/** The `persona:` section: a name and a template per value. */
export const Persona = z.record(
  z.string().regex(/^[a-z][a-zA-Z0-9_]*$/, { error: "must be a camelCase or snake_case name" }),
  z.string().min(1).max(500),
).describe(
  "Values drawn once per user from the user id, the same in all of that user's sessions: " +
    '{{persona.firstName}} in content. A trace metadata key (tenant_tier: "{{pick free|team}}") ' +
    "is also sent as that metadata",
);

/** A validated persona section. */
export type PersonaInput = z.infer<typeof Persona>;

/** The persona keys that are sent as trace metadata. */
export function personaMetadataKeys(persona: PersonaInput | undefined): MetadataKey[] {
  return Object.keys(persona ?? {}).filter((key): key is MetadataKey =>
    key in METADATA_VALUES && !NOT_PER_USER.includes(key)
  );
}

/**
 * Problems of a persona section against the script's trace metadata: a metadata key must draw
 * only its allowed values (a literal or one `{{pick …}}`) and not be set in `trace.metadata` too.
 */
export function personaProblems(
  persona: PersonaInput | undefined,
  metadata: Partial<Record<MetadataKey, string>>,
): { path: PropertyKey[]; message: string }[] {
  const problems: { path: PropertyKey[]; message: string }[] = [];
  for (const [key, template] of Object.entries(persona ?? {})) {
    const path = ["persona", key];
    if (NOT_PER_USER.includes(key)) {
      problems.push({ path, message: `cannot be per user: ${key} describes the whole run` });
      continue;
    }
    const parts = parseTemplate(template);
    if (
      !("error" in parts) && parts.some((part) => typeof part !== "string" && part.kind === "date")
    ) {
      problems.push({
        path,
        message: "cannot use a date: a persona value is drawn once per user, not per session",
      });
    }
    if (!(key in METADATA_VALUES)) continue;
    const allowed: readonly string[] = METADATA_VALUES[key as MetadataKey];
    if (metadata[key as MetadataKey] !== undefined) {
      problems.push({
        path,
        message: `is trace metadata set by trace.metadata.${key} too; give it in one place`,
      });
    }
    const options = "error" in parts
      ? undefined
      : parts.length === 1 && typeof parts[0] === "string"
      ? [parts[0]]
      : parts.length === 1 && typeof parts[0] !== "string" && parts[0].kind === "pick"
      ? parts[0].options
      : undefined;
    if (!options || options.some((option) => !allowed.includes(option))) {
      problems.push({
        path,
        message: `is sent as trace metadata, so it must be one of ${allowed.join(", ")} or ` +
          `a {{pick …}} of them`,
      });
    }
  }
  return problems;
}
