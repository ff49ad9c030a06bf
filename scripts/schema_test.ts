import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { runRecordSchemaTexts, schemaText } from "./gen_schema.ts";

test("the committed JSON Schema matches the zod schema (run `deno task schema` after changing it)", async () => {
  assert.equal(await readFile("schema/conversation.schema.json", "utf8"), schemaText());
});

test("the committed run record JSON Schemas match the zod schema (run `deno task schema`)", async () => {
  for (const [path, text] of Object.entries(runRecordSchemaTexts())) {
    assert.equal(await readFile(path, "utf8"), text, path);
  }
});

test("the JSON Schema gives editors the enums and refuses unknown fields", async () => {
  const schema = JSON.parse(await readFile("schema/conversation.schema.json", "utf8"));
  assert.equal(schema.additionalProperties, false);
  assert.deepEqual(schema.required.sort(), ["name", "session", "trace", "turns", "user"]);
  assert.deepEqual(
    schema.properties.trace.properties.metadata.properties.environment.enum,
    ["development", "staging", "production"],
  );
});

test("every shipped script points editors at the schema", async () => {
  for (const name of ["order-status", "refund", "handoff"]) {
    const text = await readFile(`conversations/${name}.yaml`, "utf8");
    assert.match(
      text,
      /^# yaml-language-server: \$schema=\.\.\/schema\/conversation\.schema\.json$/m,
    );
  }
});
