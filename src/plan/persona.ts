/**
 * Personas: a script's `persona:` values drawn for one user, seeded by the user id alone, so
 * every session of that user (in any run, with any seed) has the same name, company or tier,
 * and two scripts that declare a value with the same template agree on it. Pure.
 */
import { personaMetadataKeys } from "../script/schema_persona.ts";
import type { ScriptInput } from "../script/schema.ts";
import { ContentRenderer } from "./content.ts";
import { hash32, Rng } from "./random.ts";
import type { Json } from "./types.ts";

/** A user's persona: values by name, as content uses them (`{{persona.firstName}}`). */
export type Persona = Record<string, Json>;

/** The script's persona values for `userId`; each value from a stream of its own name. */
export function drawPersona(script: Pick<ScriptInput, "persona">, userId: string): Persona {
  const persona: Persona = {};
  for (const [name, template] of Object.entries(script.persona ?? {})) {
    const rng = new Rng(hash32(userId), `persona:${name}`);
    // Persona templates hold no dates (checked when the script loads), so no time is needed.
    persona[name] = new ContentRenderer(rng, 0).renderString(template, 0);
  }
  return persona;
}

/** The persona values a session's content sees, as `persona.<name>` vars. */
export function personaVars(persona: Persona): Record<string, Json> {
  return Object.fromEntries(
    Object.entries(persona).map(([name, value]) => [`persona.${name}`, value]),
  );
}

/** The persona values that are trace metadata keys (tenant_tier, region, channel), as sent. */
export function personaMetadata(
  script: Pick<ScriptInput, "persona">,
  persona: Persona,
): Record<string, string> {
  return Object.fromEntries(
    personaMetadataKeys(script.persona).map((key) => [key, String(persona[key])]),
  );
}
