import { test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { request } from "node:http";
import { connect } from "node:net";
import { gzipSync } from "node:zlib";
import { context, trace } from "@opentelemetry/api";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { type ReadableSpan, TracerProvider } from "@opentelemetry/sdk-trace";
import { JsonTraceSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { type OtlpReceiver, type ReceiverOptions, startOtlpReceiver } from "./receiver.ts";
import { withOtlpReceiver } from "../../testing/servers.ts";

const JSON_TYPE = "application/json";
const PROTO_TYPE = "application/x-protobuf";
const TRACES_PATH = "/api/public/otel/v1/traces";

/** Three real SDK spans (a root and two children) named span-0..span-2, in end order. */
function sdkSpans(): ReadableSpan[] {
  const ended: ReadableSpan[] = [];
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ "service.name": "receiver-test" }),
    spanProcessors: [{
      onStart() {},
      onEnd: (span: ReadableSpan) => void ended.push(span),
      forceFlush: () => Promise.resolve(),
      shutdown: () => Promise.resolve(),
    }],
  });
  const tracer = provider.getTracer("receiver-test");
  const root = tracer.startSpan("span-2");
  const ctx = trace.setSpan(context.active(), root);
  tracer.startSpan("span-0", {}, ctx).end();
  tracer.startSpan("span-1", {}, ctx).end();
  root.end();
  return ended;
}

function body(spans: ReadableSpan[], type: string): Uint8Array {
  const out = type === JSON_TYPE
    ? JsonTraceSerializer.serializeRequest(spans)
    : ProtobufTraceSerializer.serializeRequest(spans);
  assert.ok(out);
  return out;
}

function post(
  receiver: OtlpReceiver,
  payload: Uint8Array | string,
  headers: Record<string, string>,
  path = TRACES_PATH,
): Promise<Response> {
  // Copy into a plain ArrayBuffer-backed array, which is what BodyInit's type accepts.
  const data = typeof payload === "string"
    ? new TextEncoder().encode(payload)
    : new Uint8Array(payload);
  return fetch(receiver.url + path, { method: "POST", headers, body: data });
}

async function bytes(res: Response): Promise<Uint8Array> {
  return new Uint8Array(await res.arrayBuffer());
}

const variants = [
  { label: "JSON", type: JSON_TYPE, gzip: false },
  { label: "protobuf", type: PROTO_TYPE, gzip: false },
  { label: "gzipped protobuf", type: PROTO_TYPE, gzip: true },
  { label: "gzipped JSON", type: JSON_TYPE, gzip: true },
];

for (const { label, type, gzip } of variants) {
  test(`accepts and decodes ${label} from the SDK serializer`, async () => {
    await withOtlpReceiver({}, async (receiver) => {
      const sdk = sdkSpans();
      const plain = body(sdk, type);
      const sent = gzip ? new Uint8Array(gzipSync(plain)) : plain;
      const headers: Record<string, string> = { "content-type": type };
      if (gzip) headers["content-encoding"] = "gzip";
      const res = await post(receiver, sent, headers);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-type"), type);
      const answer = type === JSON_TYPE
        ? JsonTraceSerializer.deserializeResponse(await bytes(res))
        : ProtobufTraceSerializer.deserializeResponse(await bytes(res));
      assert.deepEqual(answer, {}, "full success has no partialSuccess");

      await receiver.waitForSpans(3, 1000);
      assert.deepEqual(
        receiver.spans.map((s) => [s.name, s.traceId, s.spanId, s.parentSpanId]).sort(),
        sdk.map((s) => [
          s.name,
          s.spanContext().traceId,
          s.spanContext().spanId,
          s.parentSpanContext?.spanId,
        ]).sort(),
      );
      assert.equal(receiver.requests.length, 1);
      const [req] = receiver.requests;
      assert.equal(req.index, 0);
      assert.equal(req.path, TRACES_PATH);
      assert.equal(req.contentType, type);
      assert.equal(req.gzip, gzip);
      assert.equal(req.bodyBytes, sent.length);
      assert.equal(req.status, 200);
      assert.equal(req.accepted, 3);
      assert.equal(req.spans.length, 3);
    });
  });
}

