/**
 * Regenerates the committed JSON Schemas from the zod schemas: `deno task schema`.
 * schema/conversation.schema.json (scripts) and schema/run-record/*.schema.json (the manifest,
 * load reports and sessions-file line as written).
 */
import { mkdir, writeFile } from "node:fs/promises";
import { scriptJsonSchema } from "../src/script/schema.ts";
import { runRecordJsonSchemas } from "../src/run_record/schema.ts";

/** The schema file's text, as committed. */
export function schemaText(): string {
  return JSON.stringify(scriptJsonSchema(), null, 2) + "\n";
}

/** The run record's schema files' texts, by path, as committed. */
export function runRecordSchemaTexts(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(runRecordJsonSchemas()).map((
      [name, schema],
    ) => [`schema/run-record/${name}`, JSON.stringify(schema, null, 2) + "\n"]),
  );
}

if (import.meta.main) {
  await writeFile("schema/conversation.schema.json", schemaText());
  console.log("wrote schema/conversation.schema.json");
  await mkdir("schema/run-record", { recursive: true });
  for (const [path, text] of Object.entries(runRecordSchemaTexts())) {
    await writeFile(path, text);
    console.log(`wrote ${path}`);
  }
}
