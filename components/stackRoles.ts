import * as azure from "@pulumi/azure-native";
import * as pulumi from "@pulumi/pulumi";
import { CUSTOM_ROLES, type CustomRole, type CustomRoleName, customRoleGuid } from "./roles";

export interface StackRolesArgs {
  /** The subscription the definitions are created in (role definitions live at subscription scope). */
  subscriptionId: pulumi.Input<string>;
  /** The stack's resource group: the only scope the roles can be assigned in. */
  resourceGroupId: pulumi.Input<string>;
  /** Start of each display name, e.g. `h3ml-dev`. */
  displayPrefix: string;
  /**
   * What makes this stack's definitions distinct in the tenant (the same input as the globally unique resource
   * names): role definition ids and display names are unique per tenant.
   */
  unique: string;
  /** The custom roles this stack grants. */
  roles: readonly CustomRoleName[];
}

/**
 * The stack's own copy of each custom role it grants (`CUSTOM_ROLES`), assignable only inside its resource group.
 * Creating or updating a definition needs `Microsoft.Authorization/roleDefinitions/write` on its assignable scopes
 * (https://learn.microsoft.com/azure/role-based-access-control/custom-roles), so the deployer needs that right on
 * the resource group only (docs/deployment.md).
 */
export class StackRoles extends pulumi.ComponentResource {
  private readonly defined = new Map<CustomRoleName, CustomRole>();

  constructor(name: string, args: StackRolesArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("h3:access:StackRoles", name, {}, opts);
    for (const role of args.roles) {
      const spec = CUSTOM_ROLES[role];
      const guid = customRoleGuid(args.unique, role);
      const definition = new azure.authorization.RoleDefinition(
        `${name}-${spec.title.replace(/ /g, "-")}`,
        {
          scope: pulumi.interpolate`/subscriptions/${args.subscriptionId}`,
          roleDefinitionId: guid,
          roleName: `${args.displayPrefix} ${spec.title} (${guid.slice(0, 8)})`,
          description: spec.description,
          roleType: "CustomRole",
          permissions: [
            {
              actions: [...spec.actions],
              dataActions: [...spec.dataActions],
              notActions: [],
              notDataActions: [],
            },
          ],
          assignableScopes: [args.resourceGroupId],
        },
        { parent: this },
      );
      this.defined.set(role, {
        custom: role,
        definition,
        definitionId: pulumi.interpolate`/subscriptions/${args.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${guid}`,
      });
    }
    this.registerOutputs({});
  }

  /** A role this stack defines; asking for one it was not built with is a programming error. */
  role(role: CustomRoleName): CustomRole {
    const found = this.defined.get(role);
    if (found === undefined) throw new Error(`StackRoles was not asked to define ${role}`);
    return found;
  }
}
