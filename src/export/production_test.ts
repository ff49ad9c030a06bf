import { test } from "node:test";
import assert from "node:assert/strict";
import { productionWord, wordParts } from "./production.ts";
import { productionReasons, resolveTarget } from "./target.ts";

test("wordParts() splits on non-letters, digits and lower-to-upper case changes", () => {
  assert.deepEqual(wordParts("langfuse-prod01.example.com"), [
    "langfuse",
    "prod",
    "example",
    "com",
  ]);
  assert.deepEqual(wordParts("supportLive_EU2"), ["support", "live", "eu"]);
  assert.deepEqual(wordParts("PRODUCTION"), ["production"]);
});

test("productionWord() finds prod, prd, production and live in any spelling, and nothing else", () => {
  const cases: [string, string | undefined][] = [
    ["prod", "prod"],
    ["Prod", "prod"],
    ["PROD", "prod"],
    ["prd", "prd"],
    ["Production", "production"],
    ["production", "production"],
    ["live", "live"],
    ["langfuse-prod01", "prod"],
    ["langfuse.prod.example", "prod"],
    ["prod_langfuse", "prod"],
    ["prod-eu", "prod"],
    ["eu-prd-2", "prd"],
    ["01prod", "prod"],
    ["Support Production", "production"],
    ["support-live", "live"],
    ["supportLive", "live"],
    ["ACME PROD", "prod"],
    ["product", undefined],
    ["products-api", undefined],
    ["delivery", undefined],
    ["olive", undefined],
    ["alive", undefined],
    ["liver", undefined],
    ["reproduce", undefined],
    ["prodigy", undefined],
    ["staging", undefined],
    ["staging-demo", undefined],
    ["development", undefined],
    ["cloud.langfuse.com", undefined],
    ["us.cloud.langfuse.com", undefined],
    ["127.0.0.1", undefined],
    ["localhost", undefined],
    ["", undefined],
  ];
  for (const [text, word] of cases) assert.equal(productionWord(text), word, text);
});

test("productionWord() reads look-alike letters as the Latin ones they look like", () => {
  const cases: [string, string | undefined][] = [
    ["pr\u03bfduction", "production"], // Greek omicron
    ["\u03a1RD", "prd"], // Greek capital rho
    ["\u0440rod", "prod"], // Cyrillic er
    ["PR\u041eD-eu", "prod"], // Cyrillic capital O
    ["liv\u0435", "live"], // Cyrillic ie
    ["\uff50\uff52\uff4f\uff44", "prod"], // fullwidth
    ["pr\u00f3d", "prod"], // an accent
    ["pro\u200bd", "prod"], // a zero-width space
    ["pro\u00add", "prod"], // a soft hyphen
    ["xn--langfuse-prduction-p5m.example.com", "production"], // punycode
    ["st\u0430ging", undefined],
    ["al\u0456ve", undefined],
    ["pr\u03bfduct", undefined],
  ];
  for (const [text, word] of cases) assert.equal(productionWord(text), word, JSON.stringify(text));
});

const KEYS = { LANGFUSE_PUBLIC_KEY: "pk-lf-1", LANGFUSE_SECRET_KEY: "sk-lf-1" };

test("productionReasons() says what matched in the host, the environment, the scripts and the project", () => {
  const cases: [Record<string, string>, (string | undefined)[], string | undefined, string[]][] = [
    [{ LANGFUSE_BASE_URL: "https://langfuse-prod01.example.com" }, [], undefined, [
      'the host "langfuse-prod01.example.com" is named like production ("prod")',
    ]],
    [{ LANGFUSE_BASE_URL: "https://prod_langfuse.example.com" }, [], undefined, [
      'the host "prod_langfuse.example.com" is named like production ("prod")',
    ]],
    [{ LANGFUSE_BASE_URL: "https://products.example.com" }, [], undefined, []],
    [
      {
        LANGFUSE_BASE_URL: "https://cloud.langfuse.com",
        LANGFUSE_TRACING_ENVIRONMENT: "Production",
      },
      [],
      undefined,
      ['LANGFUSE_TRACING_ENVIRONMENT "Production" is named like production ("production")'],
    ],
    [
      { LANGFUSE_BASE_URL: "https://cloud.langfuse.com", LANGFUSE_TRACING_ENVIRONMENT: "prod-eu" },
      [],
      undefined,
      ['LANGFUSE_TRACING_ENVIRONMENT "prod-eu" is named like production ("prod")'],
    ],
    [
      { LANGFUSE_BASE_URL: "https://cloud.langfuse.com" },
      ["development", "production"],
      undefined,
      [
        'a script\'s environment is production ("production")',
      ],
    ],
    [{ LANGFUSE_BASE_URL: "https://cloud.langfuse.com" }, ["staging"], "Support LIVE", [
      'the keys belong to the Langfuse project "Support LIVE", named like production ("live")',
    ]],
    [{ LANGFUSE_BASE_URL: "https://cloud.langfuse.com" }, ["staging"], "staging-demo", []],
  ];
  for (const [env, scripts, project, reasons] of cases) {
    const all = { ...KEYS, ...env };
    const target = resolveTarget({}, all);
    assert.deepEqual(
      productionReasons(target, all, scripts, project),
      reasons,
      JSON.stringify(env),
    );
  }
});

test("productionReasons() checks OTLP hosts too, and never the file or the preview", () => {
  const otlp = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector-prd.internal:4318" };
  assert.deepEqual(productionReasons(resolveTarget({}, otlp), otlp, []), [
    'the host "collector-prd.internal" is named like production ("prd")',
  ]);
  const env = { LANGFUSE_TRACING_ENVIRONMENT: "production" };
  assert.deepEqual(
    productionReasons(resolveTarget({ target: "file" }, env), env, ["production"]),
    [],
  );
  assert.deepEqual(productionReasons(resolveTarget({}, env), env, ["production"]), []);
});
