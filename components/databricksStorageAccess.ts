import type * as azure from "@pulumi/azure-native";
import * as pulumi from "@pulumi/pulumi";
import { CONTROL_PLANE_REASON_PREFIX } from "../policy/vocabulary/roles";
import { type BuiltInRole, grantRole } from "./roles";

export interface DatabricksStorageAccessArgs {
  /** Principal (object) id of the Access Connector's system-assigned identity. */
  principalId: pulumi.Input<string>;
  /** Resource id of the data lake storage account. */
  storageAccountId: pulumi.Input<string>;
  /** Resource id of the account's resource group: the Event Grid role's scope for file events. */
  resourceGroupId: pulumi.Input<string>;
  /** Container the jobs write Delta tables and checkpoints to. */
  lakeContainerName: pulumi.Input<string>;
  /** Container Event Hubs Capture writes Avro files to; the jobs only read it. */
  captureContainerName: pulumi.Input<string>;
  /**
   * Let Unity Catalog set up file events on the account (a storage queue fed by an Event Grid
   * subscription), which file-arrival triggers use instead of listing the capture container.
   */
  fileEvents: boolean;
}

/**
 * Least-privilege storage roles for the Databricks Access Connector: read-write on the `lake`
 * container, read-only on `capture`, and, for file events, exactly the roles Databricks lists for a managed
 * identity (https://learn.microsoft.com/azure/databricks/data-governance/unity-catalog/azure-managed-identities,
 * file events): Storage Account Contributor and Storage Queue Data Contributor on the account, EventGrid
 * EventSubscription Contributor on its resource group. File events also need the `Microsoft.EventGrid` resource
 * provider registered in the subscription (docs/deployment.md, "First deployment"). Unity Catalog objects depend on this component because storage credentials and external
 * locations validate their access when they are created.
 */
export class DatabricksStorageAccess extends pulumi.ComponentResource {
  public readonly roleAssignments: azure.authorization.RoleAssignment[];

  constructor(name: string, args: DatabricksStorageAccessArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("h3:databricks:DatabricksStorageAccess", name, {}, opts);

    const container = (containerName: pulumi.Input<string>) =>
      pulumi.interpolate`${args.storageAccountId}/blobServices/default/containers/${containerName}`;
    const grants: { suffix: string; role: BuiltInRole; scope: pulumi.Input<string>; description: string }[] =
      [
        {
          suffix: "lake-blob-contributor",
          role: "storageBlobDataContributor",
          scope: container(args.lakeContainerName),
          description: "Unity Catalog writes the catalog's tables and the jobs' checkpoints.",
        },
        {
          suffix: "capture-blob-reader",
          role: "storageBlobDataReader",
          scope: container(args.captureContainerName),
          description: "Unity Catalog reads Event Hubs Capture files for the ingest job.",
        },
      ];
    if (args.fileEvents) {
      grants.push(
        {
          suffix: "account-contributor",
          role: "storageAccountContributor",
          scope: args.storageAccountId,
          // Key-listing; no data role or narrower documented set serves (the pack wants the reason on record).
          description: `${CONTROL_PLANE_REASON_PREFIX}Unity Catalog file events set up the queue and the event subscription on the account; Databricks documents Storage Account Contributor for it (learn.microsoft.com/azure/databricks/data-governance/unity-catalog/azure-managed-identities).`,
        },
        {
          suffix: "queue-contributor",
          role: "storageQueueDataContributor",
          scope: args.storageAccountId,
          description: "Unity Catalog file events: the queue that collects blob-created events.",
        },
        {
          suffix: "event-subscription-contributor",
          role: "eventGridEventSubscriptionContributor",
          scope: args.resourceGroupId,
          description: "Unity Catalog file events: the Event Grid subscription feeding the queue.",
        },
      );
    }

    this.roleAssignments = grants.map((grant) =>
      grantRole(
        `${name}-${grant.suffix}`,
        {
          principalId: args.principalId,
          role: grant.role,
          scope: grant.scope,
          description: grant.description,
        },
        { parent: this },
      ),
    );

    this.registerOutputs({});
  }
}
