import { expected, type Rule, TYPES } from "../core";
import { isLtsRuntime, LTS_RUNTIME_LIST } from "../vocabulary/runtimes";
import { parseDefinition } from "./clusterPolicyDefinition";

export const clusterPolicyLtsRuntime: Rule = {
  name: "cluster-policy-lts-runtime",
  description: "Cluster policies pin spark_version to a Long Term Support Databricks Runtime.",
  appliesTo: [TYPES.clusterPolicy],
  check: ({ props }) => {
    const attributes = parseDefinition(props.definition);
    if (!attributes) return [];
    const attribute = attributes.spark_version;
    const pinned =
      (attribute?.type === "fixed" && isLtsRuntime(attribute.value)) ||
      (attribute?.type === "allowlist" &&
        Array.isArray(attribute.values) &&
        attribute.values.length > 0 &&
        attribute.values.every(isLtsRuntime));
    return pinned
      ? []
      : [
          expected(
            "definition.spark_version",
            `fixed (or an allowlist) of LTS runtimes (${LTS_RUNTIME_LIST})`,
            attribute,
            'set "spark_version": { "type": "fixed", "value": "17.3.x-scala2.13" }',
          ),
        ];
  },
};
