/** Test helper: `record --listen` run in-process as main runs it, with its URL once it listens. */
import { main } from "../src/main.ts";
import type { Io } from "../src/run/io.ts";
import { captureIo } from "./io.ts";

/** A running `record --listen`. */
export interface RecordListen {
  /** The OTLP traces URL it printed. */
  url: string;
  /** Its exit code, once it stops. */
  done: Promise<number>;
  /** Lines written to out so far, joined by newlines. */
  out(): string;
  /** Lines written to err so far, joined by newlines. */
  err(): string;
}

/** Starts `record` with `args` (which include `--listen`); resolves once it listens. */
export async function startRecordListen(
  args: string[],
  overrides: Partial<Io> = {},
): Promise<RecordListen> {
  let ready: (url: string) => void = () => {};
  const url = new Promise<string>((resolve) => (ready = resolve));
  const lines: string[] = [];
  const io = captureIo({}, {
    ...overrides,
    out: (text) => {
      lines.push(text);
      const found = /Listening for OTLP\/HTTP traces on (\S+)/.exec(text);
      if (found) ready(found[1]);
    },
  });
  const done = main(["record", ...args], io.io);
  return { url: await url, done, out: () => lines.join("\n"), err: io.err };
}
