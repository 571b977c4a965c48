import { at, expected, type ResourceFacts, type StackRule, TYPES } from "../core";

/** Built-in roles holding both blobServices/containers/write and containers/blobs/write. */
const CAPTURE_WRITE_ROLES = [
  "ba92f5b4-2d11-453d-a403-e96b0029c9fe", // Storage Blob Data Contributor
  "b7e6dc6d-f1e8-4753-8033-0f276bb0955b", // Storage Blob Data Owner
];

const roleGuid = (r: ResourceFacts) =>
  String(at(r.props, "roleDefinitionId") ?? "")
    .split("/")
    .pop()
    ?.toLowerCase();

/**
 * Event Hubs runs a linked access check on whoever sends a hub's create request: without blob write on Capture's
 * destination account it refuses with "Linked access check failed for capture storage destination ... doesn't have
 * the required data plane write permissions" (Azure/azure-sdk-for-js#30204, Azure/azure-synapse-analytics-end2end#11).
 * A grant to the namespace identity alone does not pass it. So every capturing hub depends on a blob-write grant
 * scoped to its destination account, which only the deployer's grant is (the namespace's is on the container).
 * A hub capturing into an account another stack manages (a shared personal stack's hub, into dev's lake) relies
 * on that stack's grant to its creators (`developers.entraGroupObjectId` on dev), which this stack cannot see.
 */
export const eventHubCaptureCallerAccess: StackRule = {
  name: "eventhub-capture-caller-access",
  description:
    "Every event hub with Capture is created after its deployer is granted blob write on the destination storage account.",
  check: (resources) => {
    const byUrn = new Map(resources.filter((r) => r.urn).map((r) => [r.urn as string, r]));
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
          .filter((r): r is ResourceFacts => r?.type === TYPES.roleAssignment)
          .filter((r) => CAPTURE_WRITE_ROLES.includes(roleGuid(r) ?? ""));
        // In a first preview both ids may still be unknown; the deploy's own preview sees them resolved.
        const onDestination = grants.filter(
          (r) => typeof destination !== "string" || at(r.props, "scope") === destination,
        );
        return onDestination.length > 0
          ? []
          : [
              {
                resource: hub.name,
                detail: expected(
                  "dependsOn",
                  `to include a Storage Blob Data Contributor grant on ${String(destination)} for the identity that creates the hub`,
                  grants.map((r) => r.name),
                  "grant the deploying principals (deployerPrincipalIds) on the capture account and create the hub after it",
                ),
              },
            ];
      });
  },
};
