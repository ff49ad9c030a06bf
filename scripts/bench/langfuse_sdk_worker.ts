/**
 * The reference: the same sessions produced the straightforward way with Langfuse's own JS SDK
 * (`@langfuse/tracing` + `@langfuse/otel`, set up as their README shows: a NodeTracerProvider
 * with the LangfuseSpanProcessor, defaults left alone). Each session is planned by our planner
 * (same seeds, same content and timestamps), then every turn is one trace: attributes
 * propagated with `propagateAttributes`, observations nested with `startActiveObservation`,
 * events with `startObservation`. Flushes at the end and prints one JSON line; what reached
 * the receiver is counted there, not here.
 *
 * `--yield` gives the event loop a turn after each session (`setImmediate`), so the SDK's
 * exporter can send while sessions are produced; without it the loop only awaits promises.
 *
 * @example
 * deno run -A scripts/bench/langfuse_sdk_worker.ts --spans 200000 --url http://127.0.0.1:41234
 */
import process from "node:process";
import { setImmediate } from "node:timers";
import { LangfuseSpanProcessor } from "@langfuse/otel";
import {
  type LangfuseGenerationAttributes,
  propagateAttributes,
  startActiveObservation,
  startObservation,
} from "@langfuse/tracing";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import type { ObservationPlan, SessionPlan, TurnPlan } from "../../src/plan/types.ts";
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

/** What to run. */
export interface SdkRunOptions {
  /** Langfuse base URL (the counting receiver). */
  url: string;
  /** Stop planning sessions once this many spans were created. */
  spans: number;
  /** Yield to the event loop after each session; default false. */
  yieldEachSession?: boolean;
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
    if (obs.usage) attributes.usageDetails = { ...obs.usage };
    if (obs.cost) attributes.costDetails = { ...obs.cost };
    if (obs.completionStartMs !== undefined) {
      attributes.completionStartTime = new Date(obs.completionStartMs);
    }
    if (obs.prompt) attributes.prompt = { ...obs.prompt, isFallback: false };
  }
  return attributes;
}

async function observe(obs: ObservationPlan, isRoot: boolean): Promise<void> {
  // The SDK's overloads are per observation type; the value decides at run time.
  const asType = obs.type as "span";
  if (obs.type === "event") {
    startObservation(obs.name, attributesOf(obs), {
      asType,
      startTime: new Date(obs.startMs),
    });
    return;
  }
  await startActiveObservation(obs.name, async (observation) => {
    observation.update(attributesOf(obs));
    if (isRoot) observation.setTraceIO({ input: obs.input, output: obs.output });
    for (const child of obs.children) await observe(child, false);
    observation.end(new Date(obs.endMs));
  }, { asType, startTime: new Date(obs.startMs), endOnExit: false });
}

function emitTurn(plan: SessionPlan, turn: TurnPlan): Promise<void> {
  return propagateAttributes({
    sessionId: plan.sessionId,
    userId: plan.userId,
    traceName: plan.traceName,
    version: plan.version,
    environment: plan.environment,
    tags: plan.tags,
    metadata: { ...plan.metadata, turn_kind: turn.kind, outcome: turn.outcome },
  }, () => observe(turn.root, true));
}

/** Runs one measurement and returns its result (acknowledged unknown: read the receiver). */
export async function runSdk(options: SdkRunOptions): Promise<WorkerResult> {
  const source = await SessionSource.load();
  const processor = new LangfuseSpanProcessor({
    publicKey: "pk-lf-bench",
    secretKey: "sk-lf-bench",
    baseUrl: options.url,
  });
  const provider = new NodeTracerProvider({ spanProcessors: [processor] });
  provider.register();
  const rss = new RssSampler();
  const started = performance.now();
  const cpu = process.cpuUsage();
  while (source.spans < options.spans) {
    const plan = source.next();
    for (const turn of plan.turns) await emitTurn(plan, turn);
    // The timer cannot fire while the producer never waits; a sample costs ~50 µs in Deno.
    if (source.sessions % 100 === 0) rss.sample();
    if (options.yieldEachSession) await new Promise((resolve) => setImmediate(resolve));
  }
  await provider.forceFlush();
  await provider.shutdown();
  const seconds = (performance.now() - started) / 1000;
  return {
    runtime: runtimeName(),
    mode: options.yieldEachSession ? "sdk-yield" : "sdk",
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
    yieldEachSession: flags.has("yield"),
  });
  console.log(JSON.stringify(result));
  process.exit(0);
}
