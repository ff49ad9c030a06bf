/**
 * Records each instrumented library's support conversation as a fixture:
 * `fixtures/dialects/{library}.otlp.json` (OTLP/JSON, as received over OTLP/HTTP on loopback),
 * and the folder's README table of libraries and versions. Run with `deno task dialect-fixtures`.
 */
import { readFile, writeFile } from "node:fs/promises";
import { captureSpans } from "./capture.ts";
import { LIBRARIES } from "./libraries.ts";
import { otlpJsonText } from "./otlp_json.ts";

const DIR = new URL("../../fixtures/dialects/", import.meta.url);

const packageJson = JSON.parse(
  await readFile(new URL("../../package.json", import.meta.url), "utf8"),
) as { devDependencies: Record<string, string> };

for (const library of LIBRARIES) {
  const spans = await captureSpans(library.drive);
  await writeFile(new URL(`${library.name}.otlp.json`, DIR), otlpJsonText(spans));
  const versions = library.packages.map((name) => `${name}@${packageJson.devDependencies[name]}`);
  console.log(`${library.name}: ${spans.length} spans (${versions.join(", ")})`);
}
