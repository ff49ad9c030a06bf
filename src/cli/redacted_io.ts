/**
 * The edge where text leaves the process: an Io whose out, err and questions have the run's
 * secrets removed and control characters escaped (text/escape.ts), keeping our own line
 * breaks and, when colour is on, our colours. `main()` wraps every Io with it, so no command,
 * and no error path a command did not think of, can print a key or let a server's text drive
 * the terminal. Progress is only redacted: it is our own counts, drawn with `\r` and
 * `ESC [2K` on a terminal.
 */
import { escapeControls } from "../text/escape.ts";
import { redactorFor } from "../http/redact.ts";
import type { Io } from "../run/io.ts";

/** `io` with the secrets of `io.env` redacted from everything it writes or asks. */
export function redactedIo(io: Io): Io {
  const redact = redactorFor(io.env);
  const escapes = { newlines: true, colours: io.color };
  const clean = (text: string) => escapeControls(redact(text), escapes);
  const { progress, confirm } = io;
  return {
    ...io,
    out: (text) => io.out(clean(text)),
    err: (text) => io.err(clean(text)),
    progress: progress && ((text) => progress(redact(text))),
    confirm: confirm && ((question) => confirm(clean(question))),
  };
}
