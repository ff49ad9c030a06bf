/**
 * The import rule of docs/architecture.md, checked: every relative import of every .ts file in
 * src/, testing/ and scripts/ is read, and an import that breaks the rule fails a test naming
 * the file, the import and the rule. The layers below are the rule as data; change them and
 * docs/architecture.md together.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The layers, lowest first. A product file may import only from a lower layer (or its own
 * folder); two folders of one layer do not import each other. A subfolder belongs to its folder
 * unless it is named here itself (src/langfuse/ingestion). Folders that do not exist yet are
 * allowed for; a folder that exists and is not named here fails the test.
 */
export const LAYERS: readonly (readonly string[])[] = [
  ["src/text", "src/version.ts", "src/runtime.ts"],
  ["src/script"],
  ["src/plan"],
  ["src/emit", "src/otlp"],
  ["src/http"],
  ["src/export", "src/langfuse/ingestion"],
  ["src/run_record"],
  ["src/report"],
  ["src/langfuse"],
  ["src/load", "src/record"],
  ["src/run"],
  ["src/cli"],
  ["src/main.ts"],
];

/** Folders that do nothing but compute: no I/O, no clock, no randomness, no OpenTelemetry. */
export const PURE = ["src/text", "src/plan", "src/report", "src/langfuse/ingestion"];

