import * as azure from "@pulumi/azure-native";
import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";

/** An existing virtual network the workspace's clusters are injected into. */
export interface DatabricksVnetInjection {
  /** Resource id of the virtual network. */
  virtualNetworkId: pulumi.Input<string>;
  /** Subnet delegated to `Microsoft.Databricks/workspaces` for the host (public) side. */
  publicSubnetName: pulumi.Input<string>;
  /** Subnet delegated to `Microsoft.Databricks/workspaces` for the container (private) side. */
  privateSubnetName: pulumi.Input<string>;
}

/** Where the workspace's private front-end endpoint goes; see `DatabricksWorkspaceArgs.privateFrontEnd`. */
export interface DatabricksPrivateFrontEnd {
  /** Resource id of the subnet the endpoint's address comes from, in the workspace's region. */
  subnetId: pulumi.Input<string>;
  /** Resource id of the `privatelink.azuredatabricks.net` private DNS zone that resolves the workspace's name there. */
  privateDnsZoneId: pulumi.Input<string>;
}

export interface DatabricksWorkspaceArgs {
  /** Resource group that holds the workspace and the access connector. */
  resourceGroupName: pulumi.Input<string>;
  /** Azure region. */
  location: pulumi.Input<string>;
  /** Subscription the managed resource group is created in. */
  subscriptionId: pulumi.Input<string>;
  /** Name of the Databricks workspace. */
  workspaceName: pulumi.Input<string>;
  /** Name of the resource group Azure Databricks creates and locks for the workspace's own resources. */
  managedResourceGroupName: pulumi.Input<string>;
  /** Name of the Access Connector whose identity Unity Catalog uses to reach storage. */
  accessConnectorName: pulumi.Input<string>;
  /**
   * Inject the clusters into an existing VNet instead of the one Databricks manages.
   * @default undefined: a managed VNet in the managed resource group
   */
  vnet?: DatabricksVnetInjection;
  /**
   * Authentication the Databricks provider uses against the new workspace (`azure-cli`, `azure-msi`,
   * `github-oidc`, ...). Deploy pipelines set this because the provider does not read every variable
   * the Azure task exports.
   * @default undefined: the provider's own chain (environment, then Azure CLI)
   */
  providerAuthType?: pulumi.Input<string>;
  /**
   * Reach the workspace's UI and REST API privately from the network `subnetId` is in (a transit VNet peered with
   * the users' networks), through a private endpoint whose name `privateDnsZoneId` (a `privatelink.azuredatabricks.net`
   * zone linked to that network) resolves.
   * @default undefined: the public endpoint only
   */
  privateFrontEnd?: DatabricksPrivateFrontEnd;
  /** Tags on every Azure resource. */
  tags: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /**
   * Protect the workspace (notebook history, job run history, its DBFS root) and the access connector (the
   * identity Unity Catalog's storage credential names) from destroy and replacement.
   */
  protect: boolean;
}

/**
 * A premium Azure Databricks workspace with secure cluster connectivity (no public IPs on cluster
 * nodes), the Access Connector whose system-assigned identity Unity Catalog uses for storage, and the
 * explicit `databricks.Provider` every workspace-level Databricks resource must be created with.
 *
 * The connector exists before the data lake so the lake's firewall can name it in a resource-instance
 * rule; its storage roles are granted by `DatabricksStorageAccess` once the lake exists.
 */
export class DatabricksWorkspace extends pulumi.ComponentResource {
  public readonly workspaceId: pulumi.Output<string>;
  public readonly workspaceResourceId: pulumi.Output<string>;
  public readonly workspaceUrl: pulumi.Output<string>;
  public readonly accessConnectorId: pulumi.Output<string>;
  public readonly accessConnectorPrincipalId: pulumi.Output<string>;
  public readonly provider: databricks.Provider;

