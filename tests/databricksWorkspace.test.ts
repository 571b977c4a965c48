import { expect } from "chai";
import { DatabricksStorageAccess } from "../components/databricksStorageAccess";
import { DatabricksWorkspace, type DatabricksWorkspaceArgs } from "../components/databricksWorkspace";
import { RESOURCE_TYPES as TYPES } from "../policy/vocabulary/resourceTypes";
import { BUILT_IN_ROLES, CONTROL_PLANE_REASON_PREFIX } from "../policy/vocabulary/roles";
import { STORAGE_ACCOUNT_ID } from "./databricksFixtures";
import { evaluate, MOCK_SUBSCRIPTION_ID, MOCK_WORKSPACE_HOST as WORKSPACE_HOST } from "./harness/mockProgram";
import { ofType, resource } from "./support";

const ARGS: DatabricksWorkspaceArgs = {
  resourceGroupName: "h3ml-dev-rg",
  location: "westeurope",
  subscriptionId: MOCK_SUBSCRIPTION_ID,
  workspaceName: "h3ml-dev-dbw",
  managedResourceGroupName: "h3ml-dev-dbw-managed-rg",
  accessConnectorName: "h3ml-dev-dbac",
  tags: { project: "h3-ml" },
  protect: false,
};

const buildWorkspace = (args: Partial<DatabricksWorkspaceArgs> = {}) =>
  evaluate("dev", () => new DatabricksWorkspace("dbw", { ...ARGS, ...args }));

const ROLE = (id: string) =>
  `/subscriptions/${MOCK_SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/${id}`;
const CONTAINER = (name: string) => `${STORAGE_ACCOUNT_ID}/blobServices/default/containers/${name}`;

describe("DatabricksWorkspace", () => {
  it("creates a premium workspace with secure cluster connectivity and a named managed resource group", async () => {
    const ev = await buildWorkspace();
    const workspace = resource(ev, TYPES.workspace, "dbw-workspace");
    expect(workspace.inputs).to.deep.include({
      workspaceName: "h3ml-dev-dbw",
      sku: { name: "premium" },
      managedResourceGroupId: `/subscriptions/${MOCK_SUBSCRIPTION_ID}/resourceGroups/h3ml-dev-dbw-managed-rg`,
      parameters: { enableNoPublicIp: { value: true } },
    });
    expect(workspace.protect).to.equal(false);
  });

  it("injects the clusters into the VNet and subnets it is given", async () => {
    const vnet = "/subscriptions/s/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/hub";
    const ev = await buildWorkspace({
      vnet: { virtualNetworkId: vnet, publicSubnetName: "dbx-host", privateSubnetName: "dbx-container" },
    });
    expect(resource(ev, TYPES.workspace, "dbw-workspace").inputs.parameters).to.deep.equal({
      enableNoPublicIp: { value: true },
      customVirtualNetworkId: { value: vnet },
      customPublicSubnetName: { value: "dbx-host" },
      customPrivateSubnetName: { value: "dbx-container" },
    });
  });

  it("protects the workspace and the access connector when asked, and neither otherwise", async () => {
    const guarded = await buildWorkspace({ protect: true });
    expect(resource(guarded, TYPES.workspace, "dbw-workspace").protect).to.equal(true);
    expect(resource(guarded, TYPES.accessConnector, "dbw-access-connector").protect).to.equal(true);
    const open = await buildWorkspace({ protect: false });
    expect(resource(open, TYPES.workspace, "dbw-workspace").protect).to.equal(false);
    expect(resource(open, TYPES.accessConnector, "dbw-access-connector").protect).to.equal(false);
  });

  it("reaches the UI and API privately through a databricks_ui_api endpoint its DNS zone resolves, when asked", async () => {
    const subnetId =
      "/subscriptions/s/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/transit/subnets/pe";
    const privateDnsZoneId =
      "/subscriptions/s/resourceGroups/net/providers/Microsoft.Network/privateDnsZones/privatelink.azuredatabricks.net";
    const ev = await buildWorkspace({ privateFrontEnd: { subnetId, privateDnsZoneId } });
    const workspace = resource(ev, TYPES.workspace, "dbw-workspace");
    const endpoint = resource(ev, TYPES.privateEndpoint, "dbw-front-end");
    // The SDK fills a subnet's defaults in; the endpoint reads only its id.
    expect(endpoint.inputs.subnet.id).to.equal(subnetId);
    expect(endpoint.inputs).to.deep.include({
      privateEndpointName: "h3ml-dev-dbw-ui-api",
      resourceGroupName: "h3ml-dev-rg",
      location: "westeurope",
      privateLinkServiceConnections: [
        {
          name: "h3ml-dev-dbw-ui-api",
          privateLinkServiceId: workspace.id ?? "",
          groupIds: ["databricks_ui_api"],
        },
      ],
      tags: { project: "h3-ml" },
    });
    expect(resource(ev, TYPES.privateDnsZoneGroup, "dbw-front-end-dns").inputs).to.deep.equal({
      resourceGroupName: "h3ml-dev-rg",
      privateEndpointName: "h3ml-dev-dbw-ui-api",
      privateDnsZoneGroupName: "default",
      privateDnsZoneConfigs: [{ name: "privatelink-azuredatabricks-net", privateDnsZoneId }],
    });
    // Front end only: the public endpoint stays, behind the IP access list.
    expect(workspace.inputs).to.not.have.property("publicNetworkAccess");
    expect(ofType(await buildWorkspace(), TYPES.privateEndpoint)).to.deep.equal([]);
  });

  it("gives the access connector a system-assigned identity", async () => {
    const ev = await buildWorkspace();
    expect(resource(ev, TYPES.accessConnector, "dbw-access-connector").inputs).to.deep.include({
      connectorName: "h3ml-dev-dbac",
      identity: { type: "SystemAssigned" },
    });
    const component = ev.result;
    const [principal, url] = await Promise.all([
      new Promise((done) => component.accessConnectorPrincipalId.apply(done)),
      new Promise((done) => component.workspaceUrl.apply(done)),
    ]);
    expect(principal).to.equal("principal-of-h3ml-dev-dbac");
    expect(url).to.equal(`https://${WORKSPACE_HOST}`);
  });

  it("builds the Databricks provider from the workspace's URL and resource id", async () => {
    const ev = await buildWorkspace();
    const provider = resource(ev, TYPES.databricksProvider, "dbw-provider");
    expect(provider.inputs).to.include({
      host: `https://${WORKSPACE_HOST}`,
      azureWorkspaceResourceId: `/subscriptions/${MOCK_SUBSCRIPTION_ID}/resourceGroups/h3ml-dev-rg/providers/Microsoft.Databricks/workspaces/h3ml-dev-dbw`,
    });
    expect(provider.inputs).to.not.have.property("authType");
    const withAuth = await buildWorkspace({ providerAuthType: "azure-cli" });
    expect(resource(withAuth, TYPES.databricksProvider, "dbw-provider").inputs.authType).to.equal(
      "azure-cli",
    );
  });
});

