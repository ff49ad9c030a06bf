/**
 * Whole run records for tests, made from the version-1 files today's code wrote
 * (fixtures/run_record/v1/): a manifest, a load report and sessions with the ids a test needs
 * and every other field as written, so the reader checks them as it checks a user's files.
 */
import { readFileSync } from "node:fs";
import type { ManifestSession } from "../src/run_record/schema.ts";

/** The folder of the version-1 fixtures. */
export const V1_DIR = new URL("../fixtures/run_record/v1/", import.meta.url);

/** The version-1 replay manifest, load report and sessions file, by name. */
export const V1 = {
  manifest: "run_dc08756ac8a0.json",
  loadReport: "run_73741151b17b.load.json",
  sessions: "run_73741151b17b.sessions.jsonl",
} as const;

/** A fixture file's text. */
export function v1Text(name: string): string {
  return readFileSync(new URL(name, V1_DIR), "utf8");
}

/** A fixture JSON file, parsed (a fresh copy each call). */
export function v1Json(name: string): Record<string, unknown> {
  return JSON.parse(v1Text(name));
}

/**
 * A session with the given trace ids, each with a trace score (`<traceId>-fb`), and a session
 * score (`<sessionId>-res`) when asked; every other field as the v1 manifest's first session.
 */
export function exampleSession(
  sessionId: string,
  traceIds: string[],
  sessionScore = false,
): ManifestSession {
  const template = (v1Json(V1.manifest).sessions as ManifestSession[])[0];
  return {
    ...template,
    sessionId,
    traces: traceIds.map((traceId, i) => ({ ...template.traces[0], traceId, turn: i + 1 })),
    scores: [
      ...traceIds.map((traceId) => ({
        id: `${traceId}-fb`,
        name: "fb",
        dataType: "NUMERIC" as const,
        value: 1,
        traceId,
      })),
      ...(sessionScore
        ? [{
          id: `${sessionId}-res`,
          name: "res",
          dataType: "CATEGORICAL" as const,
          value: "ok",
          sessionId,
        }]
        : []),
    ],
    findings: [],
  };
}

/** The v1 manifest with these sessions and fields (no resources or review unless given). */
export function exampleManifest(
  sessions: ManifestSession[],
  fields: Record<string, unknown> = {},
): Record<string, unknown> {
  const { fixtures: _fixtures, review: _review, ...manifest } = v1Json(V1.manifest);
  return { ...manifest, sessions, ...fields };
}

/** The v1 load report with these fields (e.g. `runId`, `sessionsFile`, `shards`). */
export function exampleLoadReport(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...v1Json(V1.loadReport), ...fields };
}
