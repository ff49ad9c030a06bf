/**
 * Test helpers around the fake Langfuse: the environment and client that reach it, a replay
 * into it, raw calls with its keys, and its responses checked against the reference fixtures.
 */
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../main.ts";
import { basicAuth } from "./otlp.ts";
import { LangfuseClient } from "../langfuse/client.ts";
import type { FakeLangfuse } from "./fake_langfuse/server.ts";
import { scoresOf, sendScores } from "../langfuse/scores.ts";
import { readRunRecord } from "../run_record/read.ts";
import type { RunReport } from "../report/run_report.ts";
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
  const url = new URL(`../../fixtures/langfuse/${name}`, import.meta.url);
  return JSON.parse(await readFile(url, "utf8"));
}

/** How {@link assertSameShape} treats fields typed as string-keyed maps, whose keys vary. */
export interface MapFields {
  /** Their names. */
  names: ReadonlySet<string>;
  /** Whether their values must have JSON types the expected map's values have; else anything. */
  valueTypes: boolean;
}

/**
 * Asserts `actual` has the shape of `expected`: the same keys at every level and the same JSON
 * types, where null matches anything (nullable fields) and every array element is checked
 * against the first expected element.
 */
export function assertSameShape(
  actual: unknown,
  expected: unknown,
  maps: MapFields,
  path = "$",
): void {
  if (actual === null || expected === null) return;
  const kind = (v: unknown) => Array.isArray(v) ? "array" : typeof v;
  assert.equal(kind(actual), kind(expected), `${path}: type`);
  if (Array.isArray(actual) && Array.isArray(expected)) {
    if (expected.length === 0) return;
    actual.forEach((item, i) => assertSameShape(item, expected[0], maps, `${path}[${i}]`));
    return;
  }
  if (typeof actual !== "object" || typeof expected !== "object") return;
  const a = actual as Record<string, unknown>;
  const e = expected as Record<string, unknown>;
  const field = path.split(".").at(-1) ?? "";
  if (maps.names.has(field)) {
    if (!maps.valueTypes) return;
    const types = new Set(Object.values(e).map(kind));
    for (const [key, value] of Object.entries(a)) {
      assert.ok(types.size === 0 || types.has(kind(value)), `${path}.${key}: value type`);
    }
    return;
  }
  assert.deepEqual(Object.keys(a).sort(), Object.keys(e).sort(), `${path}: keys`);
  for (const key of Object.keys(e)) assertSameShape(a[key], e[key], maps, `${path}.${key}`);
}
