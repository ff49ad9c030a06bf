/**
 * The reference: the same sessions produced with Langfuse's own JS SDK (`@langfuse/tracing` +
 * `@langfuse/otel` 5.11.1) in its best documented lossless setup: a NodeTracerProvider with
 * `new LangfuseSpanProcessor({ flushAt: 2048, flushInterval: 1, mediaUploadEnabled: false })`
 * and `await processor.forceFlush()` after every 100 sessions (2,000 spans: the processor's
 * queue drops spans past about 2,048 between flushes). Each session is planned by our planner
 * (same seeds, same content and timestamps), then every turn is one trace: attributes
 * propagated with `propagateAttributes`, the root and every child made with the top-level
 * `startObservation(name, attributes, { asType, startTime, parentSpanContext })` (the method
 * form `observation.startObservation` drops `startTime` in 5.11.1), each ended at its planned
 * time. Prints one JSON line; what reached the receiver is counted there, not here.
 *
 * @example
 * deno run -A scripts/bench/langfuse_sdk_worker.ts --spans 200000 --url http://127.0.0.1:41234
 */
import process from "node:process";
import type { SpanContext } from "@opentelemetry/api";
import { LangfuseSpanProcessor } from "@langfuse/otel";
import {
  type LangfuseGenerationAttributes,
  propagateAttributes,
  startObservation,
} from "@langfuse/tracing";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import type { ObservationPlan, SessionPlan, TurnPlan } from "../../src/plan/types.ts";
import { details } from "../../src/plan/usage.ts";
import {
  cpuSecondsSince,
  intFlag,
  kernelPeakRssMb,
  parseFlags,
  round,
  RssSampler,
  runtimeName,
  SessionSource,
  type WorkerResult,
} from "./_measure.ts";

/** Sessions between two `forceFlush()` calls: 100 sessions of the reference script are 2,000 spans. */
export const SESSIONS_PER_FLUSH = 100;

/** What to run. */
export interface SdkRunOptions {
  /** Langfuse base URL (the counting receiver). */
  url: string;
  /** Stop planning sessions once this many spans were created. */
  spans: number;
}

/** The observation's attributes as the SDK takes them. */
function attributesOf(obs: ObservationPlan): LangfuseGenerationAttributes {
  const attributes: LangfuseGenerationAttributes = {
    input: obs.input,
    output: obs.output,
    metadata: obs.metadata,
    level: obs.level,
    statusMessage: obs.statusMessage,
  };
  if (obs.type === "generation") {
    attributes.model = obs.model;
    attributes.modelParameters = obs.modelParameters as Record<string, string | number>;
    if (obs.usage) attributes.usageDetails = details(obs.usage);
    if (obs.cost) attributes.costDetails = details(obs.cost);
    if (obs.completionStartMs !== undefined) {
      attributes.completionStartTime = new Date(obs.completionStartMs);
    }
    if (obs.prompt) attributes.prompt = { ...obs.prompt, isFallback: false };
  }
  return attributes;
}

function observe(obs: ObservationPlan, parent: SpanContext | undefined): void {
  // The SDK's overloads are per observation type; the value decides at run time.
  const asType = obs.type as "span";
  const observation = startObservation(obs.name, attributesOf(obs), {
    asType,
    startTime: new Date(obs.startMs),
    parentSpanContext: parent,
  });
  // An event ends itself at its start time.
  if (obs.type === "event") return;
  if (parent === undefined) observation.setTraceIO({ input: obs.input, output: obs.output });
  const context = observation.otelSpan.spanContext();
  for (const child of obs.children) observe(child, context);
  observation.end(new Date(obs.endMs));
}

function emitTurn(plan: SessionPlan, turn: TurnPlan): void {
  propagateAttributes({
    sessionId: plan.sessionId,
    userId: plan.userId,
    traceName: plan.traceName,
    version: plan.version,
    environment: plan.environment,
    tags: plan.tags,
    metadata: { ...plan.metadata, turn_kind: turn.kind, outcome: turn.outcome },
  }, () => observe(turn.root, undefined));
}

/** Runs one measurement and returns its result (acknowledged unknown: read the receiver). */
export async function runSdk(options: SdkRunOptions): Promise<WorkerResult> {
  const source = await SessionSource.load();
  const processor = new LangfuseSpanProcessor({
    publicKey: "pk-lf-bench",
    secretKey: "sk-lf-bench",
    baseUrl: options.url,
    flushAt: 2048,
    flushInterval: 1,
    mediaUploadEnabled: false,
  });
  const provider = new NodeTracerProvider({ spanProcessors: [processor] });
  provider.register();
  const rss = new RssSampler();
  const started = performance.now();
  const cpu = process.cpuUsage();
  while (source.spans < options.spans) {
    const plan = source.next();
    for (const turn of plan.turns) emitTurn(plan, turn);
    if (source.sessions % SESSIONS_PER_FLUSH === 0) {
      rss.sample();
      await processor.forceFlush();
    }
  }
  await provider.forceFlush();
  await provider.shutdown();
  const seconds = (performance.now() - started) / 1000;
  return {
    runtime: runtimeName(),
    mode: "sdk",
    protocol: "http/json",
    sessions: source.sessions,
    generated: source.spans,
    acknowledged: null,
    failed: null,
    seconds: round(seconds, 3),
    cpuSeconds: cpuSecondsSince(cpu),
    spansPerSecond: Math.round(source.spans / seconds),
    peakRssMb: rss.stop(),
    hwmMb: kernelPeakRssMb(),
  };
}

if (import.meta.main) {
  const flags = parseFlags(process.argv.slice(2));
  const url = flags.get("url");
  if (url === undefined) throw new Error("--url (the receiver's base URL) is needed");
  const result = await runSdk({
    url,
    spans: intFlag(flags, "spans", 200_000),
  });
  console.log(JSON.stringify(result));
  process.exit(0);
}