/** What a pure folder may not import or call. */
const IMPURE_IMPORT = /^(node:|npm:|@opentelemetry\/)/;
const IMPURE_CALL = /\b(Deno\.\w+|Bun\.\w+|(?:fetch|Date\.now|Math\.random)(?=\())/;

const ROOT = normalize(join(dirname(fileURLToPath(import.meta.url)), ".."));

/** One import: the importing file, the specifier, the imported file (repo path when relative). */
export interface Import {
  from: string;
  to: string;
  specifier: string;
  /** A worker module started by `new URL(...)`: run beside, not loaded with, the importer. */
  worker: boolean;
}

/** Code without its comments, so an `@example` or a word in prose is no import and no call. */
export function withoutComments(code: string): string {
  let out = "";
  let i = 0;
  while (i < code.length) {
    const c = code[i];
    const next = code[i + 1];
    if (c === "/" && next === "/") {
      while (i < code.length && code[i] !== "\n") i++;
    } else if (c === "/" && next === "*") {
      const end = code.indexOf("*/", i + 2);
      i = end < 0 ? code.length : end + 2;
    } else if (c === "/" && /[(,=:[!&|?{};+\-*%<>~^]$|^$/.test(out.trimEnd().slice(-1))) {
      // A regular expression literal: its quotes and slashes are no strings and no comments.
      const start = i++;
      let inClass = false;
      while (i < code.length && code[i] !== "\n" && (inClass || code[i] !== "/")) {
        if (code[i] === "\\") i++;
        else if (code[i] === "[") inClass = true;
        else if (code[i] === "]") inClass = false;
        i++;
      }
      out += code.slice(start, ++i);
    } else if (c === '"' || c === "'" || c === "`") {
      const start = i++;
      while (i < code.length && code[i] !== c) i += code[i] === "\\" ? 2 : 1;
      out += code.slice(start, ++i);
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** The specifiers a module imports: static, dynamic, and worker modules by `new URL`. */
export function specifiers(code: string): string[] {
  return [...modules(code), ...workers(code)];
}

function modules(code: string): string[] {
  const patterns = [
    /(?:^|[;\n}])\s*(?:import|export)\b[^;"'`]*?\bfrom\s*["']([^"']+)["']/g,
    /(?:^|[;\n])\s*import\s*["']([^"']+)["']/g,
    /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
  ];
  return patterns.flatMap((pattern) => [...code.matchAll(pattern)].map((m) => m[1]));
}

function workers(code: string): string[] {
  const pattern = /\bnew URL\(\s*["']([^"']+\.ts)["']\s*,\s*import\.meta\.url/g;
  return [...code.matchAll(pattern)].map((m) => m[1]);
}

function filesUnder(dir: string): string[] {
  if (!existsSync(join(ROOT, dir))) return [];
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) return [];
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return filesUnder(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

const isTest = (file: string) => file.endsWith("_test.ts");
const isProduct = (file: string) => file.startsWith("src/") && !isTest(file);

/** The layer entry a repo path belongs to (the longest named folder holding it). */
export function homeOf(path: string): string | undefined {
  const named = LAYERS.flat().filter((home) => path === home || path.startsWith(home + "/"));
  if (named.length > 0) return named.sort((a, b) => b.length - a.length)[0];
  if (!path.startsWith("src/")) return undefined;
  const [, top, rest] = path.split("/");
  return rest === undefined ? `src/${top}` : `src/${top}/`; // a folder the table does not name
}

const layerOf = (home: string) => LAYERS.findIndex((layer) => layer.includes(home));

const SELF = relative(ROOT, fileURLToPath(import.meta.url));
const files = ["src", "testing", "scripts"].flatMap(filesUnder);
const imports: Import[] = files.filter((file) => file !== SELF).flatMap((from) => {
  const code = withoutComments(readFileSync(join(ROOT, from), "utf8"));
  const found = [
    ...modules(code).map((specifier) => ({ specifier, worker: false })),
    ...workers(code).map((specifier) => ({ specifier, worker: true })),
  ];
  return found.map(({ specifier, worker }) => ({
    from,
    specifier,
    worker,
    to: specifier.startsWith(".")
      ? relative(ROOT, normalize(join(ROOT, dirname(from), specifier)))
      : specifier,
  }));
});
const local = imports.filter((i) => i.specifier.startsWith("."));
const shown = (i: Import) => `${i.from} imports "${i.specifier}"`;

test("the import reader finds static, dynamic and worker imports, and none in comments", () => {
  const code = withoutComments([
    'import { a } from "./a.ts";',
    'import type {\n  B,\n} from "../b.ts";',
    'export { c } from "./c.ts";',
    'import "./d.ts";',
    'const e = await import("./e.ts");',
    'new Worker(new URL("./f.ts", import.meta.url));',
    '// import { g } from "./g.ts";',
    '/** @example\n * import { h } from "./h.ts";\n */',
    'const url = "https://example.com"; // fetch("x")',
    'const quote = /["\'/]/; // import("./i.ts")',
  ].join("\n"));
  assert.deepEqual(specifiers(code).sort(), [
    "../b.ts",
    "./a.ts",
    "./c.ts",
    "./d.ts",
    "./e.ts",
    "./f.ts",
  ]);
  assert.match(code, /https:\/\/example\.com/);
  assert.doesNotMatch(code, /fetch/);
});

test("every relative import points at a file that exists", () => {
  const broken = local.filter((i) => !existsSync(join(ROOT, i.to))).map(shown);
  assert.deepEqual(broken, []);
});

test("every folder of src/ has a layer in docs/architecture.md", () => {
  const unnamed = [...new Set(files.filter(isProduct).map((f) => homeOf(f)!))]
    .filter((home) => layerOf(home) < 0)
    .map((home) => `${home} is in no layer of LAYERS (src/architecture_test.ts)`);
  assert.deepEqual(unnamed, []);
});

test("product code imports only from lower layers: no arrow runs back up, no folder circle", () => {
  const broken = local.filter((i) => isProduct(i.from) && i.to.startsWith("src/")).flatMap(
    (i) => {
      const [from, to] = [homeOf(i.from)!, homeOf(i.to)!];
      if (from === to) return [];
      const [a, b] = [layerOf(from), layerOf(to)];
      if (a < 0 || b < 0 || b < a) return [];
      return [
        `${shown(i)}: ${from} (layer ${a}) may import only from layers below it, ` +
        `and ${to} is layer ${b}`,
      ];
    },
  );
  assert.deepEqual(broken, []);
});

test("no two product files import each other, directly or around a circle", () => {
  const edges = new Map<string, string[]>();
  for (const i of local) {
    // A worker's module imports what its starter shares with it; that is no circle of loading.
    if (!isProduct(i.from) || !isProduct(i.to) || i.worker) continue;
    edges.set(i.from, [...(edges.get(i.from) ?? []), i.to]);
  }
  const circles: string[] = [];
  const state = new Map<string, "open" | "done">();
  const visit = (file: string, path: string[]) => {
    state.set(file, "open");
    for (const next of edges.get(file) ?? []) {
      if (state.get(next) === "open") {
        circles.push([...path.slice(path.indexOf(next)), file, next].join(" -> "));
      } else if (!state.has(next)) visit(next, [...path, file]);
    }
    state.set(file, "done");
  };
  for (const file of [...edges.keys()].sort()) if (!state.has(file)) visit(file, []);
  assert.deepEqual(circles, []);
});

test("pure folders do no I/O: no node: or npm modules, no Deno, Bun, fetch, clock or randomness", () => {
  const broken = files.filter((f) => isProduct(f) && PURE.includes(homeOf(f)!)).flatMap((file) => {
    const code = withoutComments(readFileSync(join(ROOT, file), "utf8"));
    const imported = specifiers(code).filter((s) => IMPURE_IMPORT.test(s))
      .map((s) => `${file} imports "${s}": ${homeOf(file)} is pure`);
    const called = IMPURE_CALL.exec(code.replace(/(["'`])(?:\\.|(?!\1)[^\\])*\1/g, '""'));
    return called ? [...imported, `${file} uses ${called[1]}: ${homeOf(file)} is pure`] : imported;
  });
  assert.deepEqual(broken, []);
});

test("product code never imports test support: testing/, scripts/ and *_test.ts are for tests", () => {
  const support = (to: string) =>
    to.startsWith("testing/") || to.startsWith("scripts/") || isTest(to);
  const broken = local
    .filter((i) => isProduct(i.from) && support(i.to))
    .map((i) => `${shown(i)}: product code never imports test support`);
  assert.deepEqual(broken, []);
});

test("no command file imports another command file (the run layer holds what they share)", () => {
  const isCommand = (file: string) =>
    file.startsWith("src/cli/") && isProduct(file) &&
    /export (async )?function \w+Command\(/.test(readFileSync(join(ROOT, file), "utf8"));
  const crossing = local.filter((i) => isCommand(i.from) && i.from !== i.to && isCommand(i.to))
    .map((i) => `${i.from} -> ${i.to}`);
  const broken = [...new Set(crossing)].map((edge) =>
    `${edge.replace(" -> ", " imports ")}: no command imports another`
  );
  assert.deepEqual(broken, []);
});

test("every product file is used by product code: imported, or the entry point src/main.ts", () => {
  const used = new Set(local.filter((i) => isProduct(i.from)).map((i) => i.to));
  const unused = files.filter((f) => isProduct(f) && f !== "src/main.ts" && !used.has(f))
    .map((f) =>
      `${f} is imported by no product file: unused, or test support (which belongs in testing/)`
    );
  assert.deepEqual(unused, []);
});

test("a folder's files starting with _ are imported only from that folder", () => {
  const broken = local.filter((i) => {
    const name = i.to.slice(i.to.lastIndexOf("/") + 1);
    return name.startsWith("_") && dirname(i.to) !== dirname(i.from);
  }).map((i) => `${shown(i)}: ${i.to} is private to ${dirname(i.to)}/`);
  assert.deepEqual(broken, []);
});
