/**
 * Azure roles as the program grants them and the pack reasons about them: built-in role ids (the same in every
 * tenant, https://learn.microsoft.com/azure/role-based-access-control/built-in-roles), the permissions of the
 * few the pack needs to know, and how a role definition's actions match an operation. Imports nothing, so the
 * policy pack can load it.
 */

export const BUILT_IN_ROLES = {
  storageBlobDataContributor: "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
  storageBlobDataOwner: "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
  storageBlobDataReader: "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
  storageQueueDataContributor: "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
  // Actions include Microsoft.Storage/storageAccounts/listkeys/action: with a key, every blob is readable.
  storageAccountContributor: "17d1049b-9a84-46fb-8f53-869881c3d3ab",
  storageAccountKeyOperator: "81a9662b-bebf-436f-a333-f67b29880f12",
  // DataAction Microsoft.EventHub/namespaces/messages/send/action only.
  azureEventHubsDataSender: "2b629674-e913-4c01-ae53-ef4638d8f975",
  // Actions and DataActions `Microsoft.EventHub/*`: the namespace itself, its network rules, keys and every hub.
  azureEventHubsDataOwner: "f526a384-b230-433a-b45c-95f59c4a2dec",
  eventGridEventSubscriptionContributor: "428e0ff0-5e57-4d9c-a221-2c70d0e0a443",
  owner: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
  contributor: "b24988ac-6180-47ed-b6ad-f0e2b9fb4d03",
  userAccessAdministrator: "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
  roleBasedAccessControlAdministrator: "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
} as const;

/** What a role definition allows: its `permissions` (NotActions are not used by any role the pack reads). */
export interface RolePermissions {
  readonly actions: readonly string[];
  readonly dataActions: readonly string[];
}

/** The permissions of the built-in roles a pack rule has to reason about, from the built-in roles reference. */
export const BUILT_IN_PERMISSIONS: Readonly<Record<string, RolePermissions>> = {
  [BUILT_IN_ROLES.storageBlobDataContributor]: {
    actions: [
      "Microsoft.Storage/storageAccounts/blobServices/containers/delete",
      "Microsoft.Storage/storageAccounts/blobServices/containers/read",
      "Microsoft.Storage/storageAccounts/blobServices/containers/write",
      "Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action",
    ],
    dataActions: [
      "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete",
      "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",
      "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write",
      "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/move/action",
      "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/add/action",
    ],
  },
  [BUILT_IN_ROLES.storageBlobDataOwner]: {
    actions: [
      "Microsoft.Storage/storageAccounts/blobServices/containers/*",
      "Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action",
    ],
    dataActions: ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/*"],
  },
};

/**
 * What Event Hubs' linked access check asks of whoever creates or updates a hub with Capture, on the destination
 * storage account: "Please enable Microsoft.Storage/storageAccounts/blobServices/containers/write,
 * Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write permission(s) on above resource"
 * (Azure/azure-sdk-for-js#30204, Azure/azure-synapse-analytics-end2end#11).
 */
export const CAPTURE_CHECK_PERMISSIONS: RolePermissions = {
  actions: ["Microsoft.Storage/storageAccounts/blobServices/containers/write"],
  dataActions: ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write"],
};

/**
 * How a role assignment that must hand out a control-plane or key-listing role says why: its description starts
 * with this, followed by the requirement and its source. The pack lets such a grant through with the reason on
 * the record in Azure.
 */
export const CONTROL_PLANE_REASON_PREFIX = "Needs a control-plane role: ";

/** The role definition GUID at the end of a role definition resource id, lower case. */
export function roleGuid(roleDefinitionId: unknown): string {
  return typeof roleDefinitionId === "string" ? (roleDefinitionId.split("/").pop() ?? "").toLowerCase() : "";
}

/** Whether a role's action pattern covers an operation: Azure matches case-insensitively, `*` as a wildcard. */
export function actionMatches(pattern: string, operation: string): boolean {
  const regex = pattern
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${regex}$`, "i").test(operation);
}

/** Whether `permissions` cover every action and data action of `needed`. */
export function covers(permissions: RolePermissions, needed: RolePermissions): boolean {
  const all = (patterns: readonly string[], operations: readonly string[]) =>
    operations.every((op) => patterns.some((pattern) => actionMatches(pattern, op)));
  return all(permissions.actions, needed.actions) && all(permissions.dataActions, needed.dataActions);
}
