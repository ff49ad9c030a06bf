/**
 * A run's identity: everything that shapes its spans besides the time anchor. The command, the
 * seed, the scripts as validated, the flags that shape the population and the schedule, the
 * target's kind and host and the protocol, hashed into a fingerprint. Not the number of shards:
 * the N shards of a run send exactly its spans, so they share its identity and run id (a shard
 * report names its shard, and `report merge` checks N apart).
 * The run id comes from the seed, the anchor and the fingerprint, so two runs that send other
 * spans never share a run id, a manifest or a sessions file. A seeded re-run re-uses an earlier
 * anchor only when the fingerprints match, and `report merge` refuses shards whose identities
 * differ, naming the field. Pure: the fingerprint's hash is computed by the caller over
 * {@link identityText}.
 */
import { formatMs } from "../script/duration.ts";

/** A JSON value, as identity fields hold. */
export type IdentityValue =
  | string
  | number
  | boolean
  | IdentityValue[]
  | { [key: string]: IdentityValue };

/** What a run is, as its manifest or load report records it under `identity`. */
export interface RunIdentity {
  /** A hash of every field below but the script file names: the same fingerprint and anchor send the same spans. */
  fingerprint: string;
  /** "replay" or "load". */
  command: string;
  seed: number;
  /** The scripts in the order given: the file as given (not hashed) and a hash of the script as validated. */
  scripts: { file: string; sha256: string }[];
  /** The flags that shape the sessions, as resolved: `sessions`, `spreadMs`, `users`, `phases`... */
  shape: Record<string, IdentityValue>;
  /** Where the spans went: the kind, the endpoint's host name (no port, path or key) and the encoding. */
  target: { kind: string; host?: string; protocol: string };
}

/** The fields of an identity, before it is hashed. */
export type IdentityFields = Omit<RunIdentity, "fingerprint">;

/** The text the fingerprint hashes: canonical JSON of the fields, script file names left out. */
export function identityText(fields: IdentityFields): string {
  return canonical({
    command: fields.command,
    seed: fields.seed,
    scripts: fields.scripts.map((s) => s.sha256),
    shape: fields.shape,
    target: fields.target,
  });
}

/** The flag each shape field comes from, for messages. */
const SHAPE_FLAGS: Record<string, string> = {
  mode: "mode (backfill or live)",
  sessions: "--sessions",
  spreadMs: "--spread",
  users: "--users",
  weights: "--weight",
  phases: "the arrival phases (--duration, --rate, --ramp or --profile)",
  poisson: "--poisson",
  timeScale: "--time-scale",
  plant: "--plant",
};

/**
 * What differs between two identities, as `--sessions 200, not 100`, or undefined when they are
 * the same run's. Fields are compared in the order a user would check them.
 */
export function identityDifference(a: RunIdentity, b: RunIdentity): string | undefined {
  if (a.command !== b.command) return `command ${a.command}, not ${b.command}`;
  if (a.seed !== b.seed) return `seed ${a.seed}, not ${b.seed}`;
  if (a.scripts.length !== b.scripts.length) {
    return `${count(a.scripts.length, "script")}, not ${b.scripts.length}`;
  }
  const script = a.scripts.findIndex((s, i) => s.sha256 !== b.scripts[i].sha256);
  if (script >= 0) {
    const [x, y] = [a.scripts[script].file, b.scripts[script].file];
    return `script ${script + 1} ${x === y ? `(${x}) has other contents` : `is ${x}, not ${y}`}`;
  }
  for (const key of [...new Set([...Object.keys(a.shape), ...Object.keys(b.shape)])]) {
    const [x, y] = [a.shape[key], b.shape[key]];
    if (canonical(x) !== canonical(y)) {
      return `${SHAPE_FLAGS[key] ?? key} ${shown(key, x)}, not ${shown(key, y)}`;
    }
  }
  const where = (t: RunIdentity["target"]) => `${t.kind}${t.host ? ` at ${t.host}` : ""}`;
  if (where(a.target) !== where(b.target)) {
    return `target ${where(a.target)}, not ${where(b.target)}`;
  }
  if (a.target.protocol !== b.target.protocol) {
    return `protocol ${a.target.protocol}, not ${b.target.protocol}`;
  }
  // Fields this version does not know (a report of another version): the hashes still differ.
  if (a.fingerprint !== b.fingerprint) {
    return `identity ${a.fingerprint}, not ${b.fingerprint}`;
  }
  return undefined;
}

/** A live run's arrival window (the phases' durations added), ms; undefined for a backfill. */
export function liveWindowMs(identity: RunIdentity): number | undefined {
  const phases = identity.shape.phases;
  if (identity.shape.mode !== "live" || !Array.isArray(phases)) return undefined;
  return phases.reduce<number>((sum, phase) => {
    const ms = isObject(phase) ? phase.durationMs : undefined;
    return sum + (typeof ms === "number" ? ms : 0);
  }, 0);
}

/** Whether `value` has the fields of a recorded identity (a report of this version or later). */
export function isRunIdentity(value: unknown): value is RunIdentity {
  if (!isObject(value)) return false;
  const v = value as Partial<RunIdentity>;
  return typeof v.fingerprint === "string" && typeof v.command === "string" &&
    typeof v.seed === "number" && Array.isArray(v.scripts) &&
    v.scripts.every((s) => isObject(s) && typeof s.sha256 === "string") &&
    isObject(v.shape) && isObject(v.target) && typeof v.target.kind === "string";
}

function shown(key: string, value: IdentityValue | undefined): string {
  if (value === undefined) return "not given";
  if (key === "spreadMs" && typeof value === "number") return spread(value);
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** A spread as --spread takes it when it is whole days or hours: 14d, 36h. */
function spread(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  return formatMs(ms);
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** JSON with object keys sorted, so equal values always give equal text. */
export function canonical(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, v) =>
      isObject(v)
        ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => x < y ? -1 : x > y ? 1 : 0))
        : v,
  );
}
