import { expected, type Rule, TYPES } from "../core";
import { AUTOTERMINATION_MINUTES } from "../vocabulary/limits";
import { parseDefinition } from "./clusterPolicyDefinition";

const { min, max } = AUTOTERMINATION_MINUTES;

const inRange = (minutes: unknown) => typeof minutes === "number" && minutes >= min && minutes <= max;

export const clusterPolicyAutotermination: Rule = {
  name: "cluster-policy-autotermination",
  description: `Cluster policies that admit all-purpose clusters force autotermination after ${min}..${max} idle minutes (never 0, which means never).`,
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
            `fixed at, or a range within, ${min}..${max}`,
            attribute,
            `set "autotermination_minutes": { "type": "fixed", "value": ${max}, "hidden": true }`,
          ),
        ];
  },
};
