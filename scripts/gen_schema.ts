/** Regenerates schema/conversation.schema.json from the zod schema: `deno task schema`. */
import { writeFile } from "node:fs/promises";
import { scriptJsonSchema } from "../src/script/schema.ts";

/** The schema file's text, as committed. */
export function schemaText(): string {
  return JSON.stringify(scriptJsonSchema(), null, 2) + "\n";
}

if (import.meta.main) {
  await writeFile("schema/conversation.schema.json", schemaText());
  console.log("wrote schema/conversation.schema.json");
}
