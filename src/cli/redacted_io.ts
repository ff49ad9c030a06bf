/**
 * The edge where text leaves the process: an Io whose out, err, progress and questions have
 * the run's secrets removed. `main()` wraps every Io with it, so no command, and no error path
 * a command did not think of, can print a key or a header value.
 */
import { redactorFor } from "../report/redact.ts";
import type { Io } from "./io.ts";

/** `io` with the secrets of `io.env` redacted from everything it writes or asks. */
export function redactedIo(io: Io): Io {
  const clean = redactorFor(io.env);
  const { progress, confirm } = io;
  return {
    ...io,
    out: (text) => io.out(clean(text)),
    err: (text) => io.err(clean(text)),
    progress: progress && ((text) => progress(clean(text))),
    confirm: confirm && ((question) => confirm(clean(question))),
  };
}
