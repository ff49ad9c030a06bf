/**
 * The time anchor of a run: the epoch ms every span time of a seeded run is laid out from
 * (replay: the session end `--at`; load backfill: the window end `--at`). Seeded ids derive
 * from the seed and the anchor, so the same seed and anchor give byte-identical spans, which
 * Langfuse v4 (a ReplacingMergeTree keyed by start time and span id) replaces in place.
 *
 * When `--at` is not an absolute time (absent, `now`, `-3d`), a seeded run re-uses the anchor
 * of the newest earlier manifest of a seeded run with the same identity (command, seed, script
 * contents, flags, target: see `run_record/identity.ts`) and `--at` spec, so re-running it
 * overwrites the same traces instead of adding a second set. A manifest of another identity is
 * another run: re-using its anchor would give another run's trace ids to other spans.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { RunIdentity } from "../run_record/identity.ts";
import { parseRunRecord, RunRecordError } from "../run_record/read.ts";
import { parseAt } from "./time.ts";

/** The anchor a run used, as recorded in its manifest / load report. */
export interface TimeAnchor {
  /** Epoch ms. */
  ms: number;
  /** The same instant as ISO 8601. */
  iso: string;
  /** The `--at` spec as given ("now" when absent). */
  spec: string;
  /** The command that used it. */
  command: string;
  /** The script files, in the order given. */
  scripts: string[];
  /** The run whose anchor was re-used, if one was. */
  reusedFrom?: string;
}

/** What resolving an anchor needs. */
export interface AnchorOptions {
  /** "replay" or "load". */
  command: string;
  seed: number;
  /** Whether --seed was given; unseeded runs never re-use an anchor. */
  seeded: boolean;
  /** The script files, in the order given. */
  scripts: string[];
  /** The run's identity fingerprint: only a manifest with the same one is the same run. */
  fingerprint: string;
  /** The `--at` value; default "now". */
  at?: string;
  /** Where earlier manifests are (the run's own output directories); empty: do not look. */
  dirs: string[];
  nowMs: number;
}

/** The resolved anchor and, when an earlier one was re-used, the line to tell the user. */
export interface ResolvedAnchor {
  anchor: TimeAnchor;
  note?: string;
}

/** Whether `--at` names an absolute time (used as is, never re-used from a manifest). */
export function isAbsoluteAt(at: string | undefined): boolean {
  return at !== undefined && /^\d{4}-\d{2}-\d{2}/.test(at);
}

/** Resolves the anchor of a run (throws CliError for a bad `--at`). */
export async function resolveAnchor(options: AnchorOptions): Promise<ResolvedAnchor> {
  const spec = options.at ?? "now";
  const ms = parseAt(options.at, options.nowMs);
  const base = { spec, command: options.command, scripts: options.scripts };
  if (!options.seeded || isAbsoluteAt(options.at) || options.dirs.length === 0) {
    return { anchor: { ms, iso: new Date(ms).toISOString(), ...base } };
  }
  const previous = await newestMatching(options, spec);
  if (!previous) return { anchor: { ms, iso: new Date(ms).toISOString(), ...base } };
  const anchor = { ...base, ms: previous.ms, iso: new Date(previous.ms).toISOString() };
  return {
    anchor: { ...anchor, reusedFrom: previous.runId },
    note: `re-using the time anchor of ${previous.runId} (${anchor.iso}): a seeded re-run ` +
      `overwrites the same traces; pass --at to choose another`,
  };
}

interface Previous {
  runId: string;
  ms: number;
  startedAt: string;
}

async function newestMatching(
  options: AnchorOptions,
  spec: string,
): Promise<Previous | undefined> {
  let best: Previous | undefined;
  for (const dir of new Set(options.dirs)) {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names.filter((n) => n.endsWith(".json")).sort()) {
      const found = parseManifest(await readFile(join(dir, name), "utf8").catch(() => ""));
      if (!found || !found.seeded || found.seed !== options.seed) continue;
      const a = found.anchor;
      if (a.command !== options.command || a.spec !== spec) continue;
      // Older manifests have no identity: they cannot show they are this run.
      if (found.identity?.fingerprint !== options.fingerprint) continue;
      if (a.ms > options.nowMs) continue;
      if (!best || found.startedAt > best.startedAt) {
        best = { runId: found.runId, ms: a.ms, startedAt: found.startedAt };
      }
    }
  }
  return best;
}

interface ManifestFacts {
  runId: string;
  seed: number;
  seeded: boolean;
  startedAt: string;
  anchor: TimeAnchor;
  identity?: RunIdentity;
}

/** The facts of a manifest or load report, or undefined when the text is none (or unreadable). */
function parseManifest(text: string): ManifestFacts | undefined {
  let record;
  try {
    ({ record } = parseRunRecord(text, "manifest"));
  } catch (error) {
    if (error instanceof RunRecordError) return undefined;
    throw error;
  }
  const { runId, seed, seeded, startedAt, anchor, identity } = record;
  return anchor ? { runId, seed, seeded, startedAt, anchor, identity } : undefined;
}
