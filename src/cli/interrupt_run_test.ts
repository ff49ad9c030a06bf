import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { statSync } from "node:fs";
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startOtlpReceiver } from "../export/receiver.ts";
import type { LoadReport } from "../report/load_report.ts";
import type { RunReport } from "../report/run_report.ts";
import {
  relay,
  type Relayed,
  type RelayedExit,
  taskCommand,
  until,
} from "../../testing/cli_process.ts";
import { conversation, otlpJson } from "../../testing/otlp.ts";

/** Spans in an OTLP/JSON lines file. */
function spansIn(text: string): number {
  let count = 0;
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const request = JSON.parse(line) as {
      resourceSpans: { scopeSpans: { spans: unknown[] }[] }[];
    };
    for (const resource of request.resourceSpans) {
      for (const scope of resource.scopeSpans) count += scope.spans.length;
    }
  }
  return count;
}

const size = (file: string) => {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
};

/** A port free a moment ago on 127.0.0.1. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("a run stopped by a signal", () => {
  it(
    "Ctrl-C in a terminal under the load task always delivers what is in flight, writes the report and exits 130",
    {
      timeout: 180_000,
    },
    async () => {
      for (let attempt = 1; attempt <= 5; attempt++) {
        const dir = await mkdtemp(join(tmpdir(), "interrupt-"));
        const spans = join(dir, "spans.jsonl");
        const reportFile = join(dir, "report.json");
        const run = relay(taskCommand("load", [
          "conversations/order-status.yaml",
          ...["--sessions", "200000", "--target", "file", "--out", spans],
          ...["--out-dir", dir, "--report", reportFile],
        ]));
        await until(() => size(spans) > 0);
        run.signal("SIGINT");
        const { code, signal, stderr } = await run.exited;
        const where = `attempt ${attempt}:\n${stderr}`;
        assert.equal(signal, null, where);
        assert.equal(code, 130, where);
        const text = await readFile(reportFile, "utf8").catch(() => "");
        assert.notEqual(text, "", `${where}\nno report was written`);
        const report: LoadReport = JSON.parse(text);
        assert.equal(report.stopped, "interrupted (Ctrl-C)", where);
        assert.equal(
          report.spans.generated,
          report.spans.acknowledged + report.spans.failed,
          where,
        );
        assert.equal(report.spans.failed, 0, where);
        assert.ok(report.sessions > 0 && report.sessions < 200_000, where);
        assert.equal(spansIn(await readFile(spans, "utf8")), report.spans.acknowledged, where);
      }
    },
  );

  /**
   * Starts `load` under its task against a receiver slow enough to keep requests in flight,
   * stops it with `stop` once some are, and checks the run ended as `expected` says.
   */
  async function stopLoad(
    stop: (run: Relayed) => void,
    expected: { code: number; stopped: string },
  ): Promise<RelayedExit> {
    const receiver = await startOtlpReceiver({ respond: () => ({ delayMs: 300 }) });
    try {
      const dir = await mkdtemp(join(tmpdir(), "stop-load-"));
      const reportFile = join(dir, "report.json");
      const run = relay(
        taskCommand("load", [
          "conversations/order-status.yaml",
          ...["--sessions", "200000", "--workers", "2", "--max-in-flight", "4"],
          ...["--out-dir", dir, "--report", reportFile],
        ]),
        { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url },
      );
      await until(() => receiver.requests.length >= 4);
      stop(run);
      const exit = await run.exited;
      const { code, signal, stderr, afterSignalMs } = exit;
      assert.equal(signal, null, stderr);
      assert.equal(code, expected.code, stderr);
      assert.ok(afterSignalMs! < 20_000, `ended ${afterSignalMs}ms after the signal`);
      const report: LoadReport = JSON.parse(await readFile(reportFile, "utf8"));
      assert.equal(report.stopped, expected.stopped);
      assert.equal(report.spans.generated, report.spans.acknowledged + report.spans.failed);
      assert.equal(report.spans.failed, 0, stderr);
      assert.equal(report.spans.acknowledged, receiver.spans.length, "in-flight spans delivered");
      assert.ok(report.sessions > 0 && report.sessions < 200_000);
      return exit;
    } finally {
      await receiver.close();
    }
  }

  it(
    "SIGTERM to the load task (as Kubernetes stops a pod) stops it as Ctrl-C does: in-flight spans delivered, the report written, exit 143",
    {
      timeout: 180_000,
    },
    async () => {
      const { stderr } = await stopLoad((run) => run.signal("SIGTERM", "leader"), {
        code: 143,
        stopped: "terminated (SIGTERM)",
      });
      assert.match(stderr, /Terminated: finishing what is in flight/);
      assert.match(stderr, /stopped {4}terminated \(SIGTERM\)/);
    },
  );

  it(
    "a closed terminal (SIGHUP, nothing can be printed any more) stops the load task as SIGTERM does: in-flight spans delivered, the report written, exit 129",
    {
      timeout: 180_000,
    },
    async () => {
      await stopLoad((run) => run.hangUp(), { code: 129, stopped: "hung up (SIGHUP)" });
    },
  );

  const replayStops = [
    {
      signal: "SIGTERM",
      code: 143,
      says: /Terminated: finishing what is in flight/,
      stopped: "terminated (SIGTERM)",
    },
    {
      signal: "SIGHUP",
      code: 129,
      says: /Hung up: finishing what is in flight/,
      stopped: "hung up (SIGHUP)",
    },
  ] as const;
  for (const { signal: sent, code: exitCode, says, stopped } of replayStops) {
    it(
      `${sent} to the replay task writes the manifest, says why it stopped and exits ${exitCode}`,
      {
        timeout: 120_000,
      },
      async () => {
        let arrived = 0;
        const receiver = await startOtlpReceiver({
          respond: () => {
            arrived++;
            return { delayMs: 2_000 };
          },
        });
        try {
          const dir = await mkdtemp(join(tmpdir(), "stop-replay-"));
          const run = relay(
            taskCommand("replay", [
              ...["conversations/order-status.yaml", "conversations/refund.yaml"],
              ...["--manifest-dir", dir, "--seed", "4"],
            ]),
            { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url },
          );
          // The signal comes while the spans wait for their answer.
          await until(() => arrived >= 1);
          run.signal(sent, "leader");
          const { code, signal, stderr } = await run.exited;
          assert.equal(signal, null, stderr);
          assert.equal(code, exitCode, stderr);
          assert.match(stderr, says);
          const [manifest] = await readdir(dir);
          const report: RunReport = JSON.parse(await readFile(join(dir, manifest), "utf8"));
          assert.equal(report.stopped, stopped);
          assert.equal(report.spans.generated, report.spans.acknowledged + report.spans.failed);
          assert.equal(report.spans.acknowledged, receiver.spans.length);
        } finally {
          await receiver.close();
        }
      },
    );
  }

  const recordStops: [string, (run: Relayed) => void][] = [
    ["SIGTERM", (run) => run.signal("SIGTERM", "leader")],
    ["a closed terminal (SIGHUP)", (run) => run.hangUp()],
  ];
  for (const [name, stop] of recordStops) {
    it(`${name} to record --listen writes the sessions seen as scripts, as Ctrl-C does`, {
      timeout: 120_000,
    }, async () => {
      const dir = await mkdtemp(join(tmpdir(), "stop-record-"));
      const port = await freePort();
      const run = relay(taskCommand("record", ["--listen", String(port), "--out", dir]));
      const url = `http://127.0.0.1:${port}/v1/traces`;
      const body = otlpJson(conversation({ seed: 9, sessionId: "conv_sigterm", turns: 2 }));
      await until(async () => {
        const answer = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
        }).catch(() => undefined);
        await answer?.body?.cancel();
        return answer?.status === 200;
      });
      stop(run);
      const { code, signal, stderr } = await run.exited;
      assert.equal(signal, null, stderr);
      assert.equal(code, 0, stderr);
      assert.equal((await readdir(dir)).length, 1, stderr);
    });
  }
});
