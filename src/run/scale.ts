/**
 * How a run is spread: its shard of the whole and its worker threads, as the command line
 * decided them (`cli/scale_flags.ts`).
 */
import { formatShard, type Partition } from "../plan/partition.ts";

/** What the flags ask for. */
export interface Scale {
  /** This process's part of the run; WHOLE without --shard. */
  shard: Partition;
  /** Whether --shard was given. */
  sharded: boolean;
  /** Worker threads; `defaultWorkers` when --workers is absent. */
  workers: number;
}

/** "shard 2/4" or "" for an unsharded run. */
export function describeShard(scale: Scale): string {
  return scale.sharded ? `shard ${formatShard(scale.shard)}` : "";
}
