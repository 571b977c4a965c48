/**
 * Role assignments, shared by every component that grants access: to Azure built-in roles, or to the few custom
 * roles the program defines where no built-in role is narrow enough (`CUSTOM_ROLES`, defined per stack by
 * `StackRoles`).
 *
 * Built-in role definition ids are built from the deploying subscription (getClientConfig) rather than
 * hard-coded, so the same program deploys to any subscription.
 */
import { createHash } from "node:crypto";
import * as azure from "@pulumi/azure-native";
import type * as pulumi from "@pulumi/pulumi";
import {
  CAPTURE_CHECK_PERMISSIONS,
  BUILT_IN_ROLES as ROLE_IDS,
  type RolePermissions,
} from "../policy/vocabulary/roles";

/** The built-in roles the program grants, by the ids in the pack's vocabulary (policy/vocabulary/roles.ts). */
export const BUILT_IN_ROLES = {
  storageBlobDataContributor: ROLE_IDS.storageBlobDataContributor,
  storageBlobDataReader: ROLE_IDS.storageBlobDataReader,
  azureEventHubsDataSender: ROLE_IDS.azureEventHubsDataSender,
  storageQueueDataContributor: ROLE_IDS.storageQueueDataContributor,
  eventGridEventSubscriptionContributor: ROLE_IDS.eventGridEventSubscriptionContributor,
  storageAccountContributor: ROLE_IDS.storageAccountContributor,
} as const;
export type BuiltInRole = keyof typeof BUILT_IN_ROLES;

export interface CustomRoleSpec extends RolePermissions {
  /** Short words for the role's display name, after the stack's prefix. */
  readonly title: string;
  readonly description: string;
}

/**
 * The custom roles, each exactly the permissions one check or one task needs, so a grant never carries more.
 * Operations: https://learn.microsoft.com/azure/role-based-access-control/permissions/storage,
 * https://learn.microsoft.com/azure/role-based-access-control/permissions/integration#microsofteventhub.
 */
export const CUSTOM_ROLES = {
  /**
   * Event Hubs runs a linked access check on whoever creates or updates a hub with Capture, and refuses with
   * "Linked access check failed for capture storage destination <storage account id>. User or the application
   * with object id ... doesn't have the required data plane write permissions. Please enable
   * Microsoft.Storage/storageAccounts/blobServices/containers/write,
   * Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write permission(s) on above resource"
   * (Azure/azure-sdk-for-js#30204, Azure/azure-synapse-analytics-end2end#11). These two and nothing else: no
   * read, list or delete of any blob, no user delegation key (so no SAS), unlike Storage Blob Data Contributor.
   */
  captureDestinationCheck: {
    title: "capture destination check",
    description:
      "Passes Event Hubs Capture's linked access check on its destination account: container and blob write only, no read, list or delete.",
    ...CAPTURE_CHECK_PERMISSIONS,
  },
  /**
   * What a shared personal stack does to dev's namespace: create, read, update and delete its own hub and that
   * hub's consumer group. Unlike Azure Event Hubs Data Owner (`Microsoft.EventHub/*`), nothing on the namespace
   * itself (its settings, network rules, identity, keys or authorization rules) and no data access.
   */
  personalHubAuthor: {
    title: "personal hub author",
    description:
      "Creates, reads, updates and deletes event hubs and their consumer groups in one namespace; nothing on the namespace itself, no keys, no data.",
    actions: [
      "Microsoft.EventHub/namespaces/eventhubs/read",
      "Microsoft.EventHub/namespaces/eventhubs/write",
      "Microsoft.EventHub/namespaces/eventhubs/delete",
      "Microsoft.EventHub/namespaces/eventhubs/consumergroups/read",
      "Microsoft.EventHub/namespaces/eventhubs/consumergroups/write",
      "Microsoft.EventHub/namespaces/eventhubs/consumergroups/delete",
    ],
    dataActions: [],
  },
} as const satisfies Record<string, CustomRoleSpec>;
export type CustomRoleName = keyof typeof CUSTOM_ROLES;

/** A custom role defined by this stack: the full resource id of its definition, and the definition itself. */
export interface CustomRole {
  readonly custom: CustomRoleName;
  readonly definitionId: pulumi.Input<string>;
  /** Grants wait for it: a role assignment naming a definition that does not exist yet is refused. */
  readonly definition: pulumi.Resource;
}

/** The full resource id of a built-in role definition in the deploying subscription. */
export function roleDefinitionId(
  role: BuiltInRole,
  opts: pulumi.InvokeOutputOptions = {},
): pulumi.Output<string> {
  return azure.authorization
    .getClientConfigOutput(opts)
    .apply(
      (client) =>
        `/subscriptions/${client.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${BUILT_IN_ROLES[role]}`,
    );
}

/**
 * A stable GUID for a custom role definition: role definition ids are unique in the tenant, and two stacks (or
 * two teams) in one tenant each define their own copy. Formatted as an RFC 4122 name-based (version 5 layout) id.
 */
export function customRoleGuid(unique: string, role: CustomRoleName): string {
  const hex = createHash("sha256").update(`h3-ml role/${unique}/${role}`).digest("hex");
  const variant = ((Number.parseInt(hex[16] ?? "0", 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export interface RoleGrantArgs {
  /** Object id of the identity receiving the role. */
  principalId: pulumi.Input<string>;
  role: BuiltInRole | CustomRole;
  /** The narrowest resource id that works: a container or a hub rather than the account or namespace. */
  scope: pulumi.Input<string>;
  /**
   * Kind of principal. Setting it skips the directory lookup that fails with PrincipalNotFound while a new
   * managed identity is still replicating.
   * @default "ServicePrincipal"
   */
  principalType?: pulumi.Input<"ServicePrincipal" | "User" | "Group">;
  /** Why the grant exists, shown in the Azure portal. */
  description?: pulumi.Input<string>;
}

/**
 * Grants `args.role` to `args.principalId` on `args.scope`; `opts` go to the role assignment, which also waits for
 * a custom role's definition.
 */
export function grantRole(
  name: string,
  args: RoleGrantArgs,
  opts: pulumi.CustomResourceOptions,
): azure.authorization.RoleAssignment {
  const role = args.role;
  const after = typeof role === "string" ? [] : [role.definition];
  return new azure.authorization.RoleAssignment(
    name,
    {
      principalId: args.principalId,
      principalType: args.principalType ?? "ServicePrincipal",
      roleDefinitionId:
        typeof role === "string" ? roleDefinitionId(role, { parent: opts.parent }) : role.definitionId,
      scope: args.scope,
      description: args.description,
    },
    after.length === 0 ? opts : { ...opts, dependsOn: [...toArray(opts.dependsOn), ...after] },
  );
}

function toArray(dependsOn: pulumi.CustomResourceOptions["dependsOn"]): pulumi.Input<pulumi.Resource>[] {
  if (dependsOn === undefined) return [];
  return Array.isArray(dependsOn) ? dependsOn : [dependsOn as pulumi.Input<pulumi.Resource>];
}
