import { at, expected, type Rule, TYPES } from "../core";

// Secure cluster connectivity: cluster nodes get no public address, so nothing on the internet can reach them.
export const workspaceNoPublicIp: Rule = {
  name: "databricks-workspace-no-public-ip",
  description: "Databricks workspaces use secure cluster connectivity (no public IP on cluster nodes).",
  appliesTo: [TYPES.workspace],
  check: ({ props }) => {
    const value = at(props, "parameters.enableNoPublicIp.value");
    return value === true
      ? []
      : [
          expected(
            "parameters.enableNoPublicIp.value",
            "true",
            value,
            "set parameters: { enableNoPublicIp: { value: true } }",
          ),
        ];
  },
};
