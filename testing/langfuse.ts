/**
 * Test helpers around the fake Langfuse: the environment and client that reach it, a replay
 * into it, raw calls with its keys, and the reference fixtures its answers are held to.
 */
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../src/main.ts";
import { basicAuth } from "./otlp.ts";
import { LangfuseClient } from "../src/langfuse/client.ts";
import type { FakeLangfuse } from "./fake_langfuse/server.ts";
import { scoresOf, sendScores } from "../src/langfuse/scores.ts";
import { readRunRecord } from "../src/run_record/read.ts";
import type { RunReport } from "../src/report/run_report.ts";
import { captureIo } from "./io.ts";

/** The LANGFUSE_* variables that point a command at the fake with its keys. */
export function langfuseEnv(fake: FakeLangfuse): Record<string, string> {
  return {
    LANGFUSE_BASE_URL: fake.url,
    LANGFUSE_PUBLIC_KEY: fake.keys.publicKey,
    LANGFUSE_SECRET_KEY: fake.keys.secretKey,
  };
}

/** A client for the fake with its keys and every other option at its default. */
export function langfuseClientFor(fake: FakeLangfuse): LangfuseClient {
  return new LangfuseClient({ baseUrl: fake.url, ...fake.keys });
}

/**
 * Replays `scripts` into the fake with the real pipeline and sends the run's scores; answers the
 * manifest and its path.
 */
export async function replayWithScores(
  fake: FakeLangfuse,
  seed: number,
  scripts: string[],
): Promise<{ path: string; manifest: RunReport }> {
  const dir = await mkdtemp(join(tmpdir(), "replay-"));
  const sent = captureIo(langfuseEnv(fake));
  const code = await main(
    ["replay", ...scripts, "--seed", String(seed), "--manifest-dir", dir, "--quiet"],
    sent.io,
  );
  assert.equal(code, 0, sent.err());
  const path = join(dir, (await readdir(dir)).find((name) => name.startsWith("run_"))!);
  const read = await readRunRecord(path);
  if (read.kind !== "replay") throw new Error(`${path}: a load report, not a replay manifest`);
  const manifest: RunReport = read.record;
  // Idempotent, so harmless should replay send them itself.
  assert.deepEqual(
    (await sendScores(langfuseClientFor(fake), scoresOf(manifest.sessions))).failed,
    [],
  );
  return { path, manifest };
}

/** Calls the fake with its keys; answers the status, the parsed JSON body and the headers. */
export async function callFake(
  fake: FakeLangfuse,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const res = await fetch(fake.url + path, {
    method,
    headers: {
      authorization: basicAuth(fake.keys.publicKey, fake.keys.secretKey),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

/** A reference response from fixtures/langfuse/, parsed. */
export async function langfuseFixture(name: string): Promise<unknown> {
  const url = new URL(`../fixtures/langfuse/${name}`, import.meta.url);
  return JSON.parse(await readFile(url, "utf8"));
}
