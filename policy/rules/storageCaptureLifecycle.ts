import { at, expected, type Rule, show, TYPES } from "../core";
import { DELETION_SLA_MAX_DAYS } from "../vocabulary/limits";

// Each stack's own `deletionSlaDays` (at most the ceiling) already bounds `storage.rawRetentionDays` in the
// program; the pack holds the ceiling independently, so no config change can keep raw events past it.

const CAPTURE_PREFIXES = ["capture", "capture/"];

interface LifecycleRule {
  enabled?: unknown;
  name?: unknown;
  definition?: {
    filters?: { prefixMatch?: unknown; blobTypes?: unknown };
    actions?: { baseBlob?: { delete?: Record<string, unknown> } };
  };
}

function coversCapture(rule: LifecycleRule): boolean {
  const prefixes = rule.definition?.filters?.prefixMatch;
  const blobTypes = rule.definition?.filters?.blobTypes;
  return (
    rule.enabled !== false &&
    Array.isArray(prefixes) &&
    prefixes.some((p) => CAPTURE_PREFIXES.includes(String(p))) &&
    Array.isArray(blobTypes) &&
    blobTypes.includes("blockBlob")
  );
}

function deleteAfterDays(rule: LifecycleRule): number | undefined {
  const del = rule.definition?.actions?.baseBlob?.delete;
  const days = del?.daysAfterModificationGreaterThan ?? del?.daysAfterCreationGreaterThan;
  return typeof days === "number" ? days : undefined;
}

export const storageCaptureLifecycle: Rule = {
  name: "storage-capture-lifecycle",
  description: `Raw Capture blobs are deleted by a lifecycle rule within ${DELETION_SLA_MAX_DAYS} days.`,
  appliesTo: [TYPES.managementPolicy],
  check: ({ props }) => {
    const rules = at(props, "policy.rules");
    const capture = (Array.isArray(rules) ? (rules as LifecycleRule[]) : []).filter(coversCapture);
    if (capture.length === 0) {
      return [
        expected(
          "policy.rules",
          'to hold an enabled rule with prefixMatch ["capture/"] on blockBlob',
          Array.isArray(rules) ? rules.map((r: LifecycleRule) => r.name) : rules,
          "add a lifecycle rule for the capture container that deletes base blobs",
        ),
      ];
    }
    const problems: string[] = [];
    for (const rule of capture) {
      const days = deleteAfterDays(rule);
      if (days === undefined || days < 0 || days > DELETION_SLA_MAX_DAYS) {
        problems.push(
          expected(
            `policy.rules[${show(rule.name)}].definition.actions.baseBlob.delete.daysAfterModificationGreaterThan`,
            `0..${DELETION_SLA_MAX_DAYS} (the deletion SLA ceiling)`,
            days,
            "lower storage.rawRetentionDays in the stack config",
          ),
        );
      }
    }
    return problems;
  },
};
