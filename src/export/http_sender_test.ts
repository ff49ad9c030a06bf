import { test } from "node:test";
import assert from "node:assert/strict";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import { HttpSender, releaseBody } from "./http_sender.ts";
import { type ReceiverOptions, startOtlpReceiver } from "./receiver.ts";
import { DeliveryStats } from "./stats.ts";
import { resolveTarget } from "./target.ts";
import { withFloodingServer, withOtlpReceiver } from "../../testing/servers.ts";

function spans(count: number): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const tracer = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] })
    .getTracer("test");
  for (let i = 0; i < count; i++) tracer.startSpan(`span-${i}`).end();
  return exporter.getFinishedSpans();
}

/** Runs `fn` with a receiver's traces URL and its count of accepted spans. */
const withReceiver = (
  options: ReceiverOptions,
  fn: (url: string, received: () => number) => Promise<void>,
) =>
  withOtlpReceiver(
    options,
    (receiver) => fn(`${receiver.url}/v1/traces`, () => receiver.spans.length),
  );

test("a 503 with Retry-After is retried after the given delay, then acknowledged", async () => {
  await withReceiver({
    respond: ({ index }) =>
      index === 0 ? { status: 503, headers: { "retry-after": "1" } } : undefined,
  }, async (url, received) => {
    const stats = new DeliveryStats();
    const sender = new HttpSender({ url, protocol: "http/json" }, stats);
    const started = performance.now();
    const result = await sender.send(spans(3));
    const elapsed = performance.now() - started;
    assert.deepEqual(result, { acknowledged: 3, failures: [] });
    assert.ok(elapsed >= 950, `waited ${elapsed}ms for Retry-After: 1`);
    assert.equal(stats.requests, 2);
    assert.equal(stats.retried, 1);
    assert.deepEqual(Object.fromEntries(stats.byStatus), { "503": 1, "200": 1 });
    assert.equal(received(), 3);
  });
});

test("429 without Retry-After and a dropped connection are retried with backoff", async () => {
  await withReceiver({
    respond: ({ index }) =>
      index === 0 ? { status: 429 } : index === 1 ? { drop: true } : undefined,
  }, async (url, received) => {
    const stats = new DeliveryStats();
    const sender = new HttpSender({ url, retry: { initialBackoffMs: 20 } }, stats);
    const result = await sender.send(spans(2));
    assert.deepEqual(result, { acknowledged: 2, failures: [] });
    // Deno's fetch itself re-sends a request whose pooled connection was closed unanswered, so
    // the drop is seen as "network" by us under Bun only; the outcome is the same.
    assert.ok(stats.retried >= 1);
    assert.equal(stats.byStatus.get("429"), 1);
    assert.equal(stats.byStatus.get("200"), 1);
    assert.equal(received(), 2);
  });
});

test("401 stops at once and the message names the key variables, never their values", async () => {
  const secret = "sk-lf-very-secret-value";
  await withReceiver(
    { auth: { publicKey: "pk-lf-right", secretKey: "sk-lf-right" } },
    async (url) => {
      const target = resolveTarget({}, {
        LANGFUSE_PUBLIC_KEY: "pk-lf-wrong",
        LANGFUSE_SECRET_KEY: secret,
        LANGFUSE_BASE_URL: url.replace("/v1/traces", ""),
      });
      const stats = new DeliveryStats();
      const sender = new HttpSender(
        { url, headers: target.headers, authHint: target.authHint },
        stats,
      );
      const first = await sender.send(spans(2));
      assert.equal(stats.requests, 1, "no retry on 401");
      assert.equal(first.acknowledged, 0);
      assert.match(first.fatal!, /HTTP 401.*LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY/);
      assert.ok(!first.fatal!.includes(secret) && !first.fatal!.includes("pk-lf-wrong"));
      const second = await sender.send(spans(1));
      assert.equal(stats.requests, 1, "nothing more is sent after a fatal answer");
      assert.equal(second.fatal, first.fatal);
    },
  );
});

test("a 400 is not retried and its reason is kept", async () => {
  await withReceiver(
    { respond: () => ({ status: 400, body: "span 3 has no trace id" }) },
    async (url) => {
      const stats = new DeliveryStats();
      const result = await new HttpSender({ url }, stats).send(spans(4));
      assert.equal(stats.requests, 1);
      assert.deepEqual(result, {
        acknowledged: 0,
        failures: [{ count: 4, reason: "HTTP 400: span 3 has no trace id" }],
      });
    },
  );
});

