/**
 * The manual stays findable after files move: every relative link in the Markdown a user reads
 * (README.md, docs/, the READMEs beside the code) points at a file, every anchor at a heading
 * of it, and every repository path the text names in backticks exists.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = normalize(join(dirname(fileURLToPath(import.meta.url)), ".."));

/** The repository's Markdown files, as repo paths (dependencies and run output left out). */
function markdown(dir = ""): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    if (["node_modules", "out"].includes(entry.name) || entry.name.startsWith(".")) return [];
    const path = dir === "" ? entry.name : `${dir}/${entry.name}`;
    if (entry.isDirectory()) return markdown(path);
    return path.endsWith(".md") ? [path] : [];
  });
}

/** The text without its fenced code blocks: a link in an example is no link. */
const prose = (text: string) => text.replace(/^```[^\n]*\n[\s\S]*?^```/gm, "");

/** The anchors GitHub gives the headings of `text`: `#a-heading`, `-1` for a repeat. */
export function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const found = new Set<string>();
  for (const [, heading] of prose(text).matchAll(/^#{1,6}\s+(.*)$/gm)) {
    const slug = heading.replace(/\[([^\]]*)\]\([^)]*\)/g, "$1").toLowerCase()
      .replace(/[^\p{L}\p{N}_\- ]/gu, "").replace(/ /g, "-");
    const n = seen.get(slug) ?? 0;
    found.add(n === 0 ? slug : `${slug}-${n}`);
    seen.set(slug, n + 1);
  }
  return found;
}

const files = markdown();

test("the anchor reader names headings as GitHub does", () => {
  const text = "# Load mode: weeks of traffic\n## `--at` and [seeds](x.md)\n## Seeds\n## Seeds\n";
  assert.deepEqual([...anchors(text)], [
    "load-mode-weeks-of-traffic",
    "--at-and-seeds",
    "seeds",
    "seeds-1",
  ]);
});

test("every relative link in the Markdown points at a file, and its anchor at a heading", () => {
  const broken: string[] = [];
  for (const file of files) {
    for (
      const [, link] of prose(readFileSync(join(ROOT, file), "utf8")).matchAll(/\]\(([^)\s]+)\)/g)
    ) {
      if (/^[a-z]+:/.test(link)) continue;
      const [path, anchor] = link.split("#", 2);
      const target = path === "" ? file : relative(ROOT, join(ROOT, dirname(file), path));
      if (!existsSync(join(ROOT, target))) broken.push(`${file}: ${link} (no ${target})`);
      else if (
        anchor && target.endsWith(".md") &&
        !anchors(readFileSync(join(ROOT, target), "utf8")).has(anchor)
      ) broken.push(`${file}: ${link} (no heading #${anchor} in ${target})`);
    }
  }
  assert.deepEqual(broken, []);
});

test("every repository path the Markdown names in backticks exists", () => {
  const top = /^`((?:src|testing|scripts|fixtures|docs|deploy|schema|conversations)\/[^`\s]*)`$/;
  const missing: string[] = [];
  for (const file of files) {
    for (const [quoted] of readFileSync(join(ROOT, file), "utf8").matchAll(/`[^`\n]+`/g)) {
      const path = top.exec(quoted)?.[1].replace(/[#:].*$/, "");
      // A pattern or a placeholder (`conversations/*.yaml`, `out/<run>.json`) names no one file.
      if (path === undefined || /[*<>{}|]/.test(path)) continue;
      if (!existsSync(join(ROOT, path))) missing.push(`${file} names ${path}`);
    }
  }
  assert.deepEqual(missing, []);
});
