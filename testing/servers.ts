/** Test helpers that start a loopback server, run a test body with it, and always close it. */
import {
  type OtlpReceiver,
  type ReceiverOptions,
  startOtlpReceiver,
} from "../src/export/receiver.ts";
import {
  type FakeLangfuse,
  type FakeLangfuseOptions,
  startFakeLangfuse,
} from "./fake_langfuse/server.ts";
import { FakeClock } from "./clock.ts";
import { type FloodingServer, type FloodOptions, startFloodingServer } from "./flooding_server.ts";

/** Waits for `starting`, runs `fn` with the server, and always closes it. */
export async function withServer<S extends { close(): Promise<void> }>(
  starting: Promise<S>,
  fn: (server: S) => Promise<void>,
): Promise<void> {
  const server = await starting;
  try {
    await fn(server);
  } finally {
    await server.close();
  }
}

/** Starts an OTLP receiver, runs `fn`, and always closes it. */
export function withOtlpReceiver(
  options: ReceiverOptions,
  fn: (receiver: OtlpReceiver) => Promise<void>,
): Promise<void> {
  return withServer(startOtlpReceiver(options), fn);
}

/** Starts a fake Langfuse, runs `fn`, and always closes it. */
export function withFakeLangfuse(
  options: FakeLangfuseOptions,
  fn: (fake: FakeLangfuse) => Promise<void>,
): Promise<void> {
  return withServer(startFakeLangfuse(options), fn);
}

/**
 * Starts a fake Langfuse that tells time by a new {@link FakeClock} from `startMs`, runs `fn`
 * with both, and always closes the fake.
 */
export function withFakeLangfuseOnClock(
  startMs: number,
  options: FakeLangfuseOptions,
  fn: (fake: FakeLangfuse, clock: FakeClock) => Promise<void>,
): Promise<void> {
  const clock = new FakeClock(startMs);
  return withFakeLangfuse({ now: clock.now, ...options }, (fake) => fn(fake, clock));
}

/** Starts a server answering every request with an oversize or endless body, runs `fn`, and always closes it. */
export function withFloodingServer(
  options: FloodOptions,
  fn: (server: FloodingServer) => Promise<void>,
): Promise<void> {
  return withServer(startFloodingServer(options), fn);
}
