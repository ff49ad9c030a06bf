/**
 * One measured run of session-replay's own path: plans sessions of the reference script (seed
 * 0, 1, 2, …) and emits them through the export pipeline until `--spans` were generated, then
 * flushes and prints one JSON line (see `WorkerResult`). With `--ceiling`, the same planning
 * and emitting go through the same batcher into a sender that only serialises (no HTTP).
 *
 * @example
 * deno run -A scripts/bench/replay_worker.ts --protocol http/protobuf --spans 200000 --url http://127.0.0.1:41234
 * bun scripts/bench/replay_worker.ts --ceiling --protocol http/json --spans 200000
 */
import process from "node:process";
import { emitSession } from "../../src/emit/emit.ts";
import type { BatcherOptions } from "../../src/export/batcher.ts";
import type { Protocol } from "../../src/export/http_sender.ts";
import { createPipeline, type Pipeline } from "../../src/export/pipeline.ts";
import { resolveTarget } from "../../src/export/target.ts";
import { DiscardSender } from "./_discard_sender.ts";
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
export interface ReplayRunOptions {
  protocol: Protocol;
  /** Stop planning sessions once this many spans were generated. */
  spans: number;
  /** Receiver base URL; absent for the ceiling. */
  url?: string;
  batcher?: BatcherOptions;
}

/** The same pipeline as a run's, but its sender only serialises and discards. */
function ceilingPipeline(protocol: Protocol, options: BatcherOptions): Pipeline {
  return createPipeline(resolveTarget({ target: "file" }, {}), {
    ...options,
    sender: () => new DiscardSender(protocol),
  });
}

/** Runs one measurement and returns its result. */
export async function runReplay(options: ReplayRunOptions): Promise<WorkerResult> {
  const source = await SessionSource.load();
  const pipeline = options.url === undefined
    ? ceilingPipeline(options.protocol, options.batcher ?? {})
    : createPipeline(
      resolveTarget({ target: "otlp", protocol: options.protocol }, {
        OTEL_EXPORTER_OTLP_ENDPOINT: options.url,
      }),
      options.batcher,
    );
  const rss = new RssSampler();
  const started = performance.now();
  const cpu = process.cpuUsage();
  const emit = {
    tracer: pipeline.tracer,
    ids: pipeline.ids,
    backpressure: () => pipeline.batcher.ready(),
    stopped: () => pipeline.batcher.fatal !== undefined,
  };
  while (pipeline.stats.generated < options.spans && pipeline.batcher.fatal === undefined) {
    await emitSession(source.next(), emit);
    // The timer cannot fire while the producer never waits; a sample costs ~50 µs in Deno.
    if (source.sessions % 100 === 0) rss.sample();
  }
  await pipeline.close();
  const seconds = (performance.now() - started) / 1000;
  const { stats } = pipeline;
  return {
    runtime: runtimeName(),
    mode: options.url === undefined ? "ceiling" : "replay",
    protocol: options.protocol,
    sessions: source.sessions,
    generated: stats.generated,
    acknowledged: stats.acknowledged,
    failed: stats.failed,
    seconds: round(seconds, 3),
    cpuSeconds: cpuSecondsSince(cpu),
    spansPerSecond: Math.round(stats.acknowledged / seconds),
    peakRssMb: rss.stop(),
    hwmMb: kernelPeakRssMb(),
  };
}

if (import.meta.main) {
  const flags = parseFlags(process.argv.slice(2));
  const protocol = flags.get("protocol") ?? "http/protobuf";
  if (protocol !== "http/json" && protocol !== "http/protobuf") {
    throw new Error(`--protocol must be http/json or http/protobuf, not "${protocol}"`);
  }
  const ceiling = flags.has("ceiling");
  if (!ceiling && !flags.has("url")) throw new Error("--url is needed unless --ceiling is given");
  const result = await runReplay({
    protocol,
    spans: intFlag(flags, "spans", 200_000),
    url: ceiling ? undefined : flags.get("url"),
    batcher: {
      maxBatchSpans: flags.has("batch") ? intFlag(flags, "batch", 512) : undefined,
      maxInFlight: flags.has("in-flight") ? intFlag(flags, "in-flight", 4) : undefined,
      maxQueuedBatches: flags.has("queued") ? intFlag(flags, "queued", 2) : undefined,
    },
  });
  console.log(JSON.stringify(result));
  // Pooled keep-alive connections would hold the process open a few seconds longer.
  process.exit(0);
}
