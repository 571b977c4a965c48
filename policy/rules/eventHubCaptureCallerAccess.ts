import { at, expected, type ResourceFacts, type StackRule, TYPES } from "../core";
import {
  BUILT_IN_PERMISSIONS,
  CAPTURE_CHECK_PERMISSIONS,
  covers,
  type RolePermissions,
  roleGuid,
} from "../vocabulary/roles";

/** The permissions of a custom role definition registered in the stack, by its GUID. */
function customPermissions(resources: readonly ResourceFacts[]): Map<string, RolePermissions> {
  const found = new Map<string, RolePermissions>();
  for (const definition of resources.filter((r) => r.type === TYPES.roleDefinition)) {
    const permissions = at(definition.props, "permissions");
    const first = (Array.isArray(permissions) ? permissions[0] : undefined) as
      | { actions?: unknown; dataActions?: unknown }
      | undefined;
    const list = (value: unknown) => (Array.isArray(value) ? value.map(String) : []);
    found.set(roleGuid(at(definition.props, "roleDefinitionId")), {
      actions: list(first?.actions),
      dataActions: list(first?.dataActions),
    });
  }
  return found;
}

/**
 * Event Hubs runs a linked access check on whoever sends a hub's create or update request: without
 * blobServices/containers/write and containers/blobs/write on Capture's destination account it refuses with
 * "Linked access check failed for capture storage destination <account id> ... doesn't have the required data plane
 * write permissions" (Azure/azure-sdk-for-js#30204, Azure/azure-synapse-analytics-end2end#11). A grant to the
 * namespace identity alone does not pass it, nor does a grant on a container (the check names the account, and a
 * role assignment reaches only its scope and below). So every capturing hub depends on a grant, scoped to its
 * destination account, of a role holding both permissions: a built-in role that does, or a custom role defined in
 * the stack whose permissions cover them. A hub capturing into an account another stack manages (a shared personal
 * stack's hub, into dev's lake) relies on that stack's grant to its creators (`developers.entraGroupObjectId` on
 * dev), which this stack cannot see.
 */
export const eventHubCaptureCallerAccess: StackRule = {
  name: "eventhub-capture-caller-access",
  description:
    "Every event hub with Capture is created after its deployer is granted blob write on the destination storage account.",
  check: (resources) => {
    const byUrn = new Map(resources.filter((r) => r.urn).map((r) => [r.urn as string, r]));
    const custom = customPermissions(resources);
    const passesCheck = (grant: ResourceFacts) => {
      const guid = roleGuid(at(grant.props, "roleDefinitionId"));
      const permissions = BUILT_IN_PERMISSIONS[guid] ?? custom.get(guid);
      return permissions !== undefined && covers(permissions, CAPTURE_CHECK_PERMISSIONS);
    };
    const accounts = new Set(
      resources.filter((r) => r.type === TYPES.storageAccount).map((r) => at(r.props, "accountName")),
    );
    const managedHere = (destination: unknown) =>
      typeof destination !== "string" || accounts.has(destination.split("/").pop());
    return resources
      .filter((r) => r.type === TYPES.eventHub && at(r.props, "captureDescription.enabled") === true)
      .filter((hub) => managedHere(at(hub.props, "captureDescription.destination.storageAccountResourceId")))
      .flatMap((hub) => {
        const destination = at(hub.props, "captureDescription.destination.storageAccountResourceId");
        const grants = (hub.dependencies ?? [])
          .map((urn) => byUrn.get(urn))
          .filter((r): r is ResourceFacts => r?.type === TYPES.roleAssignment);
        // In a first preview both ids may still be unknown; the deploy's own preview sees them resolved.
        const onDestination = grants.filter(
          (r) => passesCheck(r) && (typeof destination !== "string" || at(r.props, "scope") === destination),
        );
        return onDestination.length > 0
          ? []
          : [
              {
                resource: hub.name,
                detail: expected(
                  "dependsOn",
                  `to include a grant on ${String(destination)}, for the identity that creates the hub, of a role holding ${[...CAPTURE_CHECK_PERMISSIONS.actions, ...CAPTURE_CHECK_PERMISSIONS.dataActions].join(" and ")}`,
                  grants.map((r) => r.name),
                  "grant the deploying principals (deployerPrincipalIds) on the capture account and create the hub after it",
                ),
              },
            ];
      });
  },
};
