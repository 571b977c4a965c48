/**
 * Role assignments to Azure built-in roles, shared by every component that grants data-plane access.
 *
 * Role definition ids are built from the deploying subscription (getClientConfig) rather than hard-coded,
 * so the same program deploys to any subscription.
 */
import * as azure from "@pulumi/azure-native";
import type * as pulumi from "@pulumi/pulumi";

/** Well-known ids of the Azure built-in roles this project grants. */
export const BUILT_IN_ROLES = {
  storageBlobDataContributor: "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
  storageBlobDataReader: "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
  azureEventHubsDataSender: "2b629674-e913-4c01-ae53-ef4638d8f975",
  // Actions and DataActions `Microsoft.EventHub/*`: manages the namespace's hubs and consumer groups.
  // https://learn.microsoft.com/azure/role-based-access-control/built-in-roles#azure-event-hubs-data-owner
  azureEventHubsDataOwner: "f526a384-b230-433a-b45c-95f59c4a2dec",
  storageQueueDataContributor: "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
  eventGridEventSubscriptionContributor: "428e0ff0-5e57-4d9c-a221-2c70d0e0a443",
  storageAccountContributor: "17d1049b-9a84-46fb-8f53-869881c3d3ab",
} as const;
export type BuiltInRole = keyof typeof BUILT_IN_ROLES;

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

export interface RoleGrantArgs {
  /** Object id of the identity receiving the role. */
  principalId: pulumi.Input<string>;
  role: BuiltInRole;
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

/** Grants `args.role` to `args.principalId` on `args.scope`; `opts` go to the role assignment unchanged. */
export function grantRole(
  name: string,
  args: RoleGrantArgs,
  opts: pulumi.CustomResourceOptions,
): azure.authorization.RoleAssignment {
  return new azure.authorization.RoleAssignment(
    name,
    {
      principalId: args.principalId,
      principalType: args.principalType ?? "ServicePrincipal",
      roleDefinitionId: roleDefinitionId(args.role, { parent: opts.parent }),
      scope: args.scope,
      description: args.description,
    },
    opts,
  );
}