test("routes like an OTLP endpoint: any */v1/traces path, 404 elsewhere, 405 for non-POST", async () => {
  await withOtlpReceiver({}, async (receiver) => {
    const payload = body(sdkSpans(), PROTO_TYPE);
    const headers = { "content-type": PROTO_TYPE };
    assert.equal((await post(receiver, payload, headers, "/v1/traces")).status, 200);
    assert.equal((await post(receiver, payload, headers, "/v1/metrics")).status, 404);
    assert.equal((await post(receiver, payload, headers, "/v1/traces/extra")).status, 404);
    const get = await fetch(receiver.url + TRACES_PATH);
    assert.equal(get.status, 405);
    await get.body?.cancel();
    assert.deepEqual(receiver.requests.map((r) => [r.index, r.status]), [
      [0, 200],
      [1, 404],
      [2, 404],
      [3, 405],
    ]);
    assert.equal(receiver.spans.length, 3, "only the routed request's spans are accepted");
  });
});

test("400 with a message for a bad content type, an undecodable body, or broken gzip", async () => {
  await withOtlpReceiver({}, async (receiver) => {
    const json = body(sdkSpans(), JSON_TYPE);
    const badType = await post(receiver, json, { "content-type": "text/plain" });
    assert.equal(badType.status, 400);
    assert.match(await badType.text(), /content type/);

    const notJson = await post(receiver, "{not json", { "content-type": JSON_TYPE });
    assert.equal(notJson.status, 400);
    assert.match((await notJson.json()).message, /not valid JSON/);

    const badId = JSON.parse(new TextDecoder().decode(json));
    badId.resourceSpans[0].scopeSpans[0].spans[0].spanId = "xyz";
    const malformed = await post(receiver, JSON.stringify(badId), { "content-type": JSON_TYPE });
    assert.equal(malformed.status, 400);
    assert.match((await malformed.json()).message, /spanId/);

    const badGzip = await post(receiver, json, {
      "content-type": JSON_TYPE,
      "content-encoding": "gzip",
    });
    assert.equal(badGzip.status, 400);
    await badGzip.body?.cancel();

    assert.equal(receiver.spans.length, 0, "no spans accepted from rejected requests");
    assert.deepEqual(receiver.requests.map((r) => r.status), [400, 400, 400, 400]);
  });
});

