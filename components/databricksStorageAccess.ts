import * as azure from "@pulumi/azure-native";
import * as pulumi from "@pulumi/pulumi";

/** Built-in Azure role definition ids (the same GUID in every subscription). */
export const BUILT_IN_ROLES = {
  storageBlobDataContributor: "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
  storageBlobDataReader: "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
  storageQueueDataContributor: "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
  eventGridEventSubscriptionContributor: "428e0ff0-5e57-4d9c-a221-2c70d0e0a443",
} as const;

export interface DatabricksStorageAccessArgs {
  /** Subscription that holds the storage account (role definition ids are scoped to it). */
  subscriptionId: pulumi.Input<string>;
  /** Principal (object) id of the Access Connector's system-assigned identity. */
  principalId: pulumi.Input<string>;
  /** Resource id of the data lake storage account. */
  storageAccountId: pulumi.Input<string>;
  /**
   * Container the jobs write Delta tables and checkpoints to.
   * @default "lake"
   */
  lakeContainerName?: pulumi.Input<string>;
  /**
   * Container Event Hubs Capture writes Avro files to; the jobs only read it.
   * @default "capture"
   */
  captureContainerName?: pulumi.Input<string>;
  /**
   * Let Unity Catalog set up file events on the account (a storage queue fed by an Event Grid
   * subscription), which file-arrival triggers use instead of listing the capture container.
   * @default true
   */
  fileEvents?: boolean;
}

/**
 * Least-privilege storage roles for the Databricks Access Connector: read-write on the `lake`
 * container, read-only on `capture`, and, for file events, the queue and Event Grid roles on the
 * account. Unity Catalog objects depend on this component because storage credentials and external
 * locations validate their access when they are created.
 */
export class DatabricksStorageAccess extends pulumi.ComponentResource {
  public readonly roleAssignments: azure.authorization.RoleAssignment[];

  constructor(name: string, args: DatabricksStorageAccessArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("h3:databricks:DatabricksStorageAccess", name, {}, opts);

    const container = (containerName: pulumi.Input<string>) =>
      pulumi.interpolate`${args.storageAccountId}/blobServices/default/containers/${containerName}`;
    const grants: { suffix: string; role: string; scope: pulumi.Input<string> }[] = [
      {
        suffix: "lake-blob-contributor",
        role: BUILT_IN_ROLES.storageBlobDataContributor,
        scope: container(args.lakeContainerName ?? "lake"),
      },
      {
        suffix: "capture-blob-reader",
        role: BUILT_IN_ROLES.storageBlobDataReader,
        scope: container(args.captureContainerName ?? "capture"),
      },
    ];
    if (args.fileEvents ?? true) {
      grants.push(
        {
          suffix: "queue-contributor",
          role: BUILT_IN_ROLES.storageQueueDataContributor,
          scope: args.storageAccountId,
        },
        {
          suffix: "event-subscription-contributor",
          role: BUILT_IN_ROLES.eventGridEventSubscriptionContributor,
          scope: args.storageAccountId,
        },
      );
    }

    this.roleAssignments = grants.map(
      (grant) =>
        new azure.authorization.RoleAssignment(
          `${name}-${grant.suffix}`,
          {
            principalId: args.principalId,
            // A new identity is not yet replicated in Entra ID; without the type ARM looks it up and
            // fails with PrincipalNotFound.
            principalType: "ServicePrincipal",
            roleDefinitionId: pulumi.interpolate`/subscriptions/${args.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${grant.role}`,
            scope: grant.scope,
          },
          { parent: this },
        ),
    );

    this.registerOutputs({});
  }
}
