/** What a run (replay, load) needs from outside, passed in so tests can run it in-process. */
import type { Io } from "./io.ts";
import type { MakeLangfuseClient, RunLangfuse } from "./langfuse_access.ts";

/** The outside world of one run. */
export interface RunDeps {
  /** Environment, clock, interruption and progress (the run's text is the command's). */
  io: Io;
  /** The run's one Langfuse client, made on first use (see RunLangfuse). */
  langfuse: RunLangfuse;
  /** Lines the user should see while the run goes (a re-used anchor); default none. */
  notes?: (text: string) => void;
}

/** What a caller may choose of a run beyond its flags: tests count the clients made. */
export interface RunOptions {
  /** Makes the run's one Langfuse client; default `new LangfuseClient(options)`. */
  makeLangfuseClient?: MakeLangfuseClient;
}
