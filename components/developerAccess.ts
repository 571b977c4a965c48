import * as pulumi from "@pulumi/pulumi";
import { type CustomRole, grantRole } from "./roles";

export interface DeveloperAccessArgs {
  /** Object id of the Entra group whose members build shared personal stacks on this stack. */
  entraGroupObjectId: pulumi.Input<string>;
  /** Resource id of the Event Hubs namespace personal hubs are created in. */
  namespaceId: pulumi.Input<string>;
  /** Resource id of the storage account personal hubs capture into. */
  captureStorageAccountId: pulumi.Input<string>;
  /** The stack's custom roles for creating hubs and for Capture's check on the caller (`CUSTOM_ROLES`). */
  hubAuthorRole: CustomRole;
  captureCheckRole: CustomRole;
}

/**
 * The Azure side of what a shared personal stack needs from the dev stack, and nothing more:
 *
 * - create, update and delete its own hub and consumer group in dev's namespace (custom role `personal hub
 *   author`). Azure RBAC cannot limit a create right to names that do not exist yet, and Event Hubs actions take
 *   no role assignment conditions (conditions apply to blob and queue data actions only:
 *   https://learn.microsoft.com/azure/role-based-access-control/conditions-role-assignments-portal), so the role
 *   is on the namespace and also reaches dev's own hubs; it reaches nothing else: not the namespace, its network
 *   rules, keys or identity;
 * - send test events to its hub (`make smoke STACK=dev-<name>`): Azure Event Hubs Data Sender on the namespace,
 *   for the same reason (a hub-scoped grant would name a hub that does not exist until the personal stack
 *   creates it, and developers cannot assign roles);
 * - pass Capture's linked access check when the hub is created: the custom role `capture destination check`
 *   on dev's lake account, where the check looks (see `EventIngestion`): container and blob write, no read,
 *   list or delete, so no developer reads dev's tables, its audit or other stacks' files through it.
 *
 * The Databricks side (catalog, capture location, job policy) is granted by `UnityCatalog` and
 * `DatabricksCompute`, whose grants are authoritative per securable.
 */
export class DeveloperAccess extends pulumi.ComponentResource {
  constructor(name: string, args: DeveloperAccessArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("h3:access:DeveloperAccess", name, {}, opts);
    const child = { parent: this };
    const group = { principalId: args.entraGroupObjectId, principalType: "Group" as const };
    grantRole(
      `${name}-hub-author`,
      {
        ...group,
        role: args.hubAuthorRole,
        scope: args.namespaceId,
        description:
          "Developers create their personal stacks' event hubs and consumer groups in the dev namespace.",
      },
      child,
    );
    grantRole(
      `${name}-sender`,
      {
        ...group,
        role: "azureEventHubsDataSender",
        scope: args.namespaceId,
        description: "Developers send test events to their personal stacks' hubs.",
      },
      child,
    );
    grantRole(
      `${name}-capture-check`,
      {
        ...group,
        role: args.captureCheckRole,
        scope: args.captureStorageAccountId,
        description: "Capture checks that whoever creates a hub can write to its destination account.",
      },
      child,
    );
    this.registerOutputs({});
  }
}
