import * as pulumi from "@pulumi/pulumi";
import { grantRole } from "./roles";

export interface DeveloperAccessArgs {
  /** Object id of the Entra group whose members build shared personal stacks on this stack. */
  entraGroupObjectId: pulumi.Input<string>;
  /** Resource id of the Event Hubs namespace personal hubs are created in. */
  namespaceId: pulumi.Input<string>;
  /** Resource id of the storage account personal hubs capture into. */
  captureStorageAccountId: pulumi.Input<string>;
}

/**
 * The Azure side of what a shared personal stack needs from the dev stack: its members create their own hub
 * (with Capture) in dev's namespace. Creating a hub with Capture runs a linked access check on the caller, who
 * must hold blob write on the destination account (Azure/azure-sdk-for-js#30204: the error names the account),
 * so the group also gets Storage Blob Data Contributor on dev's lake account, as the deployers of every stack do.
 * The Databricks side (catalog, capture location,
 * job policy) is granted by `UnityCatalog` and `DatabricksCompute`, whose grants are authoritative per securable.
 */
export class DeveloperAccess extends pulumi.ComponentResource {
  constructor(name: string, args: DeveloperAccessArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("h3:access:DeveloperAccess", name, {}, opts);
    const child = { parent: this };
    grantRole(
      `${name}-hub-author`,
      {
        principalId: args.entraGroupObjectId,
        principalType: "Group",
        role: "azureEventHubsDataOwner",
        scope: args.namespaceId,
        description: "Developers create their personal stacks' event hubs in the dev namespace.",
      },
      child,
    );
    grantRole(
      `${name}-capture-writer`,
      {
        principalId: args.entraGroupObjectId,
        principalType: "Group",
        role: "storageBlobDataContributor",
        scope: args.captureStorageAccountId,
        description: "Capture checks that whoever creates a hub can write its destination account.",
      },
      child,
    );
    this.registerOutputs({});
  }
}
