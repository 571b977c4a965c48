import { at, expected, type Rule, TYPES } from "../core";

/** Built-in roles that can change resources or hand out access; their ids are the same in every tenant. */
export const PRIVILEGED_ROLES: Readonly<Record<string, string>> = {
  "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
  "b24988ac-6180-47ed-b6ad-f0e2b9fb4d03": "Contributor",
  "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": "User Access Administrator",
  "f58310d9-a9f6-439a-9e8d-f62e7b41a168": "Role Based Access Control Administrator",
};

export const roleAssignmentLeastPrivilege: Rule = {
  name: "role-assignment-least-privilege",
  description:
    "Role assignments grant data-plane roles only: never Owner, Contributor or an access administrator role.",
  appliesTo: [TYPES.roleAssignment],
  check: ({ props }) => {
    const id = at(props, "roleDefinitionId");
    if (typeof id !== "string" || id === "") {
      return [
        expected("roleDefinitionId", "a role definition id", id, "name the built-in data role to grant"),
      ];
    }
    const guid = id.split("/").pop()?.toLowerCase() ?? "";
    const role = PRIVILEGED_ROLES[guid];
    return role === undefined
      ? []
      : [
          expected(
            "roleDefinitionId",
            "a data-plane role",
            `${id} (${role})`,
            "grant the narrowest built-in role, e.g. Storage Blob Data Contributor",
          ),
        ];
  },
};