test("a partial-success answer counts the rejected spans as failed, with the server's message", async () => {
  await withReceiver(
    { respond: () => ({ rejectSpans: { count: 2, message: "invalid level" } }) },
    async (url) => {
      for (const protocol of ["http/json", "http/protobuf"] as const) {
        const result = await new HttpSender({ url, protocol }, new DeliveryStats()).send(spans(5));
        assert.deepEqual(result, {
          acknowledged: 3,
          failures: [{ count: 2, reason: "rejected by the target: invalid level" }],
        }, protocol);
      }
    },
  );
});

test("a 200 with an HTML page or unparsable JSON is no acknowledgement: the batch fails once, with what came back", async () => {
  const html = "<!DOCTYPE html><html><head><title>Langfuse</title></head><body></body></html>";
  const cases = [
    {
      answer: { body: html, headers: { "content-type": "text/html; charset=utf-8" } },
      reason: "HTTP 200 with an HTML page, not an OTLP response: check LANGFUSE_BASE_URL",
    },
    {
      answer: { body: '{"partialSuccess":', headers: { "content-type": "application/json" } },
      reason: "HTTP 200 with a body that is not an OTLP JSON response " +
        '(content-type "application/json"): "{\\"partialSuccess\\":"',
    },
    {
      answer: { body: "OK", headers: { "content-type": "application/x-protobuf" } },
      reason: "HTTP 200 with a body that is not an OTLP protobuf response " +
        '(content-type "application/x-protobuf"): "OK"',
    },
  ];
  for (const { answer, reason } of cases) {
    await withReceiver({ respond: () => answer }, async (url) => {
      const stats = new DeliveryStats();
      const sender = new HttpSender({ url, urlHint: "LANGFUSE_BASE_URL" }, stats);
      const result = await sender.send(spans(3));
      assert.deepEqual(result, { acknowledged: 0, failures: [{ count: 3, reason }] });
      assert.equal(stats.requests, 1, "not retried: the server may have kept the spans");
    });
  }
});

test("a long JSON partial-success answer is read whole: its rejected spans fail with its message", async () => {
  const message = `level ${"x".repeat(6000)} is not one of DEBUG, DEFAULT, WARNING, ERROR`;
  const body = JSON.stringify({ partialSuccess: { rejectedSpans: "2", errorMessage: message } });
  await withReceiver(
    { respond: () => ({ body, headers: { "content-type": "application/json" } }) },
    async (url) => {
      const result = await new HttpSender({ url, protocol: "http/json" }, new DeliveryStats())
        .send(spans(5));
      assert.deepEqual(result, {
        acknowledged: 3,
        failures: [{ count: 2, reason: `rejected by the target: ${message}` }],
      });
    },
  );
});

test("a 200 answering 5 MiB, or a body that never ends, fails the batch once as no OTLP response, within seconds", async () => {
  for (const bytes of [5 * 1024 * 1024, undefined]) {
    await withFloodingServer({ bytes }, async (server) => {
      const stats = new DeliveryStats();
      const started = performance.now();
      const result = await new HttpSender({ url: server.url }, stats).send(spans(3));
      const elapsed = performance.now() - started;
      assert.deepEqual(result, {
        acknowledged: 0,
        failures: [{
          count: 3,
          reason: "HTTP 200 with an answer over 1 MiB, not an OTLP response",
        }],
      }, `${bytes ?? "endless"}`);
      assert.equal(server.requests(), 1, "not retried: the server may have kept the spans");
      assert.ok(elapsed < 5_000, `ended after ${Math.round(elapsed)} ms`);
      if (bytes === undefined) await server.waitForHangUps(1);
    });
  }
});

test("a 503 whose body never ends is retried on its status, each answer cut off after its first bytes", async () => {
  await withFloodingServer({ status: 503, contentType: "text/plain" }, async (server) => {
    const result = await new HttpSender({
      url: server.url,
      retry: { initialBackoffMs: 20, deadlineMs: 300 },
    }, new DeliveryStats()).send(spans(2));
    assert.equal(result.acknowledged, 0);
    assert.match(result.failures[0].reason, /^HTTP 503, gave up after \d+ attempts/);
    assert.ok(server.requests() >= 2, `${server.requests()} attempts`);
    await server.waitForHangUps(server.requests());
  });
});

test("a 200 with an empty body, or JSON {} to a protobuf request, acknowledges the batch", async () => {
  const answers = [
    { body: "", headers: { "content-type": "application/x-protobuf" } },
    { body: "", headers: { "content-type": "application/json" } },
    { body: "" },
    // Some servers answer every encoding in JSON.
    { body: "{}", headers: { "content-type": "application/json" } },
  ];
  for (const answer of answers) {
    await withReceiver({ respond: () => answer }, async (url, received) => {
      for (const protocol of ["http/json", "http/protobuf"] as const) {
        const result = await new HttpSender({ url, protocol }, new DeliveryStats()).send(spans(2));
        assert.deepEqual(result, { acknowledged: 2, failures: [] }, JSON.stringify(answer));
      }
      assert.equal(received(), 4);
    });
  }
});

