import { at, expected, type Rule, TYPES } from "../core";

// Unity Catalog, cluster policies and audit logs all need Premium; Standard silently lacks them.
export const workspacePremium: Rule = {
  name: "databricks-workspace-premium",
  description: "Databricks workspaces run on the Premium tier.",
  appliesTo: [TYPES.workspace],
  check: ({ props }) => {
    const value = at(props, "sku.name");
    return value === "premium"
      ? []
      : [expected("sku.name", '"premium"', value, 'set sku: { name: "premium" }')];
  },
};
