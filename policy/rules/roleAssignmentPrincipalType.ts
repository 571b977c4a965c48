import { at, expected, type Rule, TYPES } from "../core";

// Without it, Azure looks the principal up in Entra ID, which fails with PrincipalNotFound for an identity
// created seconds earlier in the same deployment (replication lag).
export const roleAssignmentPrincipalType: Rule = {
  name: "role-assignment-principal-type",
  description: "Role assignments state principalType, so grants to freshly created identities do not fail.",
  appliesTo: [TYPES.roleAssignment],
  check: ({ props }) => {
    const value = at(props, "principalType");
    return value === "ServicePrincipal" || value === "Group" || value === "User"
      ? []
      : [
          expected(
            "principalType",
            '"ServicePrincipal", "Group" or "User"',
            value,
            'set principalType: "ServicePrincipal"',
          ),
        ];
  },
};
