import { at, expected, type StackRule, TYPES } from "../core";

const lower = (value: unknown) => (typeof value === "string" ? value.toLowerCase() : value);

/**
 * Job clusters are classic compute: in the Databricks-managed VNet no storage network rule can admit them, and
 * Databricks supports a storage firewall only with VNet injection or serverless
 * (https://learn.microsoft.com/azure/databricks/data-governance/unity-catalog/azure-managed-identities). So while
 * an account denies by default, every workspace must be injected and both its subnets admitted, or each job's read
 * of the lake answers 403.
 */
export const storageFirewallAdmitsWorkspace: StackRule = {
  name: "storage-firewall-admits-workspace",
  description:
    "While a storage account denies by default, every Databricks workspace is VNet-injected and both its subnets are admitted by the account's virtual network rules.",
  check: (resources) => {
    const denying = resources.filter(
      (r) => r.type === TYPES.storageAccount && at(r.props, "networkRuleSet.defaultAction") === "Deny",
    );
    const workspaces = resources.filter((r) => r.type === TYPES.workspace);
    return denying.flatMap((account) => {
      const rules = at(account.props, "networkRuleSet.virtualNetworkRules");
      const admitted = (Array.isArray(rules) ? rules : []).map((rule) =>
        lower((rule as { virtualNetworkResourceId?: unknown }).virtualNetworkResourceId),
      );
      return workspaces.flatMap((workspace) => {
        const vnet = at(workspace.props, "parameters.customVirtualNetworkId.value");
        if (typeof vnet !== "string") {
          return [
            {
              resource: workspace.name,
              detail: expected(
                "parameters.customVirtualNetworkId.value",
                `a VNet the firewall of ${account.name} admits (it denies by default)`,
                vnet,
                "inject the workspace into a VNet (databricks.vnet, or storage.networkDefaultAction Deny builds one)",
              ),
            },
          ];
        }
        return ["customPublicSubnetName", "customPrivateSubnetName"].flatMap((parameter) => {
          const subnet = at(workspace.props, `parameters.${parameter}.value`);
          const id = `${vnet}/subnets/${String(subnet)}`;
          return admitted.includes(id.toLowerCase())
            ? []
            : [
                {
                  resource: account.name,
                  detail: expected(
                    "networkRuleSet.virtualNetworkRules",
                    `to admit ${workspace.name}'s subnet ${id} (the job clusters run there)`,
                    admitted,
                    "add the subnet as a virtual network rule; it needs the Microsoft.Storage service endpoint",
                  ),
                },
              ];
        });
      });
    });
  },
};
