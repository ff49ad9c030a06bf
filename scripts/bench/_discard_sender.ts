/**
 * The ceiling's sender: encodes each batch with the same encoder the HTTP sender uses, counts
 * the bytes, and discards them. Everything but the HTTP round trip.
 *
 * Each send settles on the next event-loop turn (`setImmediate`), as an instant I/O completion
 * would: a producer that only ever awaits already-settled promises never gives the runtime a
 * turn, and Deno then runs measurably slower and less steadily (JSON ceiling 16-27k spans/s
 * without the turn, 30-31k with it, same machine) than the real path that waits for sockets.
 */
import { setImmediate } from "node:timers";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import type { Protocol } from "../../src/export/http_sender.ts";
import { traceRequestEncoder } from "../../src/otlp/encode.ts";
import type { SendResult, SpanSender } from "../../src/export/sender.ts";

/** Serialises batches and throws the bytes away; every span counts as acknowledged. */
export class DiscardSender implements SpanSender {
  /** Serialised bytes, all batches together. */
  bytes = 0;
  readonly #encoder;

  /** Serialises as `protocol` would put it on the wire. */
  constructor(protocol: Protocol) {
    this.#encoder = traceRequestEncoder(protocol);
  }

  /** Serialises one batch, then settles on the next event-loop turn. */
  send(spans: ReadableSpan[]): Promise<SendResult> {
    const count = spans.length;
    const body = this.#encoder.encode(spans);
    this.bytes += body.length;
    // Like the HTTP sender, keeps only the count while "in flight".
    return new Promise((resolve) =>
      setImmediate(() => resolve({ acknowledged: count, failures: [] }))
    );
  }

  /** Nothing to release. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