const RESOURCE_GROUP_ID = `/subscriptions/${MOCK_SUBSCRIPTION_ID}/resourceGroups/rg`;

describe("DatabricksStorageAccess", () => {
  const build = (fileEvents = true) =>
    evaluate(
      "dev",
      () =>
        new DatabricksStorageAccess("dbx-storage", {
          principalId: "connector-principal",
          storageAccountId: STORAGE_ACCOUNT_ID,
          resourceGroupId: RESOURCE_GROUP_ID,
          lakeContainerName: "lake",
          captureContainerName: "capture",
          fileEvents,
        }),
    );

  // Exactly the roles Databricks lists for file events with a managed identity
  // (learn.microsoft.com/azure/databricks/data-governance/unity-catalog/azure-managed-identities).
  it("grants least privilege per container, plus the file-event roles on the account and its resource group", async () => {
    const ev = await build();
    const roleNames = new Map(Object.entries(BUILT_IN_ROLES).map(([role, guid]) => [ROLE(guid), role]));
    const grants = ofType(ev, TYPES.roleAssignment);
    expect(
      grants.map((r) => ({
        name: r.name,
        principal: `${r.inputs.principalType} ${r.inputs.principalId}`,
        role: roleNames.get(r.inputs.roleDefinitionId),
        scope: r.inputs.scope,
      })),
    ).to.deep.equal(
      [
        ["dbx-storage-account-contributor", "storageAccountContributor", STORAGE_ACCOUNT_ID],
        ["dbx-storage-capture-blob-reader", "storageBlobDataReader", CONTAINER("capture")],
        [
          "dbx-storage-event-subscription-contributor",
          "eventGridEventSubscriptionContributor",
          RESOURCE_GROUP_ID,
        ],
        ["dbx-storage-lake-blob-contributor", "storageBlobDataContributor", CONTAINER("lake")],
        ["dbx-storage-queue-contributor", "storageQueueDataContributor", STORAGE_ACCOUNT_ID],
      ].map(([name, role, scope]) => ({
        name,
        principal: "ServicePrincipal connector-principal",
        role,
        scope,
      })),
    );
    // The one control-plane role states the documented requirement, as the pack's role-assignment-data-role asks.
    const controlPlane = resource(ev, TYPES.roleAssignment, "dbx-storage-account-contributor");
    expect(controlPlane.inputs.description).to.match(new RegExp(`^${CONTROL_PLANE_REASON_PREFIX}`));
    expect(controlPlane.inputs.description).to.include(
      "learn.microsoft.com/azure/databricks/data-governance/unity-catalog/azure-managed-identities",
    );
  });

  it("grants only blob access when file events are off", async () => {
    const ev = await build(false);
    expect(ofType(ev, TYPES.roleAssignment).map((r) => r.name)).to.deep.equal([
      "dbx-storage-capture-blob-reader",
      "dbx-storage-lake-blob-contributor",
    ]);
  });
});