test("retries stop at the deadline: a Retry-After beyond it fails the batch with the reason", async () => {
  await withReceiver(
    { respond: () => ({ status: 503, headers: { "retry-after": "120" } }) },
    async (url) => {
      const stats = new DeliveryStats();
      const started = performance.now();
      const result = await new HttpSender({ url, retry: { deadlineMs: 2_000 } }, stats).send(
        spans(2),
      );
      assert.ok(performance.now() - started < 1_500, "failed without waiting");
      assert.equal(stats.requests, 1);
      assert.deepEqual(result.failures, [{
        count: 2,
        reason: "HTTP 503, Retry-After 120s is longer than the 2s retry deadline",
      }]);
    },
  );
});

test("a closed port is reported as connection refused once the deadline passes", async () => {
  const receiver = await startOtlpReceiver();
  const url = `${receiver.url}/v1/traces`;
  await receiver.close();
  const stats = new DeliveryStats();
  const result = await new HttpSender(
    { url, retry: { deadlineMs: 300, initialBackoffMs: 50 } },
    stats,
  )
    .send(spans(1));
  assert.equal(result.acknowledged, 0);
  assert.match(result.failures[0].reason, /^connection refused, gave up after \d attempts/);
  assert.ok(stats.requests >= 2);
});

test("gzip bodies are accepted by the receiver", async () => {
  await withReceiver({}, async (url, received) => {
    const stats = new DeliveryStats();
    const result = await new HttpSender({ url, gzip: true }, stats).send(spans(3));
    assert.deepEqual(result, { acknowledged: 3, failures: [] });
    assert.equal(received(), 3);
  });
});

test("a batch whose body is over the byte limit is split, every request within it", async () => {
  await withOtlpReceiver({}, async (receiver) => {
    const stats = new DeliveryStats();
    const sender = new HttpSender(
      { url: `${receiver.url}/v1/traces`, protocol: "http/json", maxRequestBytes: 20_000 },
      stats,
    );
    const result = await sender.send(spans(300));
    assert.deepEqual(result, { acknowledged: 300, failures: [] });
    assert.ok(receiver.requests.length >= 2, `${receiver.requests.length} requests`);
    for (const request of receiver.requests) {
      assert.ok(request.bodyBytes <= 20_000, `a request of ${request.bodyBytes} bytes`);
    }
    assert.equal(receiver.spans.length, 300);
    assert.equal(new Set(receiver.spans.map((span) => span.spanId)).size, 300, "no span twice");
  });
});

test("a span larger than the request limit alone is counted failed with why, never sent", async () => {
  await withOtlpReceiver({}, async (receiver) => {
    const exporter = new InMemorySpanExporter();
    const tracer = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] })
      .getTracer("test");
    for (let i = 0; i < 4; i++) {
      const span = tracer.startSpan(`span-${i}`);
      // The second span alone encodes to more than the limit; the others are small.
      if (i === 1) span.setAttribute("langfuse.observation.input", "ü".repeat(30_000));
      span.end();
    }
    const stats = new DeliveryStats();
    const sender = new HttpSender(
      { url: `${receiver.url}/v1/traces`, protocol: "http/json", maxRequestBytes: 20_000 },
      stats,
    );
    const result = await sender.send(exporter.getFinishedSpans());
    assert.equal(result.acknowledged, 3);
    assert.equal(result.failures.length, 1);
    assert.equal(result.failures[0].count, 1);
    assert.match(
      result.failures[0].reason,
      /^a span is 5\d\.\d+ KiB encoded, over the request limit of 19\.53 KiB/,
    );
    for (const request of receiver.requests) {
      assert.ok(request.bodyBytes <= 20_000, `a request of ${request.bodyBytes} bytes`);
    }
    assert.deepEqual(receiver.spans.map((span) => span.name).sort(), [
      "span-0",
      "span-2",
      "span-3",
    ]);
  });
});

test("a sent body's memory is freed at once, and a view into a shared buffer is left alone", () => {
  const body = new Uint8Array(4 << 20).fill(7);
  releaseBody(body);
  assert.equal(body.buffer.byteLength, 0, "the 4 MB backing store was dropped");
  const shared = new Uint8Array(64).fill(1);
  const view = shared.subarray(8, 16);
  releaseBody(view);
  assert.equal(view.byteLength, 8);
  assert.equal(shared.reduce((a, b) => a + b, 0), 64, "the bytes around it are untouched");
});