  constructor(name: string, args: DatabricksWorkspaceArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("h3:databricks:DatabricksWorkspace", name, {}, opts);

    const connector = new azure.databricks.AccessConnector(
      `${name}-access-connector`,
      {
        connectorName: args.accessConnectorName,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        identity: { type: "SystemAssigned" },
        tags: args.tags,
      },
      // A new connector has a new identity: the storage credential would name a deleted one, and its grants go too.
      { parent: this, protect: args.protect },
    );

    const workspace = new azure.databricks.Workspace(
      `${name}-workspace`,
      {
        workspaceName: args.workspaceName,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        // Unity Catalog, cluster policies and job run-as need premium.
        sku: { name: "premium" },
        computeMode: "Hybrid",
        managedResourceGroupId: pulumi.interpolate`/subscriptions/${args.subscriptionId}/resourceGroups/${args.managedResourceGroupName}`,
        parameters: workspaceParameters(args.vnet),
        tags: args.tags,
      },
      // The component's dependsOn (the subnets of an injected VNet) reaches the workspace itself.
      { parent: this, dependsOn: opts.dependsOn, protect: args.protect },
    );

    if (args.privateFrontEnd !== undefined) {
      privateFrontEnd(name, args, workspace.id, this);
    }

    this.provider = new databricks.Provider(
      `${name}-provider`,
      {
        // Both are needed: host alone makes Azure auth guess the workspace; the resource id alone
        // makes the provider resolve the URL through ARM on every call.
        host: pulumi.interpolate`https://${workspace.workspaceUrl}`,
        azureWorkspaceResourceId: workspace.id,
        ...(args.providerAuthType === undefined ? {} : { authType: args.providerAuthType }),
      },
      { parent: this },
    );

    this.workspaceId = workspace.workspaceId;
    this.workspaceResourceId = workspace.id;
    this.workspaceUrl = pulumi.interpolate`https://${workspace.workspaceUrl}`;
    this.accessConnectorId = connector.id;
    this.accessConnectorPrincipalId = connector.identity.apply((identity) => identity?.principalId ?? "");
    this.registerOutputs({
      workspaceId: this.workspaceId,
      workspaceUrl: this.workspaceUrl,
      accessConnectorId: this.accessConnectorId,
    });
  }
}

/** Custom parameters: no public IP always; the VNet and its two subnets only when injecting. */
function workspaceParameters(
  vnet: DatabricksVnetInjection | undefined,
): azure.types.input.databricks.WorkspaceCustomParametersArgs {
  const noPublicIp = { enableNoPublicIp: { value: true } };
  if (vnet === undefined) {
    return noPublicIp;
  }
  return {
    ...noPublicIp,
    customVirtualNetworkId: { value: vnet.virtualNetworkId },
    customPublicSubnetName: { value: vnet.publicSubnetName },
    customPrivateSubnetName: { value: vnet.privateSubnetName },
  };
}

/**
 * Front-end Private Link (https://learn.microsoft.com/azure/databricks/security/network/concepts/private-link,
 * "Inbound (front-end) only"): a `databricks_ui_api` private endpoint in a transit network, its name resolved by the
 * `privatelink.azuredatabricks.net` zone. Public access stays on, behind the IP access list: turning it off takes
 * back-end Private Link as well (`NoAzureDatabricksRules`, a back-end endpoint in the workspace's VNet). Single
 * sign-on over a private network needs one `browser_authentication` endpoint per region, shared by every workspace
 * there, so it is not this stack's to create (docs/security.md).
 */
function privateFrontEnd(
  name: string,
  args: DatabricksWorkspaceArgs,
  workspaceId: pulumi.Input<string>,
  parent: pulumi.Resource,
): void {
  const spec = args.privateFrontEnd as DatabricksPrivateFrontEnd;
  const endpointName = pulumi.interpolate`${args.workspaceName}-ui-api`;
  const endpoint = new azure.network.PrivateEndpoint(
    `${name}-front-end`,
    {
      privateEndpointName: endpointName,
      resourceGroupName: args.resourceGroupName,
      location: args.location,
      subnet: { id: spec.subnetId },
      privateLinkServiceConnections: [
        { name: endpointName, privateLinkServiceId: workspaceId, groupIds: ["databricks_ui_api"] },
      ],
      tags: args.tags,
    },
    { parent },
  );
  new azure.network.PrivateDnsZoneGroup(
    `${name}-front-end-dns`,
    {
      resourceGroupName: args.resourceGroupName,
      privateEndpointName: endpoint.name,
      privateDnsZoneGroupName: "default",
      privateDnsZoneConfigs: [
        { name: "privatelink-azuredatabricks-net", privateDnsZoneId: spec.privateDnsZoneId },
      ],
    },
    { parent },
  );
}
