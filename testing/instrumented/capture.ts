/**
 * Test support: runs an instrumented library's conversation against the loopback fake provider
 * and answers the spans its OpenTelemetry pipeline exported over OTLP/HTTP to a loopback
 * receiver, as Langfuse would have received them.
 */
import { context } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { startOtlpReceiver } from "../../src/export/receiver.ts";
import type { ReceivedSpan } from "../../src/otlp/decode.ts";
import { startFakeProvider } from "./fake_provider.ts";

/** Where a driver sends: the fake provider and the OTLP receiver. */
export interface DriveOptions {
  /** The OpenAI base URL of the fake provider, ending in `/v1`. */
  providerUrl: string;
  /** The receiver's base URL; OTLP traces go to `{otlpUrl}/v1/traces`. */
  otlpUrl: string;
}

/** Drives the support conversation with one library; flushes and shuts its provider down. */
export type Driver = (options: DriveOptions) => Promise<void>;

/** The service name every driver's resource carries. */
export const SERVICE_NAME = "support-bot";

/** Runs `drive` against a fresh fake provider and receiver; answers the spans received. */
export async function captureSpans(drive: Driver): Promise<ReceivedSpan[]> {
  useAsyncContext();
  const receiver = await startOtlpReceiver();
  const provider = await startFakeProvider();
  try {
    await drive({ providerUrl: provider.baseUrl, otlpUrl: receiver.url });
    return [...receiver.spans];
  } finally {
    await provider.close();
    await receiver.close();
  }
}

/**
 * A tracer provider exporting in batches over OTLP/HTTP (JSON) to `otlpUrl`, the way a team
 * sets up the OpenTelemetry SDK for an instrumentation library.
 */
export function otlpTracerProvider(otlpUrl: string): TracerProvider {
  return new TracerProvider({
    resource: resourceFromAttributes({ "service.name": SERVICE_NAME }),
    spanProcessors: [
      new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${otlpUrl}/v1/traces` }) }),
    ],
  });
}

/**
 * Context follows async calls (what NodeSDK and `register()` set up); the libraries find the
 * active span and OpenInference's and Langfuse's propagated attributes through it. A second
 * registration is refused, which is fine: it is the same kind of manager.
 */
function useAsyncContext(): void {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
}