test("413 for a body over the bound, from its length or as it streams, and for a gzip bomb; then carries on", async () => {
  const refused: string[] = [];
  await withOtlpReceiver({
    maxBodyBytes: 64 * 1024,
    onRefused: ({ status, message }) => refused.push(`${status} ${message}`),
  }, async (receiver) => {
    const declared = await post(receiver, new Uint8Array(65 * 1024), { "content-type": JSON_TYPE });
    assert.equal(declared.status, 413);
    assert.match((await declared.json()).message, /request body is larger than 64 KiB/);

    // No Content-Length: refused once the bytes read pass the bound, the rest read and dropped.
    const streamed = await new Promise<number>((resolve, reject) => {
      const req = request(`${receiver.url}${TRACES_PATH}`, {
        method: "POST",
        headers: { "content-type": JSON_TYPE },
      }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      for (let i = 0; i < 10; i++) req.write(Buffer.alloc(16 * 1024));
      req.end();
    });
    assert.equal(streamed, 413);

    // 8 MiB of zeros, 8 KiB gzipped: zlib stops at the bound.
    const bomb = gzipSync(new Uint8Array(8 * 1024 * 1024));
    assert.ok(bomb.length < 64 * 1024);
    const inflated = await post(receiver, bomb, {
      "content-type": JSON_TYPE,
      "content-encoding": "gzip",
    });
    assert.equal(inflated.status, 413);
    assert.match((await inflated.json()).message, /gzip body inflates to more than 64 KiB/);

    const fine = await post(receiver, body(sdkSpans(), JSON_TYPE), { "content-type": JSON_TYPE });
    assert.equal(fine.status, 200);
    await fine.body?.cancel();
    assert.equal(receiver.spans.length, 3);
    assert.deepEqual(receiver.requests.map((r) => r.status), [413, 413, 413, 200]);
    assert.equal(refused.length, 3);
    assert.ok(refused.every((line) => line.startsWith("413 ")), refused.join("\n"));
  });
});

test("basic auth: 401 when missing or wrong, 403 for Bearer, 200 when right; never stored", async () => {
  const auth = { publicKey: "pk-lf-test", secretKey: "sk-lf-very-secret" };
  await withOtlpReceiver({ auth }, async (receiver) => {
    const payload = body(sdkSpans(), PROTO_TYPE);
    const basic = (user: string, pass: string) =>
      "Basic " + Buffer.from(`${user}:${pass}`).toString("base64");
    const attempt = async (authorization?: string) => {
      const headers: Record<string, string> = { "content-type": PROTO_TYPE };
      if (authorization !== undefined) headers.authorization = authorization;
      const res = await post(receiver, payload, headers);
      await res.body?.cancel();
      return res.status;
    };
    assert.equal(await attempt(), 401);
    assert.equal(await attempt(basic(auth.publicKey, "sk-lf-wrong")), 401);
    assert.equal(await attempt(basic(auth.secretKey, auth.publicKey)), 401);
    assert.equal(await attempt(`Bearer ${auth.secretKey}`), 403);
    assert.equal(await attempt(basic(auth.publicKey, auth.secretKey)), 200);
    assert.equal(receiver.spans.length, 3, "only the authorised request is accepted");
    assert.equal(receiver.requests[4].headers.authorization, "[redacted]");
    assert.equal(receiver.requests[0].headers.authorization, undefined);
    const stored = JSON.stringify(receiver.requests.map((r) => r.headers));
    assert.ok(!stored.includes(auth.secretKey), "secret key never stored");
    assert.ok(!stored.includes(Buffer.from(`${auth.publicKey}:`).toString("base64").slice(0, 8)));
  });
});

test("a scripted 503 with retry-after reaches the client; later requests are accepted", async () => {
  const seen: number[] = [];
  const respond: ReceiverOptions["respond"] = ({ index }) => {
    seen.push(index);
    return index === 0 ? { status: 503, headers: { "retry-after": "1" } } : undefined;
  };
  await withOtlpReceiver({ respond }, async (receiver) => {
    const sdk = sdkSpans();
    const headers = { "content-type": JSON_TYPE };
    const first = await post(receiver, body(sdk, JSON_TYPE), headers);
    assert.equal(first.status, 503);
    assert.equal(first.headers.get("retry-after"), "1");
    await first.body?.cancel();
    assert.equal(receiver.spans.length, 0, "a 503 acknowledges nothing");

    const second = await post(receiver, body(sdk, JSON_TYPE), headers);
    assert.equal(second.status, 200);
    await second.body?.cancel();
    assert.equal(receiver.spans.length, 3);
    assert.deepEqual(seen, [0, 1]);
    assert.deepEqual(receiver.requests.map((r) => [r.status, r.accepted, r.spans.length]), [
      [503, 0, 3],
      [200, 3, 3],
    ]);
  });
});

test("drop resets the connection: fetch fails and nothing is accepted", async () => {
  await withOtlpReceiver({ respond: () => ({ drop: true }) }, async (receiver) => {
    await assert.rejects(post(receiver, body(sdkSpans(), PROTO_TYPE), {
      "content-type": PROTO_TYPE,
    }));
    assert.equal(receiver.spans.length, 0);
    assert.equal(receiver.requests.length, 1);
    assert.equal(receiver.requests[0].status, 0);
    assert.equal(receiver.requests[0].spans.length, 3, "the body was still decoded");
  });
});

for (const type of [PROTO_TYPE, JSON_TYPE]) {
  test(`rejectSpans answers a ${type} partial success the SDK reads and drops the last spans`, async () => {
    const message = "1 span rejected: prompt version must be an integer";
    const respond = () => ({ rejectSpans: { count: 1, message } });
    await withOtlpReceiver({ respond }, async (receiver) => {
      const res = await post(receiver, body(sdkSpans(), type), { "content-type": type });
      assert.equal(res.status, 200);
      const data = await bytes(res);
      if (type === PROTO_TYPE) {
        assert.deepEqual(ProtobufTraceSerializer.deserializeResponse(data), {
          partialSuccess: { rejectedSpans: 1, errorMessage: message },
        });
      } else {
        const answer = JsonTraceSerializer.deserializeResponse(data);
        assert.equal(Number(answer.partialSuccess?.rejectedSpans), 1);
        assert.equal(answer.partialSuccess?.errorMessage, message);
      }
      const [req] = receiver.requests;
      const last = req.spans[req.spans.length - 1];
      assert.equal(req.accepted, 2);
      assert.deepEqual(receiver.spans, req.spans.slice(0, 2));
      assert.ok(!receiver.spans.some((s) => s.spanId === last.spanId), "last span not accepted");
    });
  });
}

test("delayMs holds the answer; waitForSpans waits for it and times out when short", async () => {
  await withOtlpReceiver({ respond: () => ({ delayMs: 300 }) }, async (receiver) => {
    const started = Date.now();
    const pending = post(receiver, body(sdkSpans(), PROTO_TYPE), { "content-type": PROTO_TYPE });
    await assert.rejects(receiver.waitForSpans(3, 50), /0 of 3 spans/);
    await receiver.waitForSpans(3, 2000);
    const res = await pending;
    await res.body?.cancel();
    assert.equal(res.status, 200);
    assert.ok(Date.now() - started >= 280, `answered after ${Date.now() - started}ms`);
  });
});

/** Sends one keep-alive HTTP/1.1 request over a raw socket and leaves the socket open. */
function keepAliveRequest(url: string): Promise<{ response: string; closed: Promise<void> }> {
  const { port } = new URL(url);
  const payload = Buffer.from(body(sdkSpans(), JSON_TYPE));
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), "127.0.0.1");
    const closed = new Promise<void>((done) => socket.on("close", () => done()));
    let response = "";
    socket.on("error", () => {});
    socket.on("data", (chunk: Buffer) => {
      response += chunk.toString("latin1");
      if (response.includes("\r\n\r\n")) resolve({ response, closed });
    });
    socket.once("connect", () => {
      socket.write(
        `POST ${TRACES_PATH} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: keep-alive\r\n` +
          `Content-Type: ${JSON_TYPE}\r\nContent-Length: ${payload.length}\r\n\r\n`,
      );
      socket.write(payload);
    });
    socket.once("error", reject);
  });
}

