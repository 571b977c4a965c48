import { expected, type Rule, TYPES } from "../core";
import { MAX_AUTOTERMINATION_MINUTES } from "./clusterAutotermination";
import { parseDefinition } from "./clusterPolicyDefinition";

function inRange(value: unknown): boolean {
  return typeof value === "number" && value >= 1 && value <= MAX_AUTOTERMINATION_MINUTES;
}

export const clusterPolicyAutotermination: Rule = {
  name: "cluster-policy-autotermination",
  description: `Cluster policies that admit all-purpose clusters force autotermination within ${MAX_AUTOTERMINATION_MINUTES} minutes (never 0, which means never).`,
  appliesTo: [TYPES.clusterPolicy],
  check: ({ props }) => {
    const attributes = parseDefinition(props.definition);
    if (!attributes) return [];
    // A job cluster ends with its run, and Databricks ignores autotermination on it: a policy that only
    // admits job clusters has nothing to force.
    const clusterType = attributes.cluster_type;
    if (clusterType?.type === "fixed" && clusterType.value === "job") return [];
    const attribute = attributes.autotermination_minutes;
    const forced =
      (attribute?.type === "fixed" && inRange(attribute.value)) ||
      (attribute?.type === "range" && inRange(attribute.minValue) && inRange(attribute.maxValue));
    return forced
      ? []
      : [
          expected(
            "definition.autotermination_minutes",
            `fixed at, or a range within, 1..${MAX_AUTOTERMINATION_MINUTES}`,
            attribute,
            'set "autotermination_minutes": { "type": "fixed", "value": 30, "hidden": true }',
          ),
        ];
  },
};
