/**
 * Test helper: a browser-free reading of an HTML page, for machines without a browser. It
 * walks the markup (every element closed in order, raw text in script and style), compiles each
 * inline script without running it, parses the embedded JSON, and checks that the ids the
 * scripts look up exist. What only a browser can tell (the scripts' effects) is
 * `renderInChromium`'s.
 */

/** What the reading found. */
export interface HtmlPageCheck {
  /** Every structural problem, each with its offset in the page; empty when none. */
  problems: string[];
  /** The ids of the page's `<section>` elements, in order. */
  sections: string[];
  /** Data points per chart: `<svg data-chart="spans" data-points="12">` gives `{ spans: 12 }`. */
  charts: Record<string, number>;
  /** How many inline scripts compiled. */
  scripts: number;
  /** The element ids in the page. */
  ids: string[];
}

/** Elements that have no end tag. */
const VOID = new Set([
  "area",
  "base",
  "br",
  "col",
  "embed",
  "hr",
  "img",
  "input",
  "link",
  "meta",
  "source",
  "track",
  "wbr",
]);

const TOKEN =
  /<!--[\s\S]*?-->|<!doctype[^>]*>|<\/([a-zA-Z][\w-]*)\s*>|<([a-zA-Z][\w-]*)((?:\s+[^\s=/>]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+))?)*)\s*(\/?)>/gi;
const ATTRIBUTE = /([^\s=/>]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g;

/** Reads `html` as described above. */
export function checkHtmlPage(html: string): HtmlPageCheck {
  const problems: string[] = [];
  const sections: string[] = [];
  const charts: Record<string, number> = {};
  const ids: string[] = [];
  const lookedUp: string[] = [];
  let scripts = 0;
  const open: { name: string; at: number }[] = [];
  if (!/^<!doctype html>/i.test(html)) {
    problems.push("0: the page does not start with <!DOCTYPE html>");
  }
  TOKEN.lastIndex = 0;
  for (let match = TOKEN.exec(html); match; match = TOKEN.exec(html)) {
    const at = match.index;
    const [whole, closing, opening, rawAttributes = "", selfClosing] = match;
    if (closing !== undefined) {
      const name = closing.toLowerCase();
      const top = open.pop();
      if (top?.name !== name) {
        problems.push(
          `${at}: </${name}> closes ${top ? `<${top.name}> (opened at ${top.at})` : "nothing"}`,
        );
        if (top) open.push(top);
      }
      continue;
    }
    if (opening === undefined) continue;
    const name = opening.toLowerCase();
    const attributes = attributesOf(rawAttributes);
    if (attributes.id !== undefined) ids.push(attributes.id);
    if (name === "section" && attributes.id !== undefined) sections.push(attributes.id);
    if (name === "svg" && attributes["data-chart"] !== undefined) {
      charts[attributes["data-chart"]] = Number(attributes["data-points"]);
    }
    if (name === "script" || name === "style") {
      const end = html.toLowerCase().indexOf(`</${name}>`, at + whole.length);
      if (end < 0) {
        problems.push(`${at}: <${name}> is never closed`);
        break;
      }
      const body = html.slice(at + whole.length, end);
      if (name === "script") {
        const problem = scriptProblem(body, attributes.type);
        if (problem) problems.push(`${at}: <script${rawAttributes}> ${problem}`);
        else if (attributes.type === undefined) scripts++;
        for (const found of body.matchAll(/getElementById\("([^"]+)"\)/g)) lookedUp.push(found[1]);
      }
      TOKEN.lastIndex = end + name.length + 3;
      continue;
    }
    if (!VOID.has(name) && selfClosing !== "/") open.push({ name, at });
  }
  for (const { name, at } of open) problems.push(`${at}: <${name}> is never closed`);
  for (const id of lookedUp) {
    if (!ids.includes(id)) problems.push(`a script looks up the id "${id}", which no element has`);
  }
  for (const required of ["html", "head", "body", "title"]) {
    if (!new RegExp(`<${required}[\\s>]`, "i").test(html)) {
      problems.push(`the page has no <${required}>`);
    }
  }
  return { problems, sections, charts, scripts, ids };
}

function attributesOf(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [, name, double, single, bare] of text.matchAll(ATTRIBUTE)) {
    out[name.toLowerCase()] = double ?? single ?? bare ?? "";
  }
  return out;
}

/** Why an inline script would fail before it runs: it does not compile, or its JSON does not parse. */
function scriptProblem(body: string, type: string | undefined): string | undefined {
  if (type === "application/json") {
    try {
      JSON.parse(body);
      return undefined;
    } catch (error) {
      return `holds JSON that does not parse: ${(error as Error).message}`;
    }
  }
  if (type !== undefined && type !== "text/javascript") return undefined;
  try {
    // Compiles the script without running it: a syntax error is thrown here.
    new Function(body);
    return undefined;
  } catch (error) {
    return `does not compile: ${(error as Error).message}`;
  }
}
