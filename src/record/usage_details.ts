/**
 * Usage and cost per usage type as recorded (Langfuse's usage_details and cost_details, or the
 * attributes that carry them), for every record source alike. Pure.
 */
import type { Json } from "../plan/types.ts";

/**
 * The count or cost of each usage type in `details` (non-negative numbers; `total`, which a
 * replay computes, left out), input and output first; undefined when there is none.
 */
export function perUsageType(
  details: Readonly<Record<string, Json | undefined>> | undefined,
): Record<string, number> | undefined {
  const out: Record<string, number> = {};
  const keys = Object.keys(details ?? {});
  const ordered = [
    ...["input", "output"].filter((key) => keys.includes(key)),
    ...keys.filter((key) => key !== "input" && key !== "output"),
  ];
  for (const key of ordered) {
    const value = details?.[key];
    if (key !== "total" && typeof value === "number" && Number.isFinite(value) && value >= 0) {
      out[key] = value;
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
