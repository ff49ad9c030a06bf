/** Writes span batches to a file as OTLP/JSON, one export request per line. */
import { JsonTraceSerializer } from "@opentelemetry/otlp-transformer";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import { type FileHandle, mkdir, open } from "node:fs/promises";
import { dirname } from "node:path";
import type { SendResult, SpanSender } from "./sender.ts";
import { fsReason } from "../text/fs_reason.ts";

/** A sender whose acknowledgement is a completed write. */
export class FileSender implements SpanSender {
  #handle: Promise<FileHandle> | undefined;
  // Writes are chained: concurrent writes to one handle may interleave.
  #tail: Promise<unknown> = Promise.resolve();

  /** Writes to `path`, creating its folder; the file is replaced, not appended to. */
  constructor(readonly path: string) {}

  /** Appends one line holding the batch as an ExportTraceServiceRequest. */
  send(spans: ReadableSpan[]): Promise<SendResult> {
    let line: string;
    try {
      line = new TextDecoder().decode(JsonTraceSerializer.serializeRequest(spans)) + "\n";
    } catch (error) {
      return Promise.resolve(this.#failed(spans.length, error));
    }
    return this.#write(line, spans.length);
  }

  async #write(line: string, count: number): Promise<SendResult> {
    try {
      this.#handle ??= mkdir(dirname(this.path), { recursive: true }).then(() =>
        open(this.path, "w")
      );
      const handle = await this.#handle;
      const write = this.#tail.then(() => handle.write(line));
      this.#tail = write.catch(() => {});
      await write;
      return { acknowledged: count, failures: [] };
    } catch (error) {
      return this.#failed(count, error);
    }
  }

  #failed(count: number, error: unknown): SendResult {
    return {
      acknowledged: 0,
      failures: [{ count, reason: `cannot write ${this.path}: ${fsReason(error)}` }],
    };
  }

  /** Closes the file. */
  async close(): Promise<void> {
    if (this.#handle) await (await this.#handle).close();
  }
}
