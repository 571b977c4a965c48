import { expected, type Rule, TYPES } from "../core";

/** One attribute of a cluster policy definition (the JSON document Databricks evaluates). */
export interface PolicyAttribute {
  type?: string;
  value?: unknown;
  values?: unknown[];
  minValue?: unknown;
  maxValue?: unknown;
}

/**
 * Parses `definition`, which the provider takes as JSON text. Undefined when it is not a JSON object: the
 * `cluster-policy-definition` rule reports that once, and the rules about its attributes stay silent.
 */
export function parseDefinition(definition: unknown): Record<string, PolicyAttribute> | undefined {
  if (typeof definition !== "string") return undefined;
  try {
    const parsed: unknown = JSON.parse(definition);
    return parsed && typeof parsed === "object" && !Array.isArray(parsed)
      ? (parsed as Record<string, PolicyAttribute>)
      : undefined;
  } catch {
    return undefined;
  }
}

// Databricks rejects a malformed definition only at apply time, after the preview looked clean.
export const clusterPolicyDefinition: Rule = {
  name: "cluster-policy-definition",
  description: "Cluster policy definitions are a JSON object of attribute rules.",
  appliesTo: [TYPES.clusterPolicy],
  check: ({ props }) =>
    parseDefinition(props.definition)
      ? []
      : [
          expected(
            "definition",
            "a JSON object",
            props.definition,
            "build it with JSON.stringify({ spark_version: {...}, autotermination_minutes: {...} })",
          ),
        ],
};
