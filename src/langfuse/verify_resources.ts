/**
 * Verification of a run's resources: the prompt versions and score configs its manifest names
 * still exist as recorded, every generation the run linked to a prompt reads back linked
 * (a prompt id set, the name and version as resolved), and every score reads back under its
 * config. The comparisons are pure; {@link checkResources} reads the resources once.
 */
import type { RunResources } from "../plan/resources.ts";
import type { ManifestScore, ManifestTrace } from "../run_record/schema.ts";
import type { ResourceClient } from "./resources.ts";
import type {
  FieldDiff,
  FoundScore,
  FoundTrace,
  ResourceCheck,
  VerifyResult,
} from "./_verify_types.ts";
import { phaseOf, type ReadProgress } from "./read_progress.ts";

/** The generations of a trace that should be linked to a prompt and are not, as diffs. */
export function promptLinkDiffs(
  trace: ManifestTrace,
  got: FoundTrace,
  resources?: RunResources,
): FieldDiff[] {
  if (!trace.prompts || got.observations === undefined) return [];
  const diffs: FieldDiff[] = [];
  for (const link of trace.prompts) {
    const obs = got.observations.find((o) => o.id === link.spanId);
    // A missing observation already shows in the counts by type.
    if (obs === undefined) continue;
    const id = resources?.prompts.find((p) => p.name === link.name && p.version === link.version)
      ?.id;
    const linked = obs.promptId !== undefined && (id === undefined || obs.promptId === id);
    if (linked && obs.promptName === link.name && obs.promptVersion === link.version) continue;
    diffs.push({
      field: `prompt of ${link.spanId}`,
      sent: `"${link.name}" v${link.version}${id ? ` (${id})` : ""}`,
      found: obs.promptName === undefined && obs.promptVersion === undefined
        ? "(none)"
        : `"${obs.promptName ?? ""}" v${obs.promptVersion ?? "?"} (${
          obs.promptId ?? "not linked"
        })`,
    });
  }
  return diffs;
}

/** A score read back without the config it was sent with, as a diff. */
export function scoreConfigDiffs(score: ManifestScore, got: FoundScore): FieldDiff[] {
  if (score.configId === undefined || got.configId === score.configId) return [];
  return [{
    field: "configId",
    sent: JSON.stringify(score.configId),
    found: got.configId === undefined ? "(none)" : JSON.stringify(got.configId),
  }];
}

/** Reads the manifest's prompt versions (one GET each) and score configs (one listing). */
export async function checkResources(
  client: Pick<ResourceClient, "getPrompt" | "allScoreConfigs">,
  resources: RunResources,
  progress?: ReadProgress,
): Promise<ResourceCheck[]> {
  const checks: ResourceCheck[] = [];
  const phase = phaseOf(progress, "prompts", resources.prompts.length);
  for (const [i, prompt] of resources.prompts.entries()) {
    const found = await client.getPrompt(prompt.name, { version: prompt.version });
    phase.at(i + 1);
    const base = {
      kind: "prompt" as const,
      name: `${prompt.name} v${prompt.version}`,
      id: prompt.id,
    };
    if (found === undefined) checks.push({ ...base, status: "missing", diffs: [] });
    else if (found.id !== prompt.id) {
      checks.push({
        ...base,
        status: "differs",
        diffs: [{ field: "id", sent: JSON.stringify(prompt.id), found: JSON.stringify(found.id) }],
      });
    } else checks.push({ ...base, status: "matched", diffs: [] });
  }
  phase.end();
  if (resources.scoreConfigs.length > 0) {
    const configs = await client.allScoreConfigs();
    for (const config of resources.scoreConfigs) {
      const found = configs.find((c) => c.id === config.id);
      const base = { kind: "score config" as const, name: config.name, id: config.id };
      if (found === undefined) {
        checks.push({ ...base, status: "missing", diffs: [] });
        continue;
      }
      const diffs: FieldDiff[] = [];
      if (found.name !== config.name) {
        diffs.push({
          field: "name",
          sent: JSON.stringify(config.name),
          found: JSON.stringify(found.name),
        });
      }
      if (found.dataType !== config.dataType) {
        diffs.push({ field: "dataType", sent: config.dataType, found: found.dataType });
      }
      // Langfuse drops every score sent with an archived config.
      if (found.isArchived) diffs.push({ field: "isArchived", sent: "false", found: "true" });
      checks.push({ ...base, status: diffs.length === 0 ? "matched" : "differs", diffs });
    }
  }
  return checks;
}

/** The result with the resource checks: not ok when one of them did not match. */
export function withResourceChecks(
  result: VerifyResult,
  checks: readonly ResourceCheck[],
): VerifyResult {
  if (checks.length === 0) return result;
  const matched = checks.filter((c) => c.status === "matched").length;
  return {
    ...result,
    ok: result.ok && matched === checks.length,
    resources: [...checks],
    summary: { ...result.summary, resources: checks.length, resourcesMatched: matched },
  };
}

/** Table lines for the resources that did not match (all of them with `all`), in columns. */
export function formatResourceChecks(checks: readonly ResourceCheck[], all: boolean): string[] {
  const shown = checks.filter((c) => all || c.status !== "matched");
  if (shown.length === 0) return [];
  const rows = [
    ["RESOURCE", "NAME", "ID", "RESULT"],
    ...shown.map((c) => [c.kind, c.name, c.id, c.status]),
  ];
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((row) => row[i].length)));
  const line = (row: string[]) =>
    `  ${row.map((cell, i) => i < 3 ? cell.padEnd(widths[i]) : cell).join("  ")}`;
  return [
    line(rows[0]),
    ...shown.flatMap((c, i) => [
      line(rows[i + 1]),
      ...c.diffs.map((d) => `${" ".repeat(6)}${d.field}: ${d.sent} → ${d.found}`),
    ]),
  ];
}
