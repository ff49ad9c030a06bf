/**
 * Wires the OpenTelemetry SDK for a run: a tracer provider with the planned id generator, the
 * Langfuse baggage processor first, then the lossless batcher into the target's sender.
 */
import { context } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { TracerProvider } from "@opentelemetry/sdk-trace";
import type { Tracer } from "@opentelemetry/api";
import { SCOPE_NAME } from "../emit/attributes.ts";
import { LangfuseBaggageSpanProcessor } from "../emit/baggage_processor.ts";
import { PlannedIdGenerator } from "../emit/planned_ids.ts";
import type { Scope } from "../emit/dialect_parts.ts";
import { type BatcherOptions, LosslessBatchProcessor } from "./batcher.ts";
import { FileSender } from "./file_sender.ts";
import { HttpSender } from "./http_sender.ts";
import type { RetryPolicy } from "../http/retry.ts";
import type { SpanSender } from "./sender.ts";
import { DeliveryStats } from "./stats.ts";
import type { Target } from "./target.ts";
import { VERSION } from "../version.ts";

/** A ready export pipeline. */
export interface Pipeline {
  tracer: Tracer;
  /** The tracer of another instrumentation scope (a dialect's library), made once per scope. */
  tracerFor: (scope: Scope) => Tracer;
  ids: PlannedIdGenerator;
  batcher: LosslessBatchProcessor;
  stats: DeliveryStats;
  /** Flushes everything and shuts the provider down. */
  close(): Promise<void>;
}

/** Pipeline settings beyond the target. */
export interface PipelineOptions extends BatcherOptions {
  retry?: RetryPolicy;
  /** Send through this instead of the target's sender (the benchmark's ceiling discards). */
  sender?: (stats: DeliveryStats) => SpanSender;
}

let contextManagerReady = false;

/** Registers the async context manager once, so baggage survives `await`. */
export function ensureContextManager(): void {
  if (contextManagerReady) return;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  contextManagerReady = true;
}

/** Builds the sender for a target (the preview target is an http target on loopback). */
export function createSender(
  target: Target,
  stats: DeliveryStats,
  retry?: RetryPolicy,
): SpanSender {
  if (target.kind === "file") return new FileSender(target.path!);
  return new HttpSender({
    url: target.url!,
    headers: target.headers,
    protocol: target.protocol,
    gzip: target.gzip,
    timeoutMs: target.timeoutMs,
    retry,
    authHint: target.authHint,
    urlHint: target.urlHint,
  }, stats);
}

/** Creates the SDK pipeline that exports to `target`. */
export function createPipeline(target: Target, options: PipelineOptions = {}): Pipeline {
  ensureContextManager();
  const stats = new DeliveryStats();
  const sender = options.sender?.(stats) ?? createSender(target, stats, options.retry);
  const batcher = new LosslessBatchProcessor(sender, stats, options);
  const ids = new PlannedIdGenerator();
  const provider = new TracerProvider({
    // Our own resource, not the default: the default names the process, which differs between
    // runtimes and would make seeded payloads differ.
    resource: resourceFromAttributes({ "service.name": SCOPE_NAME, "service.version": VERSION }),
    idGenerator: ids,
    spanProcessors: [new LangfuseBaggageSpanProcessor(), batcher],
  });
  const tracers = new Map<string, Tracer>();
  return {
    tracer: provider.getTracer(SCOPE_NAME, VERSION),
    tracerFor: ({ name, version }) => {
      const key = `${name}@${version ?? ""}`;
      let tracer = tracers.get(key);
      if (tracer === undefined) tracers.set(key, tracer = provider.getTracer(name, version));
      return tracer;
    },
    ids,
    batcher,
    stats,
    close: () => provider.shutdown(),
  };
}
