import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { collectSecrets, headerSecrets, redact, redactorFor } from "./redact.ts";
import { answerBody } from "./answer_body.ts";
import { describeOutcome } from "./retry.ts";

const TOKEN = btoa("pk-lf-1234:sk-lf-5678");

describe("the run's secrets", () => {
  it("cover the keys, the Basic token and value, header values in every encoding, and URL query values", () => {
    const secrets = collectSecrets({
      LANGFUSE_PUBLIC_KEY: "pk-lf-1234",
      LANGFUSE_SECRET_KEY: "sk-lf-5678",
      OTEL_EXPORTER_OTLP_HEADERS: "x-api-key=a%2Fb%20cdef,authorization=Bearer%20tok-9876",
      OTEL_EXPORTER_OTLP_ENDPOINT: "https://h/?key=q%2Fvalue#fragment1",
    });
    for (
      const form of [
        "pk-lf-1234",
        "sk-lf-5678",
        TOKEN,
        `Basic ${TOKEN}`,
        "a%2Fb%20cdef",
        "a/b cdef",
        "tok-9876",
        "Bearer tok-9876",
        "q%2Fvalue",
        "q/value",
        "fragment1",
      ]
    ) assert.ok(secrets.includes(form), form);
  });

  it("are replaced wherever they occur, the longest form first", () => {
    const clean = redactorFor({ LANGFUSE_PUBLIC_KEY: "pk-lf-1234", LANGFUSE_SECRET_KEY: "sk" });
    assert.equal(
      clean(`authorization: Basic ${btoa("pk-lf-1234:sk")} for pk-lf-1234`),
      "authorization: [redacted] for [redacted]",
    );
  });

  it("leave text alone when the environment holds none", () => {
    assert.equal(redactorFor({})("HTTP 400: 12 spans"), "HTTP 400: 12 spans");
  });

  it("include the user and password inside a sender's Basic header", () => {
    const secrets = headerSecrets({ authorization: `Basic ${TOKEN}` });
    assert.equal(
      redact("bad key sk-lf-5678 or pk-lf-1234", secrets),
      "bad key [redacted] or [redacted]",
    );
  });
});

describe("an answer body in a failure reason", () => {
  it("keeps no half of a secret that the reason's shortening would cut", () => {
    const body = "x".repeat(100) + `authorization: Basic ${TOKEN}`;
    const reason = describeOutcome({
      kind: "http",
      status: 400,
      body: answerBody(
        body,
        "LANGFUSE_BASE_URL",
        headerSecrets({ authorization: `Basic ${TOKEN}` }),
      ),
    });
    assert.ok(!reason.includes(TOKEN.slice(0, 8)), reason);
  });

  it("is a hint naming the variable when it is an HTML page", () => {
    assert.equal(
      answerBody(
        "  <!doctype html><html><body>Not Found</body></html>",
        "OTEL_EXPORTER_OTLP_ENDPOINT",
      ),
      "an HTML page, not an API answer: check OTEL_EXPORTER_OTLP_ENDPOINT",
    );
    assert.equal(
      answerBody('{"message":"<b> is not allowed"}'),
      '{"message":"<b> is not allowed"}',
    );
  });
});
