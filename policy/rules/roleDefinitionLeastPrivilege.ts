import { at, expected, type Rule, TYPES } from "../core";
import { actionMatches } from "../vocabulary/roles";

/** Operations no custom role of the program may hold: reading keys, and managing access itself. */
const FORBIDDEN_OPERATIONS = [
  "Microsoft.Storage/storageAccounts/listkeys/action",
  "Microsoft.Storage/storageAccounts/regeneratekey/action",
  "Microsoft.EventHub/namespaces/authorizationRules/listkeys/action",
  "Microsoft.EventHub/namespaces/eventhubs/authorizationRules/listkeys/action",
  "Microsoft.Authorization/roleAssignments/write",
  "Microsoft.Authorization/roleDefinitions/write",
];

const list = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);

/**
 * A custom role the program defines is exactly the actions one task needs: no wildcard that covers a key-listing
 * or access-management operation, and assignable only inside a resource group, so it cannot be handed out across
 * the subscription (https://learn.microsoft.com/azure/role-based-access-control/custom-roles).
 */
export const roleDefinitionLeastPrivilege: Rule = {
  name: "role-definition-least-privilege",
  description:
    "Custom role definitions hold no key-listing or access-management operation and are assignable in a resource group or narrower.",
  appliesTo: [TYPES.roleDefinition],
  check: ({ props }) => {
    const found: string[] = [];
    const permissions = at(props, "permissions");
    for (const [index, permission] of (Array.isArray(permissions) ? permissions : []).entries()) {
      const actions = list((permission as { actions?: unknown }).actions);
      for (const action of actions) {
        const covered = FORBIDDEN_OPERATIONS.filter((op) => actionMatches(action, op));
        if (covered.length > 0) {
          found.push(
            expected(
              `permissions[${index}].actions`,
              "free of key-listing and access-management operations",
              `${action} (covers ${covered.join(", ")})`,
              "list the exact actions the task needs",
            ),
          );
        }
      }
    }
    const scopes = list(at(props, "assignableScopes"));
    for (const scope of scopes.length === 0 ? ["unset"] : scopes) {
      if (!/\/resourceGroups\/[^/]+/i.test(scope)) {
        found.push(
          expected(
            "assignableScopes",
            "resource groups or narrower",
            scope,
            "make the stack's resource group the only assignable scope",
          ),
        );
      }
    }
    return found;
  },
};
