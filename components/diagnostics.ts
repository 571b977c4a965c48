import * as azure from "@pulumi/azure-native";
import * as pulumi from "@pulumi/pulumi";

/**
 * The Databricks workspace's audit categories the stack keeps: who signed in and changed accounts, jobs,
 * notebooks, secrets, Unity Catalog grants and reads, clusters and workspace settings. Names as Azure Monitor
 * lists them for Microsoft.Databricks/workspaces
 * (https://learn.microsoft.com/azure/azure-monitor/reference/supported-logs/microsoft-databricks-workspaces-logs);
 * Unity Catalog's audit events reach Azure only through the workspace's diagnostic logs
 * (https://learn.microsoft.com/azure/databricks/data-governance/unity-catalog/audit).
 */
export const DATABRICKS_LOG_CATEGORIES = [
  "accounts",
  "clusters",
  "jobs",
  "notebook",
  "secrets",
  "unityCatalog",
  "workspace",
] as const;

/**
 * Every read, write and delete on the lake's blobs (Capture files, tables, checkpoints), from the blob service's
 * categories (https://learn.microsoft.com/azure/azure-monitor/reference/supported-logs/microsoft-storage-storageaccounts-blobservices-logs).
 */
export const BLOB_LOG_CATEGORIES = ["StorageRead", "StorageWrite", "StorageDelete"] as const;

/**
 * The namespace's logs by the category group `allLogs`: Capture's errors (ArchiveLogs), management operations
 * (OperationalLogs) and whatever else the namespace's tier offers (runtime audit logs on Premium only), which a
 * fixed category list would refuse on Standard
 * (https://learn.microsoft.com/azure/azure-monitor/essentials/diagnostic-settings#category-groups).
 */
export const EVENT_HUBS_LOG_GROUP = "allLogs";

/** The name every diagnostic setting of the stack carries (one per resource). */
const DIAGNOSTIC_SETTING_NAME = "h3-ml-audit";

export interface DiagnosticsArgs {
  resourceGroupName: pulumi.Input<string>;
  location: pulumi.Input<string>;
  /** Name of the Log Analytics workspace the stack creates (see naming.ts). */
  workspaceName: string;
  /**
   * Resource id of an existing Log Analytics workspace (a central one the team already keeps) to send to
   * instead; the stack then creates none, and that workspace's retention applies.
   */
  existingWorkspaceId: string | undefined;
  /** Days the created workspace keeps the logs. */
  retentionDays: number;
  databricksWorkspaceId: pulumi.Input<string>;
  storageAccountId: pulumi.Input<string>;
  eventHubsNamespaceId: pulumi.Input<string>;
  tags: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Protect the created workspace (it holds the audit trail) from deletion and replacement (prod). */
  protect: boolean;
}

/**
 * Resource logs for auditors: the Databricks workspace's audit categories, the lake's blob reads, writes and
 * deletes, and the Event Hubs namespace's logs, each through a diagnostic setting into one Log Analytics
 * workspace, which the stack creates (Entra-only access, `diagnostics.retentionDays`) unless config names one.
 * What the Azure Policy built-ins "Resource logs in Azure Databricks Workspaces should be enabled"
 * (138ff14d-b687-4faa-a81c-898c91a87fa2) and "Resource logs in Event Hub should be enabled"
 * (83a214f7-d01a-484b-91a9-ed54470c9a6a) look for: a diagnostic setting on the resource with a log enabled
 * (github.com/Azure/azure-policy, built-in-policies/policyDefinitions).
 */
export class Diagnostics extends pulumi.ComponentResource {
  /** Resource id of the Log Analytics workspace the logs go to. */
  public readonly workspaceId: pulumi.Output<string>;

  constructor(name: string, args: DiagnosticsArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("h3:monitor:Diagnostics", name, {}, opts);
    const child = { parent: this };

    this.workspaceId =
      args.existingWorkspaceId !== undefined
        ? pulumi.output(args.existingWorkspaceId)
        : new azure.operationalinsights.Workspace(
            `${name}-workspace`,
            {
              resourceGroupName: args.resourceGroupName,
              location: args.location,
              workspaceName: args.workspaceName,
              sku: { name: azure.operationalinsights.WorkspaceSkuNameEnum.PerGB2018 },
              retentionInDays: args.retentionDays,
              // Queries sign in with Entra ID and read only what the caller's Azure roles allow.
              features: { disableLocalAuth: true, enableLogAccessUsingOnlyResourcePermissions: true },
              tags: args.tags,
            },
            { ...child, protect: args.protect },
          ).id;

    const setting = (
      suffix: string,
      resourceUri: pulumi.Input<string>,
      logs: azure.types.input.monitor.DiagnosticsLogSettingsArgs[],
    ) =>
      new azure.monitor.DiagnosticSetting(
        `${name}-${suffix}`,
        {
          name: DIAGNOSTIC_SETTING_NAME,
          resourceUri,
          workspaceId: this.workspaceId,
          // Resource-specific tables (DatabricksUnityCatalog, StorageBlobLogs, ...) rather than AzureDiagnostics.
          logAnalyticsDestinationType: "Dedicated",
          logs,
        },
        child,
      );

    setting(
      "databricks",
      args.databricksWorkspaceId,
      DATABRICKS_LOG_CATEGORIES.map((category) => ({ category, enabled: true })),
    );
    setting(
      "lake-blobs",
      pulumi.interpolate`${args.storageAccountId}/blobServices/default`,
      BLOB_LOG_CATEGORIES.map((category) => ({ category, enabled: true })),
    );
    setting("event-hubs", args.eventHubsNamespaceId, [
      { categoryGroup: EVENT_HUBS_LOG_GROUP, enabled: true },
    ]);

    this.registerOutputs({ workspaceId: this.workspaceId });
  }
}
