import { test } from "node:test";
import assert from "node:assert/strict";
import { parseHeaders, resolveTarget } from "./target.ts";

const LANGFUSE = {
  LANGFUSE_PUBLIC_KEY: "pk-lf-1234",
  LANGFUSE_SECRET_KEY: "sk-lf-5678",
  LANGFUSE_BASE_URL: "https://langfuse.staging.example/",
};

test("with nothing configured the target is the local preview", () => {
  const target = resolveTarget({}, {});
  assert.equal(target.kind, "preview");
  assert.equal(target.protocol, "http/json");
});

test("the three Langfuse variables choose Langfuse: OTLP route, Basic auth, ingestion version 4", () => {
  const target = resolveTarget({}, LANGFUSE);
  assert.equal(target.kind, "langfuse");
  assert.equal(target.url, "https://langfuse.staging.example/api/public/otel/v1/traces");
  assert.equal(target.headers.authorization, `Basic ${btoa("pk-lf-1234:sk-lf-5678")}`);
  assert.equal(target.headers["x-langfuse-ingestion-version"], "4");
  assert.equal(target.protocol, "http/protobuf");
  assert.ok(!target.describe.includes("pk-lf") && !target.describe.includes("sk-lf"));
  assert.equal(
    resolveTarget({}, {
      ...LANGFUSE,
      LANGFUSE_BASE_URL: undefined,
      LANGFUSE_HOST: "http://localhost:3000",
    }).url,
    "http://localhost:3000/api/public/otel/v1/traces",
  );
});

test("a partial Langfuse configuration names the missing variables, never the values", () => {
  assert.throws(() => resolveTarget({}, { LANGFUSE_PUBLIC_KEY: "pk-lf-1234" }), (error: Error) => {
    assert.match(
      error.message,
      /needs LANGFUSE_SECRET_KEY and LANGFUSE_BASE_URL \(or LANGFUSE_HOST\)/,
    );
    assert.ok(!error.message.includes("pk-lf-1234"));
    return true;
  });
});

test("the standard OTEL variables choose an OTLP endpoint with its headers and options", () => {
  const target = resolveTarget({}, {
    OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/",
    OTEL_EXPORTER_OTLP_HEADERS: "x-api-key=abc%3D,tenant=t1",
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
    OTEL_EXPORTER_OTLP_COMPRESSION: "gzip",
  });
  assert.equal(target.kind, "otlp");
  assert.equal(target.url, "http://collector:4318/v1/traces");
  assert.deepEqual(target.headers, { "x-api-key": "abc=", tenant: "t1" });
  assert.equal(target.protocol, "http/json");
  assert.equal(target.gzip, true);
  assert.ok(!target.describe.includes("abc"));
  const signal = resolveTarget({}, {
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://c:4318/custom/traces",
  });
  assert.equal(signal.url, "http://c:4318/custom/traces");
});

test("flags override the environment", () => {
  const target = resolveTarget({ target: "file", out: "out/x.jsonl" }, LANGFUSE);
  assert.equal(target.kind, "file");
  assert.equal(target.path, "out/x.jsonl");
  assert.equal(
    resolveTarget({ protocol: "http/json", gzip: true }, LANGFUSE).protocol,
    "http/json",
  );
});

test("bad values are refused with the variable's name", () => {
  assert.throws(
    () => resolveTarget({}, { ...LANGFUSE, LANGFUSE_BASE_URL: "langfuse.example" }),
    /LANGFUSE_BASE_URL is not a URL/,
  );
  assert.throws(
    () => resolveTarget({}, { ...LANGFUSE, LANGFUSE_BASE_URL: "https://u:p@x.example" }),
    /must not carry credentials/,
  );
  assert.throws(
    () =>
      resolveTarget({}, {
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://c",
        OTEL_EXPORTER_OTLP_PROTOCOL: "grpc",
      }),
    /http\/json or http\/protobuf/,
  );
  assert.throws(
    () => parseHeaders("novalue", "OTEL_EXPORTER_OTLP_HEADERS"),
    /OTEL_EXPORTER_OTLP_HEADERS must be a list of key=value/,
  );
});
