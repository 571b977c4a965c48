/**
 * What a shared stack's deployers need in Azure, derived from the program itself: the roles its role
 * assignments name are exactly the roles the deployer may assign (Role Based Access Control Administrator with a
 * condition, https://learn.microsoft.com/azure/role-based-access-control/delegate-role-assignments-examples#example-constrain-roles),
 * on the stack's resource group only. Pure: scripts/deployerRights.ts evaluates the program and prints the result.
 */
import { BUILT_IN_ROLES, roleGuid } from "../../policy/vocabulary/roles";
import type { RegisteredResource } from "../../tests/harness/policyCheck";

const ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment";
const ROLE_DEFINITION = "azure-native:authorization:RoleDefinition";

/** The operations a deployer needs to create, update and delete the stack's custom role definitions. */
export const ROLE_DEFINITION_WRITER_ACTIONS = [
  "Microsoft.Authorization/roleDefinitions/read",
  "Microsoft.Authorization/roleDefinitions/write",
  "Microsoft.Authorization/roleDefinitions/delete",
] as const;

/** The role definition GUIDs the stack's role assignments name, sorted: built-in and the stack's custom roles. */
export function assignedRoles(registrations: readonly RegisteredResource[]): string[] {
  const guids = registrations
    .filter((r) => r.type === ROLE_ASSIGNMENT)
    .map((r) => roleGuid(r.inputs.roleDefinitionId))
    .filter((guid) => guid !== "");
  return [...new Set(guids)].sort();
}

/** The custom role definitions the program defines, by GUID, with their display names. */
function definedRoles(registrations: readonly RegisteredResource[]): Record<string, string> {
  return Object.fromEntries(
    registrations
      .filter((r) => r.type === ROLE_DEFINITION)
      .map((r) => [String(r.inputs.roleDefinitionId).toLowerCase(), String(r.inputs.roleName)]),
  );
}

/**
 * The condition on the deployer's Role Based Access Control Administrator assignment: it may create and delete
 * role assignments of these roles only (the attributes are the request's role definition for a write, the
 * existing assignment's for a delete: https://learn.microsoft.com/azure/role-based-access-control/conditions-authorization-actions-attributes).
 */
export function rbacAdministratorCondition(roles: readonly string[]): string {
  const list = `{${roles.join(", ")}}`;
  return [
    "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR ",
    `(@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals ${list}))`,
    " AND ",
    "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'})) OR ",
    `(@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals ${list}))`,
  ].join("");
}

export interface DeployerRightsInput {
  readonly stack: string;
  readonly location: string;
  readonly resourceGroup: string;
  /** `eventHubs.deployerPrincipalIds`. */
  readonly deployers: readonly string[];
  readonly registrations: readonly RegisteredResource[];
}

/** Single-quoted for a POSIX shell. */
const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/**
 * The commands a subscription owner runs once per shared stack, in order: the resource group, the role that
 * lets the deployer define the stack's custom roles, then each deployer's three assignments on the group.
 */
export function deployerCommands(input: DeployerRightsInput): string {
  const roles = assignedRoles(input.registrations);
  const custom = definedRoles(input.registrations);
  const writer = `h3-ml ${input.stack} role definition writer (${input.resourceGroup})`;
  const scope = `"/subscriptions/$SUBSCRIPTION_ID/resourceGroups/${input.resourceGroup}"`;
  const writerDefinition = {
    Name: writer,
    IsCustom: true,
    Description: "Creates, updates and deletes the custom role definitions of one H3 ML stack.",
    Actions: [...ROLE_DEFINITION_WRITER_ACTIONS],
    NotActions: [],
    DataActions: [],
    NotDataActions: [],
    AssignableScopes: [`/subscriptions/$SUBSCRIPTION_ID/resourceGroups/${input.resourceGroup}`],
  };
  const lines = [
    `# Rights of the deployers of ${input.stack}: run once as a subscription Owner (docs/deployment.md).`,
    "SUBSCRIPTION_ID=<the subscription the stack deploys to>",
    `az group create --subscription "$SUBSCRIPTION_ID" --name ${input.resourceGroup} --location ${input.location}`,
    `az role definition create --subscription "$SUBSCRIPTION_ID" --role-definition "$(cat <<JSON`,
    JSON.stringify(writerDefinition, null, 2),
    "JSON",
    ')"',
    "# Roles the program assigns, the only ones the deployer may hand out:",
    ...roles.map((guid) => `#   ${guid}  ${roleName(guid, custom)}`),
  ];
  for (const deployer of input.deployers) {
    const assign = (role: string, extra: string[] = []) =>
      [
        "az role assignment create",
        `--assignee-object-id ${deployer} --assignee-principal-type ServicePrincipal`,
        `--role ${quote(role)} --scope ${scope}`,
        ...extra,
      ].join(" ");
    lines.push(
      assign("Contributor"),
      assign("Role Based Access Control Administrator", [
        `--condition ${quote(rbacAdministratorCondition(roles))} --condition-version 2.0`,
      ]),
      assign(writer),
    );
  }
  return `${lines.join("\n")}\n`;
}

const BUILT_IN_NAMES: Readonly<Record<string, string>> = {
  [BUILT_IN_ROLES.storageBlobDataContributor]: "Storage Blob Data Contributor",
  [BUILT_IN_ROLES.storageBlobDataReader]: "Storage Blob Data Reader",
  [BUILT_IN_ROLES.storageQueueDataContributor]: "Storage Queue Data Contributor",
  [BUILT_IN_ROLES.storageAccountContributor]: "Storage Account Contributor",
  [BUILT_IN_ROLES.azureEventHubsDataSender]: "Azure Event Hubs Data Sender",
  [BUILT_IN_ROLES.eventGridEventSubscriptionContributor]: "EventGrid EventSubscription Contributor",
};

function roleName(guid: string, custom: Readonly<Record<string, string>>): string {
  return custom[guid] ?? BUILT_IN_NAMES[guid] ?? "(a role this list does not name: add it to BUILT_IN_NAMES)";
}
