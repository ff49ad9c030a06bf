/**
 * Decides a run's identity and its run id (see `run_record/identity.ts` for what the identity
 * holds and why): hashes the scripts as validated, reduces the target to its kind, host and
 * protocol (never a key, a header or a path), and fingerprints the lot.
 */
import { createHash } from "node:crypto";
import type { Target } from "../export/target.ts";
import { Rng } from "../plan/random.ts";
import {
  canonical,
  identityText,
  type IdentityValue,
  type RunIdentity,
} from "../run_record/identity.ts";
import type { ScriptFile } from "../script/read.ts";

/** What a run's identity is made of. */
export interface IdentityInput {
  /** "replay" or "load". */
  command: string;
  seed: number;
  /** The scripts, in the order given. */
  scripts: readonly ScriptFile[];
  /** The flags that shape the sessions, as resolved; absent ones left out. */
  shape: Record<string, IdentityValue | undefined>;
  target: Target;
}

/** The identity of a run. */
export function runIdentity(input: IdentityInput): RunIdentity {
  const shape: Record<string, IdentityValue> = {};
  for (const [key, value] of Object.entries(input.shape)) {
    if (value !== undefined) shape[key] = value;
  }
  const fields = {
    command: input.command,
    seed: input.seed,
    scripts: input.scripts.map(({ file, script }) => ({ file, sha256: sha256(canonical(script)) })),
    shape,
    target: targetOf(input.target),
  };
  return { fingerprint: sha256(identityText(fields)).slice(0, 16), ...fields };
}

/**
 * The run id: from the seed, the anchor and the identity, so the same inputs at the same anchor
 * are the same run (a seeded re-run overwrites its traces) and anything else is another run.
 * `anchorMs` undefined: the shards of a live run, which each start when they start and share
 * one run id.
 */
export function runIdOf(identity: RunIdentity, anchorMs: number | undefined): string {
  const at = anchorMs === undefined ? "live" : String(anchorMs);
  const label = `${identity.command}-run@${at}#${identity.fingerprint}`;
  return `run_${new Rng(identity.seed, label).hex(12)}`;
}

/** The target as the identity holds it: kind, host name and protocol (no port, path, key or file). */
function targetOf(target: Target): RunIdentity["target"] {
  const host = target.url === undefined ? undefined : new URL(target.url).hostname;
  return { kind: target.kind, ...(host ? { host } : {}), protocol: target.protocol };
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
