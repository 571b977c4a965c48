import { at, expected, type ResourceFacts, type StackRule, TYPES } from "../core";

/**
 * On prod, every Databricks workspace and Event Hubs namespace sends its resource logs somewhere: a diagnostic
 * setting on the resource with at least one log (a category or a category group) enabled, which is what the
 * Azure Policy built-ins "Resource logs in Azure Databricks Workspaces should be enabled"
 * (138ff14d-b687-4faa-a81c-898c91a87fa2) and "Resource logs in Event Hub should be enabled"
 * (83a214f7-d01a-484b-91a9-ed54470c9a6a) audit (github.com/Azure/azure-policy, built-in-policies). Unity Catalog's
 * audit events reach Azure only this way (https://learn.microsoft.com/azure/databricks/data-governance/unity-catalog/audit).
 * A setting belongs to the resource its `resourceUri` comes from, which the engine records as a dependency.
 */
export const prodDiagnosticSettings: StackRule = {
  name: "prod-diagnostic-settings",
  description:
    "On prod, every Databricks workspace and Event Hubs namespace has a diagnostic setting with a log enabled.",
  check: (resources, context) => {
    if (context.kind !== "prod") return [];
    const settings = resources.filter((r) => r.type === TYPES.diagnosticSetting);
    const logsOn = (setting: ResourceFacts) => {
      const logs = at(setting.props, "logs");
      return (Array.isArray(logs) ? logs : []).some((log) => (log as { enabled?: unknown }).enabled === true);
    };
    return resources
      .filter((r) => r.type === TYPES.workspace || r.type === TYPES.eventHubsNamespace)
      .flatMap((target) => {
        const mine = settings.filter(
          (s) => target.urn !== undefined && (s.dependencies ?? []).includes(target.urn),
        );
        return mine.some(logsOn)
          ? []
          : [
              {
                resource: target.name,
                detail: expected(
                  "diagnostic settings",
                  "a setting on this resource with a log enabled",
                  mine.map((s) => s.name),
                  "send the resource's logs to the stack's Log Analytics workspace (components/diagnostics.ts)",
                ),
              },
            ];
      });
  },
};
