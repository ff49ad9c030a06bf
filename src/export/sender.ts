/** The seam between the batcher and a destination: one batch in, an account of it out. */
import type { ReadableSpan } from "@opentelemetry/sdk-trace";

/** What became of one batch: every span acknowledged or failed with a reason. */
export interface SendResult {
  acknowledged: number;
  failures: { count: number; reason: string }[];
  /** Set when no later batch can succeed either (bad credentials): the run must stop. */
  fatal?: string;
}

/** Delivers batches of spans somewhere. */
export interface SpanSender {
  /**
   * Sends one batch; never throws: failures are part of the result. Keeps no reference to
   * `spans` once they are serialised: a batch held for a whole request (and its retries) keeps
   * hundreds of spans alive across collections, which costs heap and collection time.
   */
  send(spans: ReadableSpan[]): Promise<SendResult>;
  /** Releases connections or files. */
  close(): Promise<void>;
}