test("close() resolves promptly with a keep-alive connection and a delayed request open", async () => {
  let slowArrived = () => {};
  const arrived = new Promise<void>((r) => (slowArrived = r));
  const receiver = await startOtlpReceiver({
    respond: ({ index }) => {
      if (index !== 1) return undefined;
      slowArrived();
      return { delayMs: 10_000 };
    },
  });
  const { response, closed } = await keepAliveRequest(receiver.url);
  assert.match(response, /^HTTP\/1\.1 200/);
  assert.doesNotMatch(response, /connection: close/i, "server kept the connection open");
  const slow = post(receiver, body(sdkSpans(), PROTO_TYPE), { "content-type": PROTO_TYPE });
  const slowOutcome = slow.then((r) => r.status, () => "failed");
  await arrived;

  const started = Date.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<string>((r) => (timer = setTimeout(() => r("timeout"), 3000)));
  const outcome = await Promise.race([receiver.close().then(() => "closed"), timeout]);
  clearTimeout(timer);
  assert.equal(outcome, "closed");
  assert.ok(Date.now() - started < 2000);
  await closed; // the server, not the client, ended the idle keep-alive socket
  assert.equal(await slowOutcome, "failed", "the delayed request is cut off, not answered");
  assert.equal(receiver.spans.length, 3, "only the first request was accepted");
});
