import { at, expected, type Rule, TYPES } from "../core";
import { BUILT_IN_ROLES, CONTROL_PLANE_REASON_PREFIX, roleGuid } from "../vocabulary/roles";

/**
 * Built-in roles that hand out a storage account's keys (with a key, every blob is readable whatever the data
 * roles say) or the whole Event Hubs control plane (the namespace, its network rules, keys and every hub), where
 * a data role (Storage Blob Data Reader/Contributor, Azure Event Hubs Data Sender/Receiver) or a custom role of
 * exactly the needed actions serves. Permissions: https://learn.microsoft.com/azure/role-based-access-control/built-in-roles.
 */
const CONTROL_PLANE_ROLES: Readonly<Record<string, string>> = {
  [BUILT_IN_ROLES.storageAccountContributor]: "Storage Account Contributor (lists the account's keys)",
  [BUILT_IN_ROLES.storageAccountKeyOperator]:
    "Storage Account Key Operator Service Role (lists and regenerates keys)",
  [BUILT_IN_ROLES.azureEventHubsDataOwner]: "Azure Event Hubs Data Owner (Microsoft.EventHub/*)",
};

export const roleAssignmentDataRole: Rule = {
  name: "role-assignment-data-role",
  description:
    "Role assignments hand out no key-listing or control-plane role (Storage Account Contributor, Event Hubs Data Owner) unless the grant states why no data role serves.",
  appliesTo: [TYPES.roleAssignment],
  check: ({ props }) => {
    const role = CONTROL_PLANE_ROLES[roleGuid(at(props, "roleDefinitionId"))];
    if (role === undefined) return [];
    const description = at(props, "description");
    if (typeof description === "string" && description.startsWith(CONTROL_PLANE_REASON_PREFIX)) return [];
    return [
      expected(
        "roleDefinitionId",
        "a data role or a custom role of exactly the actions needed",
        `${String(at(props, "roleDefinitionId"))} (${role})`,
        `grant a data role (Storage Blob Data Reader/Contributor, Azure Event Hubs Data Sender/Receiver) or a custom role; where a service documents this role as required, start the assignment's description with "${CONTROL_PLANE_REASON_PREFIX}" and the requirement with its source`,
      ),
    ];
  },
};
