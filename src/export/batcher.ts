/**
 * A lossless batching span processor. The SDK's BatchSpanProcessor drops spans when its queue
 * is full; this one bounds the batch size and the requests in flight, and makes the producer
 * wait (`ready()`) instead. Every span is counted as acknowledged or failed.
 */
import type { ReadableSpan, Span, SpanProcessor } from "@opentelemetry/sdk-trace";
import type { SendResult, SpanSender } from "./sender.ts";
import type { DeliveryStats } from "./stats.ts";

/** Batching limits. */
export interface BatcherOptions {
  /** Spans per request; default 512. */
  maxBatchSpans?: number;
  /** Requests in flight at once; default 4. */
  maxInFlight?: number;
  /** Full batches waiting beyond those in flight before `ready()` holds the producer; default 2. */
  maxQueuedBatches?: number;
  /** Send a partial batch after this long, for paced runs; default 1000 ms, 0 disables. */
  maxDelayMs?: number;
  /**
   * Called with the trace ids of the root spans of each batch acknowledged whole (the
   * time-to-visible probe's start); it must not wait: the send goes on at once. Default none.
   */
  onRootsAcknowledged?: (traceIds: string[]) => void;
}

/** Batches ended spans into a sender without ever dropping one. */
export class LosslessBatchProcessor implements SpanProcessor {
  readonly #maxBatch: number;
  readonly #maxInFlight: number;
  readonly #maxQueued: number;
  readonly #maxDelayMs: number;
  readonly #onRoots?: (traceIds: string[]) => void;
  #current: ReadableSpan[] = [];
  readonly #queue: ReadableSpan[][] = [];
  #inFlight = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #fatal: string | undefined;
  #waiters: (() => void)[] = [];

  /** Sends through `sender`, counting into `stats`. */
  constructor(
    private readonly sender: SpanSender,
    private readonly stats: DeliveryStats,
    options: BatcherOptions = {},
  ) {
    this.#maxBatch = options.maxBatchSpans ?? 512;
    this.#maxInFlight = options.maxInFlight ?? 4;
    this.#maxQueued = options.maxQueuedBatches ?? 2;
    this.#maxDelayMs = options.maxDelayMs ?? 1000;
    this.#onRoots = options.onRootsAcknowledged;
  }

  /** Export requests under way now (a batch's retries count as one). */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Why delivery stopped for good (bad credentials), or undefined. */
  get fatal(): string | undefined {
    return this.#fatal;
  }

  /** Nothing to do when a span starts. */
  onStart(_span: Span): void {}

  /** Queues an ended span; a full batch is sent at once. */
  onEnd(span: ReadableSpan): void {
    this.stats.generated++;
    if (this.#fatal) {
      this.stats.fail(1, this.#fatal);
      return;
    }
    this.#current.push(span);
    if (this.#current.length >= this.#maxBatch) this.#seal();
    else if (this.#maxDelayMs > 0 && this.#timer === undefined) {
      this.#timer = setTimeout(() => this.#seal(), this.#maxDelayMs);
    }
  }

  /** Resolves when the producer may go on: the queue is below its bound. */
  ready(): Promise<void> {
    if (this.#queue.length < this.#maxQueued || this.#fatal) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Sends the partial batch and resolves when nothing is queued or in flight. */
  async forceFlush(): Promise<void> {
    this.#seal();
    while (this.#queue.length > 0 || this.#inFlight > 0) {
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /** Flushes, then closes the sender. */
  async shutdown(): Promise<void> {
    await this.forceFlush();
    await this.sender.close();
  }

  #seal(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#current.length === 0) return;
    this.#queue.push(this.#current);
    this.#current = [];
    this.#pump();
  }

  #pump(): void {
    while (this.#inFlight < this.#maxInFlight && this.#queue.length > 0) {
      const batch = this.#queue.shift()!;
      // Only the count outlives the send: the spans are garbage once serialised.
      const count = batch.length;
      const roots = this.#onRoots ? rootTraceIds(batch) : [];
      this.#inFlight++;
      this.sender.send(batch).then(
        (result) => {
          this.#settle(count, result);
          if (roots.length > 0 && result.acknowledged === count) this.#onRoots!(roots);
        },
        (error) =>
          this.#settle(count, {
            acknowledged: 0,
            failures: [{ count, reason: `export crashed: ${(error as Error).message}` }],
          }),
      );
    }
  }

  #settle(count: number, result: SendResult): void {
    this.#inFlight--;
    this.stats.acknowledged += result.acknowledged;
    for (const failure of result.failures) this.stats.fail(failure.count, failure.reason);
    const unaccounted = count - result.acknowledged -
      result.failures.reduce((sum, failure) => sum + failure.count, 0);
    if (result.fatal) {
      this.#fatal ??= result.fatal;
      // Nothing more can get through: fail what waits instead of sending it.
      this.stats.fail(unaccounted, this.#fatal);
      for (const queued of this.#queue.splice(0)) this.stats.fail(queued.length, this.#fatal);
      this.stats.fail(this.#current.length, this.#fatal);
      this.#current = [];
    } else {
      this.stats.fail(unaccounted, "no result from the sender");
      this.#pump();
    }
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}

/** The trace ids of the batch's root spans (a trace's root ends, and is exported, last). */
function rootTraceIds(batch: readonly ReadableSpan[]): string[] {
  const ids: string[] = [];
  for (const span of batch) {
    if (span.parentSpanContext === undefined) ids.push(span.spanContext().traceId);
  }
  return ids;
}
